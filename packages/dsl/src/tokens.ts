/**
 * The tokens of the `.gan` language.
 *
 * Keywords are reserved only where the grammar needs them to decide what comes next
 * (statement and layer heads, the words after a layer, train settings, schedule heads).
 * Every keyword also belongs to the `Name` category, so `{ momentum: 0.9 }` or `gan train`
 * still read as plain names. Kinds that are looked up in a table (data sources, losses,
 * optimizers, paddings, backends) are ordinary identifiers: the compiler checks them and
 * can then suggest the nearest known one.
 */
import { WRITTEN_LAYER_KINDS } from "@gan/plan";
import type { CustomPatternMatcherFunc, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/** Any word: an identifier or a keyword. */
export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "a name" });
/** A word that cannot start a statement: what an unknown statement starts with. */
export const LooseWord = createToken({ name: "LooseWord", pattern: Lexer.NA, label: "a name" });
/** A word that can start neither a statement nor a layer: what an unknown layer starts with. */
export const StrayWord = createToken({ name: "StrayWord", pattern: Lexer.NA, label: "a name" });

// A hyphen may join words (`least-squares`, `mnist-dcgan`): the language has no variables,
// so `a-b` can never mean a subtraction.
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*/,
  categories: [Name, LooseWord, StrayWord],
  label: "a name",
});

const keywordTokens: TokenType[] = [];

/**
 * What a keyword may start: a statement, a layer (layer kinds and activations), or neither.
 * This decides which "unknown ..." production can take it, so that the grammar stays LL(1).
 */
type KeywordRole = "statement" | "layer" | "other";

const keywordsByWord = new Map<string, TokenType>();

function keyword(word: string, role: KeywordRole = "other"): TokenType {
  if (keywordsByWord.has(word)) throw new Error(`'${word}' is a keyword twice: a layer kind or option may not reuse a word of the language`);
  const categories = role === "statement" ? [Name] : role === "layer" ? [Name, LooseWord] : [Name, LooseWord, StrayWord];
  const token = createToken({
    name: word.charAt(0).toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories,
    label: `'${word}'`,
  });
  keywordTokens.push(token);
  keywordsByWord.set(word, token);
  return token;
}

// Statements.
export const Gan = keyword("gan");
export const Data = keyword("data", "statement");
export const Latent = keyword("latent", "statement");
export const Condition = keyword("condition", "statement");
export const Generator = keyword("generator", "statement");
export const Discriminator = keyword("discriminator", "statement");
export const Loss = keyword("loss", "statement");
export const Optimizer = keyword("optimizer", "statement");
export const Train = keyword("train", "statement");
export const Use = keyword("use", "statement");

// Activations (as layers, or as words after a layer). `linear` also starts a schedule.
export const Relu = keyword("relu", "layer");
export const Leakyrelu = keyword("leakyrelu", "layer");
export const Tanh = keyword("tanh", "layer");
export const Sigmoid = keyword("sigmoid", "layer");
export const Linear = keyword("linear", "layer");

// Blocks of layers (residual { ... } shortcut { ... }, add { branch { ... } branch { ... } }).
export const Residual = keyword("residual", "layer");
export const Add = keyword("add", "layer");
export const Concat = keyword("concat", "layer");
export const Shortcut = keyword("shortcut");
// A branch is a layer to the grammar, so that a layer written straight inside add { ... } (or
// a branch outside one) parses and gets a message from the lowering.
export const Branch = keyword("branch", "layer");

// Layers and the words after them: one keyword per layer kind of @gan/plan (its
// layer-kinds/), and one per option any of them takes, in the order the kinds are listed.
export const LAYER_KEYWORD_TOKENS: readonly TokenType[] = WRITTEN_LAYER_KINDS.map((kind) => keyword(kind.syntax.word, "layer"));
const optionWords = [...new Set(WRITTEN_LAYER_KINDS.flatMap((kind) => Object.keys(kind.syntax.options ?? {})))];
export const LAYER_OPTION_KEYWORD_TOKENS: readonly TokenType[] = optionWords.map((word) => keyword(word));

// Train settings.
export const Steps = keyword("steps");
export const Batch = keyword("batch");
export const Seed = keyword("seed");
export const Sample = keyword("sample");
export const Checkpoint = keyword("checkpoint");
export const Keep = keyword("keep");
export const Log = keyword("log");
export const Every = keyword("every");
export const Backend = keyword("backend");

// Values and schedules.
export const True = keyword("true");
export const False = keyword("false");
export const From = keyword("from");
export const Until = keyword("until");
export const At = keyword("at");
export const Cosine = keyword("cosine");
export const Step = keyword("step");

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\r\n]*/,
  group: "comments",
});

/**
 * `/* ... *\/`. An unterminated comment runs to the end of the file instead of failing to
 * lex (which would turn its text into a cascade of bogus tokens); the parser reports it.
 */
const matchBlockComment: CustomPatternMatcherFunc = (text, offset) => {
  if (!text.startsWith("/*", offset)) return null;
  const close = text.indexOf("*/", offset + 2);
  const end = close === -1 ? text.length : close + 2;
  return [text.slice(offset, end)] as unknown as RegExpExecArray;
};
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: matchBlockComment,
  start_chars_hint: ["/"],
  line_breaks: true,
  group: "comments",
});

/**
 * A JSON string. An unterminated one stops at the end of its line and is reported by the
 * parser, so that the lines after it still parse.
 */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"?/,
  label: "a string",
});

/** `128`, `0.5`, `.5`, `2e-4`, `20_000` (underscores group digits, as in Python). */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d(?:_?\d)*(?:\.\d(?:_?\d)*)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?/,
  label: "a number",
});

export const Arrow = createToken({ name: "Arrow", pattern: /->|→/, label: "'->'" });
export const AdditiveOperator = createToken({ name: "AdditiveOperator", pattern: Lexer.NA });
export const MultiplicativeOperator = createToken({ name: "MultiplicativeOperator", pattern: Lexer.NA });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [AdditiveOperator], label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [AdditiveOperator], label: "'-'" });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [MultiplicativeOperator], label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [MultiplicativeOperator], label: "'/'" });
export const LCurly = createToken({ name: "LCurly", pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/, label: "'}'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });

/**
 * Longer keywords first: a keyword pattern matches the start of a longer keyword
 * (`step` in `steps`), and the lexer takes the first pattern that matches, falling back to
 * `longer_alt` (an identifier) only, never to another keyword.
 */
export const KEYWORD_TOKENS: readonly TokenType[] = [...keywordTokens].sort(
  (a, b) => String(b.PATTERN).length - String(a.PATTERN).length,
);

export const ALL_TOKENS: readonly TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  StringLiteral,
  NumberLiteral,
  Arrow,
  ...KEYWORD_TOKENS,
  Identifier,
  Name,
  LooseWord,
  StrayWord,
  AdditiveOperator,
  MultiplicativeOperator,
  Plus,
  Minus,
  Star,
  Slash,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Colon,
];

/** The keyword spelled by a token type, e.g. "dense" for `Dense` (undefined for non-keywords). */
export function keywordOf(tokenType: TokenType): string | undefined {
  return keywordTokens.includes(tokenType) ? (tokenType.PATTERN as RegExp).source : undefined;
}

export const STATEMENT_KEYWORD_TOKENS: readonly TokenType[] = [Gan, Data, Latent, Condition, Generator, Discriminator, Loss, Optimizer, Train, Use];
export const ACTIVATION_KEYWORD_TOKENS: readonly TokenType[] = [Relu, Leakyrelu, Tanh, Sigmoid, Linear];

/** The keyword token of a layer kind's word or of a layer option's word. */
export function keywordToken(word: string): TokenType {
  const token = keywordsByWord.get(word);
  if (token === undefined) throw new Error(`'${word}' is not a keyword`);
  return token;
}
export const TRAIN_KEYWORD_TOKENS: readonly TokenType[] = [Steps, Batch, Seed, Sample, Checkpoint, Keep, Log, Backend];
