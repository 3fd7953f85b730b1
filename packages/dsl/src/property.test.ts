/**
 * Whatever the input, `compile`, `parse` and `format` answer with a plan, a formatted text or
 * diagnostics: never an exception, never an internal error. Inputs are the examples and a
 * spec that uses every construct, mutated token by token and character by character.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import type { Diagnostic } from "./diagnostics.js";
import { format } from "./format.js";
import { parse } from "./parse.js";
import { testHost } from "./test-host.js";

const examplesDir = fileURLToPath(new URL("../../../examples/", import.meta.url));

const EVERYTHING = `// every construct
gan everything {
  data grid { side: 3, spacing: 1.5, std: 0.05 }
  latent 4*4 uniform
  generator {
    dense 7*7*2 relu
    reshape [7, 7, 2]
    deconv 4 kernel 3 stride 2 padding same leakyrelu 0.2
    batchnorm momentum 0.9 epsilon 1e-3
    residual {
      conv 4 relu
    }
    residual {
      conv 2
    } shortcut {
      conv 2 kernel 1
    }
    add {
      branch {
        conv 2 relu
      }
      branch {}
    }
    concat {
      branch {
        conv 1
      }
      branch {}
    }
    conv 2 kernel 3 stride 1 padding valid tanh
    maxpool 2 stride 2 padding same
    avgpool 2
    flatten
    dropout 0.3
    dense 2
  }
  discriminator { /* small */
    dense 8
    leakyrelu 0.1
    dense 1 linear
  }
  loss hinge
  optimizer adam { lr: 2e-4, beta1: 0.5 }
  optimizer generator adam { lr: linear(1e-3 -> 1e-4, from 10 until 90) }
  optimizer discriminator sgd { lr: step(0.1, 0.01 at 50, 0.001 at 80), momentum: 0.9 }
  train { steps 100 batch 8 seed 1 sample every 10 checkpoint every 50 keep 2 log every 5 backend cpu }
  use "@gan/fixture" { slope: cosine(0.2 -> 0, until 100), mode: "slow", rate: 1 } from 0 until 100
  use "@gan/first"
  use "@gan/stddev" { }
  use "@gan/label-noise" { flip: 0.1, soft: true }
}
`;

const MINIMAL_WITH_LATENT = (size: string) =>
  `gan t {\n  data ring\n  latent ${size}\n  generator {\n    dense 2\n  }\n  discriminator {\n    dense 1\n  }\n  train { steps 10 }\n}\n`;

const SEEDS = [
  EVERYTHING,
  ...readdirSync(examplesDir)
    .filter((name) => name.endsWith(".gan"))
    .sort()
    .map((name) => readFileSync(`${examplesDir}${name}`, "utf8")),
];

/** Rough tokens (words, numbers, strings, comments, punctuation, whitespace runs), enough to mutate by. */
function roughTokens(text: string): string[] {
  return text.match(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w-]*|\d[\d_.eE+-]*|->|\s+|./g) ?? [];
}

const POOL = [...new Set(SEEDS.flatMap(roughTokens))].concat(["{", "}", "[", "]", "(", ")", ",", ":", "->", '"', "/*", "//", "@", "#", "\n", "-", "*", "/", "0", "1e999", "gan", "use"]);

type Mutation =
  | { kind: "deleteToken" | "duplicateToken"; at: number }
  | { kind: "swapTokens"; at: number; with: number }
  | { kind: "insertToken"; at: number; token: number }
  | { kind: "deleteChar" | "duplicateChar"; at: number }
  | { kind: "insertChar"; at: number; char: string }
  | { kind: "truncate"; at: number };

const index = fc.nat({ max: 100_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("deleteToken" as const, "duplicateToken" as const), at: index }),
  fc.record({ kind: fc.constant("swapTokens" as const), at: index, with: index }),
  fc.record({ kind: fc.constant("insertToken" as const), at: index, token: fc.nat({ max: POOL.length - 1 }) }),
  fc.record({ kind: fc.constantFrom("deleteChar" as const, "duplicateChar" as const), at: index }),
  fc.record({ kind: fc.constant("insertChar" as const), at: index, char: fc.constantFrom(..."{}[](),:;-+*/\"'@#\n\t 0a\u00e9\u2028") }),
  fc.record({ kind: fc.constant("truncate" as const), at: index }),
);

function mutate(text: string, change: Mutation): string {
  if (change.kind.endsWith("Char") || change.kind === "truncate") {
    const at = text.length === 0 ? 0 : change.at % text.length;
    switch (change.kind) {
      case "deleteChar":
        return text.slice(0, at) + text.slice(at + 1);
      case "duplicateChar":
        return text.slice(0, at + 1) + text.slice(at);
      case "insertChar":
        return text.slice(0, at) + (change as { char: string }).char + text.slice(at);
      default:
        return text.slice(0, at);
    }
  }
  const tokens = roughTokens(text);
  if (tokens.length === 0) return text;
  const at = change.at % tokens.length;
  switch (change.kind) {
    case "deleteToken":
      tokens.splice(at, 1);
      break;
    case "duplicateToken":
      tokens.splice(at, 0, tokens[at]!);
      break;
    case "swapTokens": {
      const other = change.with % tokens.length;
      [tokens[at], tokens[other]] = [tokens[other]!, tokens[at]!];
      break;
    }
    case "insertToken":
      tokens.splice(at, 0, POOL[change.token]!);
      break;
  }
  return tokens.join("");
}

const mutatedSpec = fc
  .tuple(fc.nat({ max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([seed, changes]) => changes.reduce(mutate, SEEDS[seed]!));

function checkDiagnostics(diagnostics: readonly Diagnostic[], text: string): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const diagnostic of diagnostics) {
    expect(diagnostic.message).not.toMatch(/internal error/);
    expect(diagnostic.message.length).toBeGreaterThan(0);
    expect(diagnostic.file).toBe("/specs/m.gan");
    expect(Number.isInteger(diagnostic.line) && diagnostic.line >= 1 && diagnostic.line <= lines).toBe(true);
    expect(Number.isInteger(diagnostic.column) && diagnostic.column >= 1).toBe(true);
  }
}

describe("every input gets a plan or diagnostics", () => {
  it("compile: a plan without errors, or errors; never an exception or an internal error", async () => {
    const host = testHost();
    await fc.assert(
      fc.asyncProperty(mutatedSpec, async (text) => {
        const result = await compile(text, { file: "/specs/m.gan", host });
        checkDiagnostics(result.diagnostics, text);
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        if (result.plan === undefined) expect(errors.length).toBeGreaterThan(0);
        else expect(errors).toEqual([]);
      }),
      { numRuns: 1500, seed: 20250101 },
    );
  }, 120_000);

  it("parse and format: diagnostics or an idempotent text; never an exception", () => {
    fc.assert(
      fc.property(mutatedSpec, (text) => {
        const parsed = parse(text, "/specs/m.gan");
        checkDiagnostics(parsed.diagnostics, text);
        const formatted = format(text, "/specs/m.gan");
        checkDiagnostics(formatted.diagnostics, text);
        const syntaxErrors = parsed.diagnostics.some((d) => d.severity === "error");
        expect(formatted.text === undefined).toBe(syntaxErrors);
        if (formatted.text !== undefined) expect(format(formatted.text, "/specs/m.gan").text).toBe(formatted.text);
      }),
      { numRuns: 1500, seed: 20250102 },
    );
  }, 120_000);

  it("a very long expression: evaluated and printed without running out of stack", async () => {
    const sum = Array.from({ length: 50_000 }, () => "1").join(" + ");
    const text = MINIMAL_WITH_LATENT(sum);
    const result = await compile(text, { file: "/specs/m.gan", host: testHost() });
    expect(result.plan?.latent.size).toBe(50_000);
    expect(format(text, "/specs/m.gan").text).toContain(`latent ${sum}\n`);
  });

  it("pathological inputs", async () => {
    const host = testHost();
    const inputs = [
      "",
      " ",
      "\n\n",
      "gan",
      "gan {",
      "}",
      "{{{{",
      "((((((((",
      "[".repeat(2000),
      "gan t {".repeat(300),
      '"',
      "/*",
      "\u0000\uffff",
      "gan t { latent 1e999 }",
      `gan t { latent ${"(".repeat(5000)}1${")".repeat(5000)} }`,
      `gan t { latent ${"-".repeat(5000)}1 }`,
      `gan t { use "x" { a: ${"[".repeat(500)}${"]".repeat(500)} } }`,
    ];
    for (const text of inputs) {
      const result = await compile(text, { file: "/specs/m.gan", host });
      checkDiagnostics(result.diagnostics, text);
      expect(result.plan).toBeUndefined();
      expect(result.diagnostics.length).toBeGreaterThan(0);
    }
  });
});
