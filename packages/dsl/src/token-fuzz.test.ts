/**
 * Token-level fuzzing: random streams of the lexer's own tokens (every token type exported by
 * tokens.ts, keywords included), 10,000 of them. Whatever the stream, `compile` answers with a
 * plan or with diagnostics that name a place in the file: never an exception, never an
 * internal error, never a hang. Character-level mutation of real specs is property.test.ts;
 * this one reaches the corners where valid tokens meet in orders no spec has.
 */
import fc from "fast-check";
import type { TokenType } from "chevrotain";
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { ALL_TOKENS, keywordOf } from "./tokens.js";
import { testHost } from "./test-host.js";

/** Texts for the tokens that are not keywords, several each so values and names vary. */
const SAMPLES: Record<string, readonly string[]> = {
  WhiteSpace: [" ", "\n", "\t"],
  LineComment: ["// note\n"],
  BlockComment: ["/* note */", "/* unterminated"],
  StringLiteral: ['"@gan/fixture"', '"@gan/first"', '"ring"', '"x"', '"unterminated'],
  NumberLiteral: ["0", "1", "2", "8", "128", "0.5", "2e-4", "20_000", "1e999"],
  Arrow: ["->"],
  Identifier: ["ring", "grid", "mnist", "normal", "uniform", "adam", "sgd", "lr", "beta1", "nonsaturating", "hinge", "cpu", "same", "valid", "side", "xyz"],
  Plus: ["+"],
  Minus: ["-"],
  Star: ["*"],
  Slash: ["/"],
  LCurly: ["{"],
  RCurly: ["}"],
  LBracket: ["["],
  RBracket: ["]"],
  LParen: ["("],
  RParen: [")"],
  Comma: [","],
  Colon: [":"],
};

/** Categories (Lexer.NA patterns) match no text of their own. */
function isCategory(tokenType: TokenType): boolean {
  return tokenType.PATTERN === "NOT_APPLICABLE" || String(tokenType.PATTERN) === "/NOT_APPLICABLE/";
}

function samplesOf(tokenType: TokenType): readonly string[] {
  const word = keywordOf(tokenType);
  if (word !== undefined) return [word];
  return SAMPLES[tokenType.name] ?? [];
}

const VOCABULARY: readonly string[] = ALL_TOKENS.filter((t) => !isCategory(t)).flatMap(samplesOf);

const tokenText = fc.constantFrom(...VOCABULARY);
// Half the streams sit inside `gan t { ... }`, so that the parser gets past the header and
// into statements, layers and values, where most of the grammar is.
const stream = fc
  .tuple(fc.boolean(), fc.array(tokenText, { maxLength: 60 }), fc.constantFrom(" ", "\n"))
  .map(([wrapped, tokens, separator]) => (wrapped ? `gan t {\n${tokens.join(separator)}\n}\n` : tokens.join(separator)));

// Far above what any case takes (milliseconds); only a hang or a blow-up crosses it.
const CASE_LIMIT_MS = 5_000;

describe("token-level fuzzing", () => {
  it("every token type the lexer defines has sample texts here", () => {
    const missing = ALL_TOKENS.filter((t) => !isCategory(t) && samplesOf(t).length === 0).map((t) => t.name);
    expect(missing).toEqual([]);
  });

  it("10,000 random token streams: a plan or diagnostics, never an exception or a hang", async () => {
    const host = testHost();
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(stream, async (text) => {
        const started = performance.now();
        const result = await compile(text, { file: "/specs/f.gan", host });
        const elapsed = performance.now() - started;
        slowest = Math.max(slowest, elapsed);
        expect(elapsed).toBeLessThan(CASE_LIMIT_MS);
        const lines = text.split(/\r\n|\r|\n/).length;
        for (const d of result.diagnostics) {
          expect(d.message).not.toMatch(/internal error/);
          expect(d.message.length).toBeGreaterThan(0);
          expect(d.line >= 1 && d.line <= lines && d.column >= 1).toBe(true);
        }
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        if (result.plan === undefined) expect(errors.length).toBeGreaterThan(0);
        else expect(errors).toEqual([]);
      }),
      { numRuns: 10_000, seed: 20261129 },
    );
    expect(slowest).toBeLessThan(CASE_LIMIT_MS);
  }, 120_000);
});
