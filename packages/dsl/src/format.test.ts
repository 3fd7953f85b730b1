import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Plan } from "@gan/plan";
import { format } from "./format.js";
import { exampleDataFacts } from "./test-host.js";
import { brief, compileText } from "./test-support.js";

const examplesDir = fileURLToPath(new URL("../../../examples/", import.meta.url));
const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith(".gan"))
  .sort()
  .map((name) => ({ name, text: readFileSync(`${examplesDir}${name}`, "utf8") }));

function formatOk(text: string): string {
  const result = format(text, "t.gan");
  expect(brief(result.diagnostics)).toEqual([]);
  return result.text!;
}

/** The plan without what formatting may change: the hash of the text and source locations. */
function comparable(plan: Plan | undefined): unknown {
  return JSON.parse(JSON.stringify(plan ?? null), (key, value: unknown) => (key === "source" || key === "sha256" ? undefined : value));
}

const MESSY = `// header comment
gan   messy{ data grid {side:5,spacing : 2,}
latent 4*2   uniform



  generator{dense 16 relu // first
  dense 2*1}
discriminator {
    dense   16
    relu
    dense 1 }
  optimizer adam {lr:linear(1e-3->1e-4,from 10 until 50),beta1:0.5}
  train{steps 100 batch 32
    sample every 10 checkpoint every 20 keep   2}
  use "@gan/fixture" {slope:0.1} from 0 until 80
}
`;

describe("format", () => {
  it("lays a file out canonically", () => {
    expect(formatOk(MESSY)).toBe(`// header comment
gan messy {
  data grid { side: 5, spacing: 2 }
  latent 4*2 uniform

  generator {
    dense 16 relu // first
    dense 2*1
  }
  discriminator {
    dense 16
    relu
    dense 1
  }
  optimizer adam { lr: linear(1e-3 -> 1e-4, from 10 until 50), beta1: 0.5 }
  train {
    steps 100
    batch 32
    sample every 10
    checkpoint every 20
    keep 2
  }
  use "@gan/fixture" { slope: 0.1 } from 0 until 80
}
`);
  });

  it("keeps comments where they are: own-line, end-of-line, inside objects and lists, after the spec", () => {
    const text = `/* block
   header */
gan c { // after the brace
  // before data
  data ring { modes: 8, // eight
    radius: 2 /* two */ }

  generator { /* nothing else here */
    reshape [2, // rows
      1]
    flatten
  }
  // before the last brace
} // the end
// trailing
`;
    const formatted = formatOk(text);
    expect(formatted).toBe(`/* block
   header */
gan c { // after the brace
  // before data
  data ring {
    modes: 8, // eight
    radius: 2, /* two */
  }

  generator { /* nothing else here */
    reshape [
      2, // rows
      1,
    ]
    flatten
  }
  // before the last brace
} // the end
// trailing
`);
    expect(formatOk(formatted)).toBe(formatted);
  });

  it("prints numbers as written, strings as JSON, empty blocks and objects compactly", () => {
    expect(formatOk('gan "a b" { data ring {}\n train {}\n use "x" { s: "q\\"", n: 20_000, e: 2E-4, l: [], o: {}, b: true } }')).toBe(`gan "a b" {
  data ring {}
  train {}
  use "x" { s: "q\\"", n: 20_000, e: 2E-4, l: [], o: {}, b: true }
}
`);
    expect(formatOk("gan t { latent -(1 - 2)*3 + 4/2 }")).toBe("gan t {\n  latent -(1 - 2)*3 + 4/2\n}\n");
    expect(formatOk("gan t { use \"x\" { a: step(1,2 at 3,4 at 5,), b: cosine(1 → 0) } }")).toBe(
      'gan t {\n  use "x" { a: step(1, 2 at 3, 4 at 5), b: cosine(1 -> 0) }\n}\n',
    );
  });

  it("refuses a file with syntax errors, with its diagnostics", () => {
    const result = format("gan t {\n  desne 4\n}", "t.gan");
    expect(result.text).toBeUndefined();
    expect(brief(result.diagnostics)).toEqual(["2:3 unknown statement 'desne': did you mean the layer 'dense'? Layers go inside generator { ... } or discriminator { ... }"]);
  });

  it("is idempotent and keeps the plan: on a messy spec", async () => {
    const once = formatOk(MESSY);
    expect(formatOk(once)).toBe(once);
    const before = await compileText(MESSY);
    const after = await compileText(once);
    expect(before.plan).toBeDefined();
    expect(comparable(after.plan)).toEqual(comparable(before.plan));
  });

  describe.each(examples)("on examples/$name", ({ text }) => {
    it("is already in canonical form, and idempotent", () => {
      const formatted = formatOk(text);
      expect(formatted).toBe(text);
      expect(formatOk(formatted)).toBe(formatted);
    });

    it("keeps the plan when the layout changes", async () => {
      // Squash the layout (outside comments), then format it back.
      const squashed = text
        .split("\n")
        .map((line) => line.replace(/\/\/.*$/, "").trim())
        .join("\n")
        .replace(/\n{2,}/g, "\n");
      const restored = formatOk(squashed);
      expect(formatOk(restored)).toBe(restored);
      // Whatever tricks the example names: this is about the layout, not the tricks.
      const original = await compileText(text, { anyTrick: true, dataShape: exampleDataFacts });
      expect(brief(original.diagnostics)).toEqual([]);
      expect(comparable((await compileText(restored, { anyTrick: true, dataShape: exampleDataFacts })).plan)).toEqual(comparable(original.plan));
    });
  });
});
