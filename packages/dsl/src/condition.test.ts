/** `condition classes`: the language's side of conditional GANs (the plan's `condition`). */
import { describe, expect, it } from "vitest";
import { format } from "./format.js";
import { exampleDataFacts } from "./test-host.js";
import { compileText, errorsOf } from "./test-support.js";

/** A conditional MNIST spec: `data` and `condition` lines as given, a small dense G and D. */
function spec({ data = 'data mnist { classes: "labels" }', condition = "condition classes", generator = "dense 784 tanh", discriminator = "dense 1" } = {}): string {
  return `gan c {
  ${data}
  latent 8
  ${condition}
  generator {
    dense 16
    ${generator}
    reshape [28, 28, 1]
  }
  discriminator {
    flatten
    dense 32 leakyrelu
    ${discriminator}
  }
  train {
    steps 10
  }
}
`;
}

const withData = { dataShape: exampleDataFacts };

describe("condition classes", () => {
  it("takes the number of classes from the data's labels; G's first layer sees the latent vector and the class embedding", async () => {
    const { plan, diagnostics } = await compileText(spec(), withData);
    expect(diagnostics).toEqual([]);
    expect(plan!.condition).toEqual({ kind: "classes", classes: 10, embedding: 10, discriminator: "projection", source: { line: 4, column: 3 } });
    expect(plan!.networks.generator.inputShape).toEqual([18]);
    const sized = await compileText(spec({ condition: "condition classes { embedding: 4 }" }), withData);
    expect(sized.plan!.condition!.embedding).toBe(4);
    expect(sized.plan!.networks.generator.inputShape).toEqual([12]);
  });

  it("batchnorm affine class: gamma and beta per class in the generator", async () => {
    const { plan, diagnostics } = await compileText(spec({ generator: "batchnorm affine class relu\n    dense 784 tanh" }), withData);
    expect(diagnostics).toEqual([]);
    expect(plan!.networks.generator.layers[1]).toMatchObject({ type: "batchnorm", affine: "class" });
    // Written per channel, it stays the plan of a plain batch norm: earlier plans keep their hashes.
    const plain = await compileText(spec({ generator: "batchnorm affine channel relu\n    dense 784 tanh" }), withData);
    expect(plain.plan!.networks.generator.layers[1]).toMatchObject({ type: "batchnorm", affine: "channel" });
    expect((await compileText(spec({ generator: "batchnorm relu\n    dense 784 tanh" }), withData)).plan!.networks.generator.layers[1]).not.toHaveProperty("affine");
  });

  it("data without labels is a located error that says how to give them", async () => {
    expect(await errorsOf(spec({ data: "data mnist" }), withData)).toEqual([
      `4:3 condition classes needs class labels in the data: give data mnist its 'classes' option (data mnist { classes: "labels" }, data images "dir/" { classes: "folders" })`,
    ]);
    expect(await errorsOf(spec({ data: "data ring" }), withData)).toContain(
      "4:3 condition classes needs class labels in the data: data ring has no class labels (data mnist, idx and images have them, with their 'classes' option)",
    );
  });

  it("mistakes in the statement, at the word", async () => {
    expect(await errorsOf(spec({ condition: "condition clases" }), withData)).toEqual(["4:13 the networks can be conditioned on 'classes', not 'clases', did you mean 'classes'?"]);
    expect(await errorsOf(spec({ condition: "condition classes { embeding: 4 }" }), withData)).toEqual([
      "4:23 condition classes has no option 'embeding', did you mean 'embedding'?",
    ]);
    expect(await errorsOf(spec({ condition: "condition classes { embedding: 0 }" }), withData)).toEqual([expect.stringMatching(/^4:34 the size of the class embedding must be/)]);
    expect(await errorsOf(spec({ condition: "condition classes\n  condition classes" }), withData)).toEqual([expect.stringMatching(/^5:3 a second condition statement/)]);
  });

  it("a discriminator whose head cannot be split off, and per-class batch norm where there is no class, at the layer", async () => {
    expect(await errorsOf(spec({ discriminator: "dense 1 sigmoid" }), withData)).toEqual([
      "13:5 networks.discriminator.layers[2]: a conditional discriminator must end in 'dense 1' with no activation: its projection head reads the features that layer reads",
    ]);
    expect(await errorsOf(spec({ condition: "", generator: "batchnorm affine class\n    dense 784 tanh" }), withData)).toEqual([
      "7:5 networks.generator.layers[1]: batchnorm affine class needs the class: add 'condition classes' to the spec",
    ]);
    expect(await errorsOf(spec({ discriminator: "batchnorm affine class\n    dense 1" }), withData)).toEqual([
      "13:5 networks.discriminator.layers[2]: batchnorm affine class is for the generator: the discriminator takes the class through its head",
    ]);
  });

  it("is formatted as written", () => {
    const text = spec({ condition: "condition classes { embedding: 4 }" });
    expect(format(text, "c.gan").text).toBe(text);
  });
});
