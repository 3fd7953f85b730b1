/**
 * Blocks of layers in the language: `residual { ... } shortcut { ... }`, `add { branch { ... } ... }`
 * and `concat { ... }`: their plan layers, the shapes inferred into them, the diagnostics at
 * the block or the nested layer, and the formatter.
 */
import { describe, expect, it } from "vitest";
import { withoutSource, type Plan } from "@gan/plan";
import { format } from "./format.js";
import { brief, compileText, errorsOf } from "./test-support.js";

/** A spec whose generator is `generator` (lines indented by 4) on an 8x8 image input. */
const specWith = (generator: string) => `gan t {
  data ring
  latent 4
  generator {
    dense 8*8*4
    reshape [8, 8, 4]
${generator}
    flatten
    dense 2
  }
  discriminator {
    dense 1
  }
  train {
    steps 10
  }
}
`;

async function planOf(text: string): Promise<Plan> {
  const result = await compileText(text);
  expect(brief(result.diagnostics)).toEqual([]);
  return result.plan!;
}

const RESIDUALS = `    residual {
      conv 4 relu
      conv 4
    }
    residual {
      conv 8 stride 2
    } shortcut {
      conv 8 kernel 1 stride 2
    }`;

describe("blocks in the plan", () => {
  it("a residual block holds its layers and its shortcut, with their shapes", async () => {
    const plan = await planOf(specWith(RESIDUALS));
    const [, , identity, projected] = plan.networks.generator.layers;
    expect(identity).toEqual({
      type: "residual",
      layers: [
        { type: "conv", filters: 4, kernel: 3, stride: 1, padding: "same", activation: { kind: "relu" }, source: { line: 8, column: 7 }, outputShape: [8, 8, 4] },
        { type: "conv", filters: 4, kernel: 3, stride: 1, padding: "same", source: { line: 9, column: 7 }, outputShape: [8, 8, 4] },
      ],
      source: { line: 7, column: 5 },
      outputShape: [8, 8, 4],
    });
    expect(projected).toMatchObject({
      type: "residual",
      layers: [{ type: "conv", filters: 8, stride: 2, outputShape: [4, 4, 8] }],
      shortcut: [{ type: "conv", filters: 8, kernel: 1, stride: 2, source: { line: 14, column: 7 }, outputShape: [4, 4, 8] }],
      outputShape: [4, 4, 8],
    });
  });

  it("add sums branches of one shape; concat joins them along the channels; an empty branch is the identity", async () => {
    const plan = await planOf(
      specWith(`    add {
      branch {
        conv 4 relu
      }
      branch {}
    }
    concat {
      branch {
        conv 2 kernel 1
      }
      branch {}
    }`),
    );
    const [, , add, concat] = plan.networks.generator.layers;
    expect(add).toMatchObject({ type: "add", branches: [[{ type: "conv", outputShape: [8, 8, 4] }], []], outputShape: [8, 8, 4] });
    expect(concat).toMatchObject({ type: "concat", branches: [[{ type: "conv", outputShape: [8, 8, 2] }], []], outputShape: [8, 8, 6] });
  });
});

describe("diagnostics of blocks", () => {
  it("a residual block whose layers change the shape is an error at the block, with the shortcut to write", async () => {
    expect(await errorsOf(specWith("    residual {\n      conv 8\n    }"))).toEqual([
      "7:5 the residual block's layers output [8, 8, 8] but its input is [8, 8, 4], and the two are added: give it a shortcut that makes the input [8, 8, 8], e.g. '} shortcut { conv 8 kernel 1 }'",
    ]);
    expect(await errorsOf(specWith("    residual {\n      conv 8\n    } shortcut {\n      conv 6 kernel 1\n    }"))).toEqual([
      "7:5 the residual block's layers output [8, 8, 8] but its shortcut outputs [8, 8, 6], and the two are added: they must have the same shape",
    ]);
  });

  it("branches that disagree are an error at the block, naming each branch's shape", async () => {
    expect(await errorsOf(specWith("    add {\n      branch {\n        conv 2\n      }\n      branch {}\n    }"))).toEqual([
      "7:5 the branches of add output different shapes (branch 1 [8, 8, 2], branch 2 [8, 8, 4]): add sums them, so they must be equal",
    ]);
    expect(await errorsOf(specWith("    concat {\n      branch {\n        maxpool 2\n      }\n      branch {}\n    }"))).toEqual([
      "7:5 the branches of concat output shapes that differ before the last dimension (branch 1 [4, 4, 4], branch 2 [8, 8, 4]): concat joins them along the channels, so the rest must be equal",
    ]);
  });

  it("a nested layer's error is at that layer", async () => {
    expect(await errorsOf(specWith("    residual {\n      conv 4\n      dense 4\n    }"))).toEqual([
      "9:7 dense needs a flat input but gets [8, 8, 4]: add 'flatten' before it",
    ]);
  });

  it("says where blocks and their parts go", async () => {
    expect(await errorsOf(specWith("    residual {\n    }"))).toEqual(["7:5 a residual block needs at least one layer: residual { conv 64 kernel 3 relu }"]);
    expect(await errorsOf(specWith("    residual {\n      conv 4\n    } shortcut {\n    }"))).toEqual([
      "9:7 an empty shortcut is the identity, which a residual block has without one: remove 'shortcut {}'",
    ]);
    expect(await errorsOf(specWith("    residual {\n      conv 4\n    }\n    shortcut {\n      conv 4\n    }"))).toEqual([
      "10:5 'shortcut' follows a residual block on the line of its closing brace: residual { ... } shortcut { ... }",
    ]);
    expect(await errorsOf(specWith("    add {\n      branch {}\n    }"))).toEqual([
      "7:5 add needs two or more branches: add { branch { conv 32 kernel 1 } branch { conv 32 kernel 3 } } (an empty branch {} is the identity)",
    ]);
    expect(await errorsOf(specWith("    add {\n      conv 4\n      branch {}\n    }"))).toEqual([
      "8:7 a layer inside add goes in one of its branches: add { branch { ... } branch { ... } }",
    ]);
    expect(await errorsOf(specWith("    branch {\n      conv 4\n    }"))).toEqual(["7:5 'branch' goes inside add { ... } or concat { ... }: add { branch { ... } branch { ... } }"]);
    expect(await errorsOf(specWith("    residual {\n      conv 4\n    } relu"))).toEqual([
      "9:7 unexpected 'relu' after the closing brace of residual: the next layer goes on a line of its own",
    ]);
  });
});

describe("formatting blocks", () => {
  const messy = specWith(`    residual {   conv 4 relu
      conv 4 }
    add {
      branch { conv 4 relu }
      // the identity
      branch {}
    }`);

  it("prints one layer per line, shortcut on the line of the closing brace, comments kept", () => {
    const formatted = format(messy, "/specs/t.gan").text!;
    expect(formatted).toBe(
      specWith(`    residual {
      conv 4 relu
      conv 4
    }
    add {
      branch {
        conv 4 relu
      }
      // the identity
      branch {}
    }`),
    );
    expect(format(formatted, "/specs/t.gan").text).toBe(formatted);
    expect(format(specWith(RESIDUALS), "/specs/t.gan").text).toBe(specWith(RESIDUALS));
  });

  it("does not change the plan", async () => {
    const before = await planOf(messy);
    const after = await planOf(format(messy, "/specs/t.gan").text!);
    expect(withoutSource(after)).toEqual(withoutSource(before));
  });
});
