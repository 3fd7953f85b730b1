/**
 * `parse`: text -> AST and syntax diagnostics (lexing errors, parse errors with their
 * recovery, unknown statements and layers, words left over on a line).
 */
import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import { createTokenInstance, EOF, Lexer, tokenMatcher } from "./chevrotain.js";
import type { SpecNode, Span } from "./ast.js";
import { ACTIVATION_KEYWORDS, BLOCK_KEYWORDS, LAYER_KEYWORDS, LAYER_OPTIONS, optionTakingWord, type LayerKeyword } from "./ast.js";
import { DiagnosticSink, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { ganParser, type Junk, type ParseProblem } from "./parser.js";
import { closest, didYouMean, listQuoted, listWords } from "./suggest.js";
import * as t from "./tokens.js";
import { buildAst, STATEMENT_KEYWORDS, TRAIN_SETTINGS, tokenSpan } from "./visitor.js";
import { DATA_KINDS, LOSS_KINDS, OPTIMIZER_KINDS, BACKENDS } from "@gan/plan";

export interface ParseResult {
  /** The syntax tree; after a syntax error, what recovery could build of it. */
  ast?: SpecNode;
  /** Syntax errors, sorted by position. */
  diagnostics: Diagnostic[];
}

/** What the formatter and the compiler need beyond `ParseResult`. */
export interface ParseDetails extends ParseResult {
  /** Comments in source order (the lexer keeps them out of the token stream). */
  comments: IToken[];
  /** Lines that hold a syntax error: semantic checks stay quiet there, to avoid cascades. */
  syntaxErrorLines: Set<number>;
}

let sharedLexer: Lexer | undefined;
function ganLexer(): Lexer {
  sharedLexer ??= new Lexer(t.ALL_TOKENS as TokenType[], { positionTracking: "full", ensureOptimizations: false });
  return sharedLexer;
}

export function parse(text: string, file: string): ParseResult {
  const { ast, diagnostics } = parseDetailed(text, file);
  return ast === undefined ? { diagnostics } : { ast, diagnostics };
}

/** The syntax errors of a spec (no trick is loaded): what an editor can check on every keystroke. */
export function checkSyntax(text: string, file: string): Diagnostic[] {
  return parseDetailed(text, file).diagnostics;
}

/**
 * How deep brackets (and signs, `--1`) may nest. The parser, the compiler and the formatter
 * recurse once per level; no spec needs more than a handful, and a limit far below what the
 * stack allows turns a pathological file into one diagnostic instead of a crash.
 */
export const MAX_NESTING = 100;

/** The first token nested deeper than MAX_NESTING, if any. */
function tooDeep(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let signs = 0;
  for (const tok of tokens) {
    if (tok.tokenType === t.LParen || tok.tokenType === t.LBracket || tok.tokenType === t.LCurly) depth++;
    else if (tok.tokenType === t.RParen || tok.tokenType === t.RBracket || tok.tokenType === t.RCurly) depth = Math.max(0, depth - 1);
    signs = tok.tokenType === t.Plus || tok.tokenType === t.Minus ? signs + 1 : 0;
    if (depth + signs > MAX_NESTING) return tok;
  }
  return undefined;
}

/** What the user sees when recursion runs out of stack all the same (a very long expression). */
export const TOO_DEEP_MESSAGE = "this spec is nested too deeply (or an expression is too long) to be read";

export function parseDetailed(text: string, file: string): ParseDetails {
  try {
    return parseUnguarded(text, file);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { diagnostics: [{ file, line: 1, column: 1, severity: "error", message: TOO_DEEP_MESSAGE }], comments: [], syntaxErrorLines: new Set([1]) };
  }
}

function parseUnguarded(text: string, file: string): ParseDetails {
  const sink = new DiagnosticSink(file);
  const lexed = ganLexer().tokenize(text);
  for (const error of lexed.errors) {
    const skipped = text.slice(error.offset, error.offset + error.length);
    sink.error(
      {
        line: error.line ?? 1,
        column: error.column ?? 1,
        endLine: error.line ?? 1,
        endColumn: (error.column ?? 1) + Math.max(0, error.length - 1),
        startOffset: error.offset,
        endOffset: error.offset + error.length - 1,
      },
      unexpectedCharactersMessage(skipped),
    );
  }
  const comments = (lexed.groups.comments ?? []) as IToken[];
  for (const comment of comments) {
    if (comment.tokenType === t.BlockComment && (comment.image.length < 4 || !comment.image.endsWith("*/"))) {
      sink.error(spanOfFirstChars(comment, 2), "unterminated comment: '/*' is never closed with '*/'");
    }
  }
  for (const tok of lexed.tokens) {
    if (tok.tokenType === t.StringLiteral) checkString(tok, sink);
  }

  const deep = tooDeep(lexed.tokens);
  if (deep !== undefined) {
    sink.error(tokenSpan(deep), `nested more than ${MAX_NESTING} levels deep: a spec needs far fewer`);
    const diagnostics = sortDiagnostics(sink.diagnostics);
    return { diagnostics, comments, syntaxErrorLines: new Set(diagnostics.map((d) => d.line)) };
  }

  const parser = ganParser();
  const cst = parser.parseSpec(withSpecWrapper(lexed.tokens, sink));
  let parseErrors = parser.errors;
  const first = lexed.tokens[0];
  if (parseErrors[0] !== undefined && first !== undefined && parseErrors[0].token === first && first.tokenType !== t.Gan) {
    // A file that does not start with `gan`: recovery inserts it, and what follows on that line
    // only repeats the same mistake.
    parseErrors = [parseErrors[0], ...parseErrors.slice(1).filter((error) => isEof(error.token) || error.token.startLine !== first.startLine)];
  }
  for (const error of parseErrors) reportParseError(error, lexed.tokens, sink);
  for (const junk of parser.junk) sink.error(tokenSpan(junk.token), junkMessage(junk));
  for (const stray of parser.strays) {
    sink.error(
      tokenSpan(stray.token),
      stray.inside === "object" ? `expected ',' or '}' in the object, found ${describe(stray.token)}` : `expected ',' or ']' in the list, found ${describe(stray.token)}`,
    );
  }
  const ast = buildAst(cst, sink);

  const diagnostics = sortDiagnostics(sink.diagnostics);
  const syntaxErrorLines = new Set(diagnostics.map((diagnostic) => diagnostic.line));
  for (const junk of parser.junk) syntaxErrorLines.add(junk.previous.endLine ?? junk.previous.startLine ?? 0);
  return { ...(ast && { ast }), diagnostics, comments, syntaxErrorLines };
}

/**
 * A file of statements without `gan NAME { ... }` around them is parsed as if the wrapper
 * were there (one error for the missing wrapper instead of one per statement).
 */
function withSpecWrapper(tokens: IToken[], sink: DiagnosticSink): IToken[] {
  const first = tokens[0];
  if (first === undefined || first.tokenType === t.Gan || !isStatementKeyword(first)) return tokens;
  sink.error(tokenSpan(first), "a spec starts with 'gan NAME {': wrap the statements in gan NAME { ... }");
  const virtual = (type: TokenType, image: string) => createTokenInstance(type, image, NaN, NaN, NaN, NaN, NaN, NaN);
  const opens = tokens.filter((tok) => tok.tokenType === t.LCurly).length;
  const closes = tokens.filter((tok) => tok.tokenType === t.RCurly).length;
  const wrapped = [virtual(t.Gan, "gan"), virtual(t.Identifier, "spec"), virtual(t.LCurly, "{"), ...tokens];
  if (closes <= opens) wrapped.push(virtual(t.RCurly, "}"));
  return wrapped;
}

// ---------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------

function unexpectedCharactersMessage(skipped: string): string {
  const first = skipped.charAt(0);
  const shown = [...skipped].map((c) => (c >= " " && c !== "\u007f" ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)).join("");
  const what = `unexpected character${[...skipped].length > 1 ? "s" : ""} '${shown}'`;
  switch (first) {
    case "#":
      return `${what}: comments start with // (or are written /* ... */)`;
    case "'":
      return `${what}: strings are written in double quotes ("...")`;
    case ";":
      return `${what}: statements end at the end of the line, no ';' is needed`;
    case "=":
      return `${what}: options are written key: value, and train settings as 'steps 1000'`;
    default:
      return what;
  }
}

function spanOfFirstChars(tok: IToken, count: number): Span {
  const span = tokenSpan(tok);
  return { ...span, endLine: span.line, endColumn: span.column + count - 1, endOffset: span.startOffset + count - 1 };
}

function checkString(tok: IToken, sink: DiagnosticSink): void {
  const image = tok.image;
  const escapedQuoteAtEnd = /(^|[^\\])(\\\\)*\\"$/.test(image);
  if (image.length < 2 || !image.endsWith('"') || escapedQuoteAtEnd) {
    sink.error(spanOfFirstChars(tok, 1), "unterminated string: add the closing '\"' on the same line");
    return;
  }
  try {
    JSON.parse(image);
  } catch {
    const bad = /\\(u(?![0-9a-fA-F]{4})|[^"\\/bfnrtu])/.exec(image);
    sink.error(tokenSpan(tok), bad ? `invalid escape '${bad[0]}' in string: use \\\\ for a backslash` : "invalid string");
  }
}

// ---------------------------------------------------------------------------
// Parse errors
// ---------------------------------------------------------------------------

function isEof(tok: IToken | undefined): boolean {
  return tok === undefined || tokenMatcher(tok, EOF) || !Number.isFinite(tok.startOffset);
}

function describe(tok: IToken | undefined): string {
  if (isEof(tok)) return "the end of the file";
  if (tok!.tokenType === t.StringLiteral) return `the string ${tok!.image}`;
  return `'${tok!.image}'`;
}

function isWord(tok: IToken | undefined): boolean {
  return !isEof(tok) && tokenMatcher(tok!, t.Name);
}

function isStatementKeyword(tok: IToken | undefined): boolean {
  return !isEof(tok) && (t.STATEMENT_KEYWORD_TOKENS as TokenType[]).some((type) => tokenMatcher(tok!, type));
}

function tokenTypeByName(name: string): TokenType | undefined {
  return t.ALL_TOKENS.find((type) => type.name === name);
}

function label(name: string): string {
  const type = tokenTypeByName(name);
  return type?.LABEL ?? name;
}

/** The unmatched `{` before `index` and the words that open its block (`generator`, `gan mnist`). */
function openingBrace(tokens: readonly IToken[], index: number): { brace: IToken; opener: string } | undefined {
  let depth = 0;
  for (let i = Math.min(index, tokens.length) - 1; i >= 0; i--) {
    const tok = tokens[i]!;
    if (tok.tokenType === t.RCurly) depth++;
    else if (tok.tokenType === t.LCurly) {
      if (depth === 0) {
        const words: string[] = [];
        for (let j = i - 1; j >= 0 && tokens[j]!.startLine === tok.startLine && words.length < 3; j--) {
          const before = tokens[j]!;
          if (!tokenMatcher(before, t.Name) && before.tokenType !== t.StringLiteral) break;
          words.unshift(before.image);
        }
        return { brace: tok, opener: words.length > 0 ? `${words.join(" ")} {` : "{" };
      }
      depth--;
    }
  }
  return undefined;
}

function reportParseError(error: IRecognitionException, tokens: readonly IToken[], sink: DiagnosticSink): void {
  let problem: ParseProblem;
  try {
    problem = JSON.parse(error.message) as ParseProblem;
  } catch {
    problem = { kind: "notAllInput", ruleName: "" };
  }
  const found = error.token;
  const previous = (error as IRecognitionException & { previousToken?: IToken }).previousToken;
  const foundIndex = isEof(found) ? tokens.length : tokens.indexOf(found);
  const message = parseErrorMessage(problem, found, previous, tokens, foundIndex);
  let span: Span;
  if (!isEof(found)) span = tokenSpan(found);
  else {
    const last = !isEof(previous) ? previous! : tokens[tokens.length - 1];
    if (last === undefined) span = { line: 1, column: 1, endLine: 1, endColumn: 1, startOffset: 0, endOffset: 0 };
    else {
      const after = tokenSpan(last);
      span = { line: after.endLine, column: after.endColumn + 1, endLine: after.endLine, endColumn: after.endColumn + 1, startOffset: after.endOffset + 1, endOffset: after.endOffset + 1 };
    }
  }
  sink.error(span, message);
}

function parseErrorMessage(
  problem: ParseProblem,
  found: IToken,
  previous: IToken | undefined,
  tokens: readonly IToken[],
  foundIndex: number,
): string {
  const what = describe(found);
  const after = isEof(previous) ? "" : ` after '${previous!.image}'`;
  switch (problem.kind) {
    case "notAllInput":
      return `unexpected ${what} after the end of the spec: a file holds one 'gan NAME { ... }'`;
    case "mismatch":
      return mismatchMessage(problem.expected, problem.ruleName, found, previous, tokens, foundIndex);
    case "noViableAlt":
    case "earlyExit": {
      switch (problem.ruleName) {
        case "value": {
          const hint = isWord(found)
            ? closest(found.image, ["true", "false", "linear", "cosine", "step"]) !== undefined
              ? didYouMean(found.image, ["true", "false", "linear", "cosine", "step"])
              : `; strings are written in quotes: "${found.image}"`
            : "";
          return `expected a value (a number, a string, true or false, a [list], an { object } or a schedule), found ${what}${hint}`;
        }
        case "unary":
        case "expression":
        case "multiplicative":
          return `expected a number${after}, found ${what}`;
        case "spec":
          return `expected the spec's name${after}, found ${what}: gan NAME { ... }`;
        case "objectEntry":
          return `expected an entry 'key: value' in the object, found ${what}`;
        default: {
          const expected = problem.expected.map(label);
          const keywords = problem.expected.map((name) => label(name)).filter((l) => l.startsWith("'")).map((l) => l.slice(1, -1));
          const suggestion = isWord(found) ? didYouMean(found.image, keywords) : "";
          return `expected ${listWords([...new Set(expected)])}${after}, found ${what}${suggestion}`;
        }
      }
    }
  }
}

const TRAIN_SETTING_EXAMPLES =
  "steps N, batch N, seed N, sample every N, checkpoint every N, keep N, log every N, backend NAME, eval every N { ... }, keep best METRIC, stop when METRIC stalls for N evals";

function mismatchMessage(
  expectedName: string,
  ruleName: string,
  found: IToken,
  previous: IToken | undefined,
  tokens: readonly IToken[],
  foundIndex: number,
): string {
  const what = describe(found);
  const after = isEof(previous) ? "" : ` after '${previous!.image}'`;
  switch (expectedName) {
    case "RCurly": {
      if (ruleName === "object") return `expected ',' or '}' in the object, found ${what}`;
      const open = openingBrace(tokens, foundIndex);
      const closeMessage =
        open === undefined
          ? `expected '}', found ${what}`
          : `expected '}' to close '${open.opener}' from line ${open.brace.startLine}, found ${what}`;
      if (isEof(found) || isStatementKeyword(found)) return closeMessage;
      if (ruleName === "networkStatement" || ruleName === "layerBlock") {
        return `unexpected ${what} in the ${open?.opener.replace(/ \{$/, "") ?? "network"} block: each line holds one layer (${listWords([...LAYER_KEYWORDS, ...ACTIVATION_KEYWORDS])})`;
      }
      if (ruleName === "trainStatement") {
        const suggestion = isWord(found) ? didYouMean(found.image, TRAIN_SETTINGS) : "";
        return `unexpected ${what} in train { ... }${suggestion || `: the settings are ${TRAIN_SETTING_EXAMPLES}`}`;
      }
      if (ruleName === "spec") {
        return `unexpected ${what}: a spec holds ${listQuoted(STATEMENT_KEYWORDS, "and")} statements`;
      }
      return closeMessage;
    }
    case "RBracket":
      return `expected ',' or ']' in the list, found ${what}`;
    case "RParen":
      return ruleName === "rampSchedule" || ruleName === "stepSchedule"
        ? `expected ')' to close the schedule, found ${what}`
        : `expected ')' to close '(', found ${what}`;
    case "Colon":
      return `expected ':' after the key${isEof(previous) ? "" : ` '${previous!.image}'`}, found ${what}: options are written { key: value }`;
    case "Arrow":
      return `expected '->' between the first and the last value, found ${what}: linear(0.1 -> 0, until 10000)`;
    case "At":
      return `expected 'at STEP' after a value of step(...), found ${what}: step(0.1, 0.01 at 5000)`;
    case "Every":
      return `expected 'every'${after}, found ${what}: ${previous?.image ?? "sample"} every 1000`;
    case "LCurly":
      return `expected '{'${after}, found ${what}`;
    case "Gan":
      return `a spec starts with 'gan NAME {', found ${what}`;
    case "StringLiteral":
      if (ruleName === "useStatement") {
        return `expected the trick's package name in quotes after 'use', found ${what}: use "@gan/ncritic"`;
      }
      return `expected a string${after}, found ${what}`;
    case "Name":
    case "Identifier": {
      const choices: Record<string, readonly string[]> = {
        dataStatement: DATA_KINDS,
        lossStatement: LOSS_KINDS,
        optimizerStatement: OPTIMIZER_KINDS,
        trainSetting: BACKENDS,
      };
      const known = choices[ruleName];
      if (known !== undefined) return `expected one of ${listWords(known)}${after}, found ${what}`;
      return `expected a name${after}, found ${what}`;
    }
    default: {
      const expected = label(expectedName);
      const keyword = expected.startsWith("'") ? expected.slice(1, -1) : undefined;
      const suggestion = keyword !== undefined && isWord(found) ? didYouMean(found.image, [keyword]) : "";
      return `expected ${expected}${after}, found ${what}${suggestion}`;
    }
  }
}

// ---------------------------------------------------------------------------
// Junk: words left over at the end of a line
// ---------------------------------------------------------------------------

function junkMessage(junk: Junk): string {
  const head = junk.head.image;
  const found = junk.token;
  const what = describe(found);
  const isLayerHead = (LAYER_KEYWORDS as readonly string[]).includes(head) || (ACTIVATION_KEYWORDS as readonly string[]).includes(head);
  if (isLayerHead) {
    const layer = head as LayerKeyword;
    const options = LAYER_OPTIONS[layer] ?? [];
    if (head === "linear" && found.tokenType === t.NumberLiteral) {
      return `'linear' is the identity activation: a fully connected layer (PyTorch's nn.Linear) is 'dense ${found.image}'`;
    }
    if (layer === "reshape" && (found.tokenType === t.NumberLiteral || found.tokenType === t.LBracket)) {
      return `reshape takes its shape in brackets: reshape [7, 7, 128]`;
    }
    if (isWord(found)) {
      if ((LAYER_KEYWORDS as readonly string[]).includes(found.image) || isStatementKeyword(found)) {
        return `'${found.image}' must start a line of its own: one layer per line`;
      }
      const option = optionTakingWord(head, found.image);
      if (option !== undefined) return `'${found.image}' is a value of ${head}'s option '${option}': write '${option} ${found.image}'`;
      if (tokenMatcher(found, t.Name) && found.tokenType !== t.Identifier && !options.includes(found.image as never)) {
        const takes = options.length > 0 ? ` (it takes ${listQuoted(options, "and")})` : "";
        return `'${found.image}' does not go after ${head}${takes}`;
      }
      const suggestion = closest(found.image, [...ACTIVATION_KEYWORDS, ...options]);
      return suggestion !== undefined
        ? `unknown word '${found.image}' after ${head}, did you mean '${suggestion}'?`
        : `unknown word '${found.image}' after ${head}: ${options.length > 0 ? `it takes ${listQuoted(options, "and")} and ` : ""}an activation (${listWords(ACTIVATION_KEYWORDS)})`;
    }
    if (found.tokenType === t.Comma) return `unexpected ',' after ${head}: the words after a layer are separated by spaces`;
    return `unexpected ${what} after ${head}`;
  }
  if ((BLOCK_KEYWORDS as readonly string[]).includes(head) || head === "branch") {
    return `unexpected ${what} after the closing brace of ${head}: the next layer goes on a line of its own`;
  }
  if (isStatementKeyword(found) || (isWord(found) && (LAYER_KEYWORDS as readonly string[]).includes(found.image))) {
    return `'${found.image}' must start a line of its own: one statement per line`;
  }
  if (head === "use" && isWord(found)) {
    const suggestion = closest(found.image, ["from", "until"]);
    if (suggestion !== undefined) return `unexpected ${what} after the use statement, did you mean '${suggestion}'?`;
  }
  return `unexpected ${what} at the end of the ${head} statement`;
}
