/**
 * The grammar of the `.gan` language, as a chevrotain CstParser with error recovery.
 *
 * Layout matters in one place only: the words after a layer (`relu`, `kernel 4`, ...) must
 * be on the layer's line, so that
 *
 *     dense 128
 *     relu
 *
 * reads as two layers. GATEs compare token lines to decide this (and a statement ends with
 * its line); whitespace is otherwise skipped by the lexer.
 *
 * Recovery: chevrotain's own (single-token insertion and deletion, re-synchronisation
 * inside repetitions and between rules) handles most mistakes, with three adjustments:
 * - "unknown ..." productions catch what a user most often gets wrong, an unknown word at
 *   the start of a statement or a layer, and skip the rest of that line (and any block it
 *   opens) so that the lines after it parse normally; an unknown train setting is kept with
 *   its value. Leftover words at the end of a statement or layer line are skipped the same
 *   way and recorded as junk.
 * - lists and objects skip what they cannot read up to their closing bracket (`strays`);
 * - re-synchronisation ignores the catch-all word categories and abandons a parenthesis
 *   whole (see `findReSyncTokenType`).
 *
 * Error messages are not written here: the message provider records what went wrong as
 * structured data (see `ParseProblem`), and parse.ts turns it into a sentence with the
 * context it has (the tokens around it, the known words for a did-you-mean).
 */
import { WRITTEN_LAYER_KINDS, type LayerSyntax } from "@gan/plan";
import type { CstNode, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { CstParser, EOF, tokenMatcher } from "./chevrotain.js";
import * as t from "./tokens.js";

/** Train settings whose name is a plain word, not a keyword, with the word after it: a setting on the same line stops before them. */
const WORD_LED_SETTINGS = [
  ["eval", "every"],
  ["stop", "when"],
] as const;

/** What went wrong at one point of the parse, as recorded by the message provider. */
export type ParseProblem =
  | { kind: "mismatch"; expected: string; ruleName: string }
  | { kind: "noViableAlt"; expected: string[]; ruleName: string }
  | { kind: "earlyExit"; expected: string[]; ruleName: string }
  | { kind: "notAllInput"; ruleName: string };

/** Something that is neither a separator nor the closer inside a list or an object, skipped to the closer. */
export interface Stray {
  token: IToken;
  inside: "list" | "object";
}

/** Words left over at the end of a statement or layer line, skipped by the parser. */
export interface Junk {
  /** The first skipped token. */
  token: IToken;
  /** The head of the statement or layer the junk follows (`dense`, `loss`, ...). */
  head: IToken;
  /** The last token that belonged to that statement or layer. */
  previous: IToken;
}

const problemMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ kind: "mismatch", expected: expected.name, ruleName } satisfies ParseProblem),
  buildNotAllInputParsedMessage: ({ ruleName }) => JSON.stringify({ kind: "notAllInput", ruleName } satisfies ParseProblem),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    JSON.stringify({ kind: "noViableAlt", expected: firstTokenNames(expectedPathsPerAlt.flat()), ruleName } satisfies ParseProblem),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    JSON.stringify({ kind: "earlyExit", expected: firstTokenNames(expectedIterationPaths), ruleName } satisfies ParseProblem),
};

function firstTokenNames(paths: TokenType[][]): string[] {
  const names = new Set<string>();
  for (const path of paths) if (path[0] !== undefined) names.add(path[0].name);
  return [...names];
}

const isEof = (token: IToken) => tokenMatcher(token, EOF);

/** What follows a layer's keyword: a number (`dense 128`), a list (`reshape [7, 7, 128]`), or nothing (`flatten`). */
type ArgumentForm = "number" | "list" | "none";
function argumentForm(syntax: LayerSyntax): ArgumentForm {
  if (syntax.argument === undefined) return "none";
  return syntax.argument.value.kind === "shape" ? "list" : "number";
}

export class GanParser extends CstParser {
  /** Junk found by the last parse. */
  junk: Junk[] = [];
  /** Strays found by the last parse. */
  strays: Stray[] = [];

  constructor() {
    super(t.ALL_TOKENS as TokenType[], {
      recoveryEnabled: true,
      nodeLocationTracking: "full",
      errorMessageProvider: problemMessages,
      maxLookahead: 3,
    });
    this.performSelfAnalysis();
  }

  // -------------------------------------------------------------------------
  // Error recovery, adjusted to this grammar. These override chevrotain methods that its
  // typings do not declare (they are part of its recovery trait).
  // -------------------------------------------------------------------------

  /** chevrotain's follow set of every rule on the stack. */
  declare protected flattenFollowSet: () => TokenType[];

  /**
   * The catch-all word categories of the "unknown ..." productions would match almost any
   * word, so chevrotain would take nearly any name as the start of a new statement or layer
   * when it looks for where to resume or which token to insert. They are left out of the
   * follow sets recovery uses: `{ modes: 8 radius: 2 }` then reads as a missing comma
   * inside the object rather than the end of the statement before a statement `radius`.
   */
  private recoveryFollows(types: readonly TokenType[]): TokenType[] {
    return types.filter((type) => type !== t.LooseWord && type !== t.StrayWord);
  }

  protected canRecoverWithSingleTokenInsertion(expected: TokenType, follows: TokenType[]): boolean {
    const base = Object.getPrototypeOf(GanParser.prototype) as {
      canRecoverWithSingleTokenInsertion(this: GanParser, expected: TokenType, follows: TokenType[]): boolean;
    };
    return base.canRecoverWithSingleTokenInsertion.call(this, expected, this.recoveryFollows(follows));
  }

  /**
   * How many tokens ahead the parenthesis that encloses the error closes, when the error is
   * inside one (a schedule's arguments, a parenthesised expression). Recovery abandons what
   * is inside whole rather than resume at a comma there that only makes sense outside it
   * (`{ lr: linear(1e-3, until 50), beta1: 0.5 }`). Undefined when the error is not inside a
   * parenthesis or the parenthesis never closes. (Lists and objects recover by themselves:
   * see `skipToCloser`.)
   */
  private enclosingParenEnd(): number | undefined {
    let depth = 0;
    for (let j = 0; ; j--) {
      const tok = this.LA(j);
      if (isEof(tok) || tok.tokenType === t.LCurly || tok.tokenType === t.LBracket) return undefined;
      if (tok.tokenType === t.RParen) depth++;
      else if (tok.tokenType === t.LParen) {
        if (depth === 0) break;
        depth--;
      }
    }
    depth = 0;
    for (let k = 1; ; k++) {
      const tok = this.LA(k);
      if (isEof(tok) || tok.tokenType === t.RCurly || tok.tokenType === t.RBracket) return undefined;
      if (tok.tokenType === t.LParen) depth++;
      else if (tok.tokenType === t.RParen) {
        if (depth === 0) return k;
        depth--;
      }
    }
  }

  /** Where chevrotain resumes after an error: the first token after the enclosing parenthesis that may follow a rule on the stack. */
  protected findReSyncTokenType(): TokenType {
    const candidates = this.recoveryFollows(this.flattenFollowSet());
    for (let k = (this.enclosingParenEnd() ?? 0) + 1; ; k++) {
      const next = this.LA(k);
      const match = candidates.find((type) => tokenMatcher(next, type));
      if (match !== undefined) return match;
      // EOF is always in the follow set of the top rule, so this ends.
      if (isEof(next)) return EOF;
    }
  }

  /** Skips to the token found by findReSyncTokenType (past the enclosing parenthesis first). */
  protected reSyncTo(tokenType: TokenType): IToken[] {
    const skipped: IToken[] = [];
    const groupEnd = this.enclosingParenEnd();
    if (groupEnd !== undefined) for (let k = 0; k < groupEnd; k++) skipped.push(this.SKIP_TOKEN());
    while (!tokenMatcher(this.LA(1), tokenType) && !isEof(this.LA(1))) skipped.push(this.SKIP_TOKEN());
    return skipped;
  }

  /** Parses a whole spec; errors are in `this.errors`, junk in `this.junk`. */
  parseSpec(tokens: IToken[]): CstNode {
    this.input = tokens;
    this.junk = [];
    this.strays = [];
    return this.spec();
  }

  // -------------------------------------------------------------------------
  // Layout helpers (never called while chevrotain records the grammar: GATEs and
  // ACTIONs run only during a real parse).
  // -------------------------------------------------------------------------

  /**
   * True when the next token continues the train setting being read: on its line, and not the
   * name of the next setting (`train { steps 100 eval every 10 stop when ... }` on one line).
   */
  private nextIsWordOfSetting(): boolean {
    if (!this.nextOnSameLine()) return false;
    const [next, after] = [this.LA(1), this.LA(2)];
    // `eval every` and `stop when` start settings; `eval` alone is a word (`for 5 eval`).
    const startsSetting = tokenMatcher(next, t.Identifier) && WORD_LED_SETTINGS.some(([name, second]) => next.image === name && (tokenMatcher(after, t.Every) ? second === "every" : after.image === second));
    return !startsSetting;
  }

  /** True when the next token is on the line where the previous one ends. */
  private nextOnSameLine(): boolean {
    const next = this.LA(1);
    const previous = this.LA(0);
    if (isEof(next) || isEof(previous)) return false;
    return next.startLine === previous.endLine;
  }

  /**
   * Skips the rest of the line `line`, and every line of a block opened on it, stopping
   * before a `}` that closes an enclosing block. Returns the skipped tokens.
   */
  private skipLine(line: number): IToken[] {
    const skipped: IToken[] = [];
    let depth = 0;
    for (;;) {
      const next = this.LA(1);
      if (isEof(next)) break;
      if (depth === 0 && next.startLine !== line) break;
      if (tokenMatcher(next, t.LCurly)) depth++;
      if (tokenMatcher(next, t.RCurly)) {
        if (depth === 0) break;
        depth--;
      }
      skipped.push(this.SKIP_TOKEN());
    }
    return skipped;
  }

  /**
   * Inside a list or an object, before its closer: skips (and records) anything else, up to
   * the closer that matches, so `{ modes: 8 radius: 2 }` costs one error and the statement
   * after it still parses. A statement keyword at the start of a line means the closer is
   * missing: that is left to chevrotain, which inserts it.
   */
  private skipToCloser(closer: TokenType, inside: Stray["inside"]): void {
    const first = this.LA(1);
    if (isEof(first) || tokenMatcher(first, closer) || this.startsStatementLine(1)) return;
    const openers = [t.LCurly, t.LBracket, t.LParen];
    const closers = [t.RCurly, t.RBracket, t.RParen];
    let depth = 0;
    let k = 1;
    for (; ; k++) {
      const tok = this.LA(k);
      if (isEof(tok) || (k > 1 && this.startsStatementLine(k))) return;
      if (openers.includes(tok.tokenType)) depth++;
      else if (closers.includes(tok.tokenType)) {
        if (depth === 0) {
          if (tok.tokenType !== closer) return;
          break;
        }
        depth--;
      }
    }
    this.strays.push({ token: first, inside });
    for (let i = 1; i < k; i++) this.SKIP_TOKEN();
  }

  /** True when LA(k) is a statement keyword that starts its line (a new statement, not a word inside a value). */
  private startsStatementLine(k: number): boolean {
    const tok = this.LA(k);
    const before = this.LA(k - 1);
    const startsLine = isEof(before) || before.endLine !== tok.startLine;
    return startsLine && t.STATEMENT_KEYWORD_TOKENS.some((type) => tokenMatcher(tok, type));
  }

  /** Records and skips whatever is left on the current line after a statement or layer. */
  private skipJunk(head: IToken): void {
    if (!this.nextOnSameLine() || tokenMatcher(this.LA(1), t.RCurly)) return;
    const previous = this.LA(0);
    this.junk.push({ token: this.LA(1), head, previous });
    this.skipLine(previous.endLine ?? previous.startLine ?? 0);
  }

  // -------------------------------------------------------------------------
  // The spec and its statements.
  // -------------------------------------------------------------------------

  spec = this.RULE("spec", () => {
    this.CONSUME(t.Gan);
    this.OR([{ ALT: () => this.CONSUME(t.Name, { LABEL: "name" }) }, { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: "name" }) }]);
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(t.RCurly);
  });

  // Alternatives and gated repetitions are built once and kept: chevrotain calls a rule's
  // body for every match, and building them there allocates on every token of a big spec.
  private readonly statementAlternatives = [
    { ALT: () => this.SUBRULE(this.dataStatement) },
    { ALT: () => this.SUBRULE(this.latentStatement) },
    { ALT: () => this.SUBRULE(this.conditionStatement) },
    { ALT: () => this.SUBRULE(this.networkStatement) },
    { ALT: () => this.SUBRULE(this.lossStatement) },
    { ALT: () => this.SUBRULE(this.optimizerStatement) },
    { ALT: () => this.SUBRULE(this.trainStatement) },
    { ALT: () => this.SUBRULE(this.useStatement) },
    { ALT: () => this.SUBRULE(this.unknownStatement) },
  ];
  statement = this.RULE("statement", () => {
    this.OR(this.statementAlternatives);
  });

  /** `data KIND ["PATH"] [{ options }]` */
  dataStatement = this.RULE("dataStatement", () => {
    const head = this.CONSUME(t.Data);
    this.CONSUME(t.Identifier, { LABEL: "kind" });
    this.OPTION(() => this.CONSUME(t.StringLiteral, { LABEL: "path" }));
    this.OPTION2(() => this.SUBRULE(this.object));
    this.ACTION(() => this.skipJunk(head));
  });

  /** `latent SIZE [normal | uniform]` */
  latentStatement = this.RULE("latentStatement", () => {
    const head = this.CONSUME(t.Latent);
    this.SUBRULE(this.expression);
    this.OPTION({ GATE: () => this.nextOnSameLine(), DEF: () => this.CONSUME(t.Identifier, { LABEL: "distribution" }) });
    this.ACTION(() => this.skipJunk(head));
  });

  /** `condition classes [{ options }]` */
  conditionStatement = this.RULE("conditionStatement", () => {
    const head = this.CONSUME(t.Condition);
    this.OPTION({ GATE: () => this.nextOnSameLine(), DEF: () => this.CONSUME(t.Identifier, { LABEL: "on" }) });
    this.OPTION2(() => this.SUBRULE(this.object));
    this.ACTION(() => this.skipJunk(head));
  });

  /** `generator { layers }` or `discriminator { layers }` */
  networkStatement = this.RULE("networkStatement", () => {
    const head = this.OR([{ ALT: () => this.CONSUME(t.Generator) }, { ALT: () => this.CONSUME(t.Discriminator) }]);
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.layer));
    this.CONSUME(t.RCurly);
    this.ACTION(() => this.skipJunk(head));
  });

  /** `loss KIND` */
  lossStatement = this.RULE("lossStatement", () => {
    const head = this.CONSUME(t.Loss);
    this.CONSUME(t.Identifier, { LABEL: "kind" });
    this.ACTION(() => this.skipJunk(head));
  });

  /** `optimizer [generator | discriminator] KIND [{ options }]` */
  optimizerStatement = this.RULE("optimizerStatement", () => {
    const head = this.CONSUME(t.Optimizer);
    this.OPTION(() =>
      this.OR([
        { ALT: () => this.CONSUME(t.Generator, { LABEL: "network" }) },
        { ALT: () => this.CONSUME(t.Discriminator, { LABEL: "network" }) },
      ]),
    );
    this.CONSUME(t.Identifier, { LABEL: "kind" });
    this.OPTION2(() => this.SUBRULE(this.object));
    this.ACTION(() => this.skipJunk(head));
  });

  /** `train { settings }` */
  trainStatement = this.RULE("trainStatement", () => {
    const head = this.CONSUME(t.Train);
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.trainSetting));
    this.CONSUME(t.RCurly);
    this.ACTION(() => this.skipJunk(head));
  });

  trainSetting = this.RULE("trainSetting", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Steps, { LABEL: "setting" }) },
            { ALT: () => this.CONSUME(t.Batch, { LABEL: "setting" }) },
            { ALT: () => this.CONSUME(t.Seed, { LABEL: "setting" }) },
            { ALT: () => this.CONSUME(t.Keep, { LABEL: "setting" }) },
          ]);
          this.OR5([
            { ALT: () => this.SUBRULE(this.expression) },
            // `keep best fid`: words, on the setting's line.
            { ALT: () => this.AT_LEAST_ONE({ GATE: () => this.nextIsWordOfSetting(), DEF: () => this.CONSUME4(t.Identifier, { LABEL: "word" }) }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.OR3([
            { ALT: () => this.CONSUME(t.Sample, { LABEL: "setting" }) },
            { ALT: () => this.CONSUME(t.Checkpoint, { LABEL: "setting" }) },
            { ALT: () => this.CONSUME(t.Log, { LABEL: "setting" }) },
          ]);
          this.CONSUME(t.Every);
          this.SUBRULE2(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Backend, { LABEL: "setting" });
          this.CONSUME(t.Identifier, { LABEL: "word" });
        },
      },
      // An unknown setting (`stesp 20000`): kept, so the compiler can suggest the setting meant.
      {
        ALT: () => {
          this.CONSUME2(t.Identifier, { LABEL: "setting" });
          this.OPTION({ GATE: () => this.nextOnSameLine(), DEF: () => this.CONSUME2(t.Every) });
          // Words and values on the setting's line (`stop when fid stalls for 5 evals`), then options
          // (`eval every 500 { metrics: ["fid"] }`): the compiler says which settings take what.
          this.MANY({
            GATE: () => this.nextIsWordOfSetting() && !tokenMatcher(this.LA(1), t.LCurly),
            DEF: () =>
              this.OR4([
                { ALT: () => this.SUBRULE3(this.expression) },
                { ALT: () => this.CONSUME3(t.Identifier, { LABEL: "word" }) },
                { ALT: () => this.CONSUME(t.StringLiteral) },
              ]),
          });
          this.OPTION2({ GATE: () => this.nextOnSameLine(), DEF: () => this.SUBRULE(this.object) });
        },
      },
    ]);
  });

  /** `use "PACKAGE" [{ options }] [from N] [until M]` */
  useStatement = this.RULE("useStatement", () => {
    const head = this.CONSUME(t.Use);
    this.CONSUME(t.StringLiteral, { LABEL: "package" });
    this.OPTION(() => this.SUBRULE(this.object));
    this.OPTION2(() => {
      this.CONSUME(t.From);
      this.SUBRULE(this.expression, { LABEL: "from" });
    });
    this.OPTION3(() => {
      this.CONSUME(t.Until);
      this.SUBRULE2(this.expression, { LABEL: "until" });
    });
    this.ACTION(() => this.skipJunk(head));
  });

  /** A word that starts no statement: reported by the visitor, its line skipped. */
  unknownStatement = this.RULE("unknownStatement", () => {
    const word = this.CONSUME(t.LooseWord, { LABEL: "word" });
    this.ACTION(() => this.skipLine(word.startLine ?? 0));
  });

  // -------------------------------------------------------------------------
  // Layers.
  // -------------------------------------------------------------------------

  private readonly layerAlternatives = [
    { ALT: () => this.SUBRULE(this.sizedLayer) },
    { ALT: () => this.SUBRULE(this.listLayer) },
    { ALT: () => this.SUBRULE(this.plainLayer) },
    { ALT: () => this.SUBRULE(this.activationLayer) },
    { ALT: () => this.SUBRULE(this.residualLayer) },
    { ALT: () => this.SUBRULE(this.mergeLayer) },
    { ALT: () => this.SUBRULE(this.branch) },
    { ALT: () => this.SUBRULE(this.unknownLayer) },
  ];
  layer = this.RULE("layer", () => {
    this.OR(this.layerAlternatives);
  });

  /**
   * The keywords of the layer kinds whose argument is of `form`, as alternatives (each kind
   * says its form in its definition in @gan/plan). Every form has at least one kind today;
   * chevrotain refuses an empty alternation, so a form without kinds would need its rule removed.
   */
  private layerHeads(form: ArgumentForm) {
    return WRITTEN_LAYER_KINDS.filter((kind) => argumentForm(kind.syntax) === form).map((kind) => ({
      ALT: () => this.CONSUME(t.keywordToken(kind.syntax.word), { LABEL: "kind" }),
    }));
  }

  /** `dense 128`, `conv 64`, `maxpool 2`, `dropout 0.3`, ...: a layer and a number, then the words after it. */
  private readonly sizedLayerHeads = this.layerHeads("number");
  private readonly sizedLayerArgument = { GATE: () => this.nextOnSameLine(), DEF: () => this.SUBRULE(this.expression, { LABEL: "argument" }) };
  sizedLayer = this.RULE("sizedLayer", () => {
    const head = this.OR(this.sizedLayerHeads);
    this.OPTION(this.sizedLayerArgument);
    this.SUBRULE(this.layerTail);
    this.ACTION(() => this.skipJunk(head));
  });

  /** `reshape [7, 7, 128]`: a layer and a list. */
  private readonly listLayerHeads = this.layerHeads("list");
  private readonly listArgument = { GATE: () => this.nextOnSameLine(), DEF: () => this.SUBRULE(this.list, { LABEL: "argument" }) };
  listLayer = this.RULE("listLayer", () => {
    const head = this.OR(this.listLayerHeads);
    this.OPTION(this.listArgument);
    this.SUBRULE(this.layerTail);
    this.ACTION(() => this.skipJunk(head));
  });

  /** `flatten`, `batchnorm [momentum M] [epsilon E]`: a layer without an argument. */
  private readonly plainLayerHeads = this.layerHeads("none");
  plainLayer = this.RULE("plainLayer", () => {
    const head = this.OR(this.plainLayerHeads);
    this.SUBRULE(this.layerTail);
    this.ACTION(() => this.skipJunk(head));
  });

  /** `{ layers }`: one layer per line, as in a network. */
  layerBlock = this.RULE("layerBlock", () => {
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.layer));
    this.CONSUME(t.RCurly);
  });

  /** `residual { layers }`, then `shortcut { layers }` on the line of its closing brace, as `} else {` in C. */
  private readonly residualShortcut = {
    GATE: () => this.nextOnSameLine(),
    DEF: () => {
      this.CONSUME(t.Shortcut);
      this.SUBRULE2(this.layerBlock, { LABEL: "shortcut" });
    },
  };
  residualLayer = this.RULE("residualLayer", () => {
    const head = this.CONSUME(t.Residual, { LABEL: "kind" });
    this.SUBRULE(this.layerBlock, { LABEL: "body" });
    this.OPTION(this.residualShortcut);
    this.ACTION(() => this.skipJunk(head));
  });

  /** `add { branch { layers } branch { layers } }`, `concat { ... }`: its lines are branches (the lowering checks). */
  private readonly mergeHeads = [{ ALT: () => this.CONSUME(t.Add, { LABEL: "kind" }) }, { ALT: () => this.CONSUME(t.Concat, { LABEL: "kind" }) }];
  mergeLayer = this.RULE("mergeLayer", () => {
    const head = this.OR(this.mergeHeads);
    this.SUBRULE(this.layerBlock, { LABEL: "body" });
    this.ACTION(() => this.skipJunk(head));
  });

  branch = this.RULE("branch", () => {
    const head = this.CONSUME(t.Branch);
    this.SUBRULE(this.layerBlock, { LABEL: "body" });
    this.ACTION(() => this.skipJunk(head));
  });

  /** An activation on its own line: `relu`, `leakyrelu 0.2`, ... */
  activationLayer = this.RULE("activationLayer", () => {
    const first = this.LA(1);
    this.SUBRULE(this.activation);
    this.SUBRULE(this.layerTail);
    this.ACTION(() => this.skipJunk(first));
  });

  /** The words after a layer, on its line: options and an activation. */
  private readonly tailItems = { GATE: () => this.nextOnSameLine(), DEF: () => this.SUBRULE(this.tailItem) };
  layerTail = this.RULE("layerTail", () => {
    this.MANY(this.tailItems);
  });

  private readonly tailItemAlternatives = [{ ALT: () => this.SUBRULE(this.layerOption) }, { ALT: () => this.SUBRULE(this.activation) }];
  tailItem = this.RULE("tailItem", () => {
    this.OR(this.tailItemAlternatives);
  });

  /** `kernel 4`, `stride 2`, `padding same`, `momentum 0.9`, `epsilon 1e-3`: every option word of every layer kind. */
  private readonly layerOptionNames = t.LAYER_OPTION_KEYWORD_TOKENS.map((token) => ({ ALT: () => this.CONSUME(token, { LABEL: "option" }) }));
  private readonly layerOptionValues = [
    { ALT: () => this.SUBRULE(this.expression, { LABEL: "value" }) },
    { ALT: () => this.CONSUME(t.Identifier, { LABEL: "word" }) },
  ];
  private readonly layerOptionValue = { GATE: () => this.nextOnSameLine(), DEF: () => this.OR2(this.layerOptionValues) };
  layerOption = this.RULE("layerOption", () => {
    this.OR(this.layerOptionNames);
    this.OPTION(this.layerOptionValue);
  });

  /** `relu`, `leakyrelu [ALPHA]`, `tanh`, `sigmoid`, `linear` */
  private readonly leakyreluSlope = { GATE: () => this.nextOnSameLine(), DEF: () => this.SUBRULE(this.expression, { LABEL: "alpha" }) };
  private readonly activationAlternatives = [
    { ALT: () => this.CONSUME(t.Relu, { LABEL: "kind" }) },
    {
      ALT: () => {
        this.CONSUME(t.Leakyrelu, { LABEL: "kind" });
        this.OPTION(this.leakyreluSlope);
      },
    },
    { ALT: () => this.CONSUME(t.Tanh, { LABEL: "kind" }) },
    { ALT: () => this.CONSUME(t.Sigmoid, { LABEL: "kind" }) },
    { ALT: () => this.CONSUME(t.Linear, { LABEL: "kind" }) },
  ];
  activation = this.RULE("activation", () => {
    this.OR(this.activationAlternatives);
  });

  /** A word that starts no layer: reported by the visitor, its line skipped. */
  unknownLayer = this.RULE("unknownLayer", () => {
    const word = this.CONSUME(t.StrayWord, { LABEL: "word" });
    this.ACTION(() => this.skipLine(word.startLine ?? 0));
  });

  // -------------------------------------------------------------------------
  // Values.
  // -------------------------------------------------------------------------

  private readonly valueAlternatives = [
    { ALT: () => this.SUBRULE(this.schedule) },
    { ALT: () => this.SUBRULE(this.expression) },
    { ALT: () => this.CONSUME(t.StringLiteral) },
    { ALT: () => this.CONSUME(t.True) },
    { ALT: () => this.CONSUME(t.False) },
    { ALT: () => this.SUBRULE(this.list) },
    { ALT: () => this.SUBRULE(this.object) },
  ];
  value = this.RULE("value", () => {
    this.OR(this.valueAlternatives);
  });

  /** `[a, b, c]`, a trailing comma allowed. */
  list = this.RULE("list", () => {
    this.CONSUME(t.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY({
        GATE: () => !tokenMatcher(this.LA(2), t.RBracket),
        DEF: () => {
          this.CONSUME(t.Comma);
          this.SUBRULE2(this.value);
        },
      });
      this.OPTION2(() => this.CONSUME2(t.Comma, { LABEL: "trailingComma" }));
    });
    this.ACTION(() => this.skipToCloser(t.RBracket, "list"));
    this.CONSUME(t.RBracket);
  });

  /** `{ key: value, ... }`, a trailing comma allowed. */
  object = this.RULE("object", () => {
    this.CONSUME(t.LCurly);
    this.OPTION(() => {
      this.SUBRULE(this.objectEntry);
      this.MANY({
        GATE: () => !tokenMatcher(this.LA(2), t.RCurly),
        DEF: () => {
          this.CONSUME(t.Comma);
          this.SUBRULE2(this.objectEntry);
        },
      });
      this.OPTION2(() => this.CONSUME2(t.Comma, { LABEL: "trailingComma" }));
    });
    this.ACTION(() => this.skipToCloser(t.RCurly, "object"));
    this.CONSUME(t.RCurly);
  });

  objectEntry = this.RULE("objectEntry", () => {
    this.OR([{ ALT: () => this.CONSUME(t.Name, { LABEL: "key" }) }, { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: "key" }) }]);
    this.CONSUME(t.Colon);
    this.SUBRULE(this.value);
  });

  schedule = this.RULE("schedule", () => {
    this.OR([{ ALT: () => this.SUBRULE(this.rampSchedule) }, { ALT: () => this.SUBRULE(this.stepSchedule) }]);
  });

  /** `linear(a -> b[, from M][ until N])`, `cosine(...)`: without `until`, the ramp ends with the run. */
  rampSchedule = this.RULE("rampSchedule", () => {
    this.OR([{ ALT: () => this.CONSUME(t.Linear, { LABEL: "kind" }) }, { ALT: () => this.CONSUME(t.Cosine, { LABEL: "kind" }) }]);
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression, { LABEL: "from" });
    this.CONSUME(t.Arrow);
    this.SUBRULE2(this.expression, { LABEL: "to" });
    this.OPTION(() => {
      this.CONSUME(t.Comma);
      this.OPTION2(() => {
        this.CONSUME(t.From);
        this.SUBRULE3(this.expression, { LABEL: "start" });
        this.OPTION3(() => this.CONSUME2(t.Comma));
      });
      this.OPTION4(() => {
        this.CONSUME(t.Until);
        this.SUBRULE4(this.expression, { LABEL: "end" });
      });
    });
    this.CONSUME(t.RParen);
  });

  /** `step(a, b at N, c at M)`: a until step N, then b until step M, then c. */
  stepSchedule = this.RULE("stepSchedule", () => {
    this.CONSUME(t.Step, { LABEL: "kind" });
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression, { LABEL: "initial" });
    this.MANY({
      GATE: () => !tokenMatcher(this.LA(2), t.RParen),
      DEF: () => {
        this.CONSUME(t.Comma);
        this.SUBRULE(this.stepChange);
      },
    });
    this.OPTION(() => this.CONSUME2(t.Comma, { LABEL: "trailingComma" }));
    this.CONSUME(t.RParen);
  });

  stepChange = this.RULE("stepChange", () => {
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.CONSUME(t.At);
    this.SUBRULE2(this.expression, { LABEL: "at" });
  });

  /** Arithmetic: `+ - * /`, unary minus, parentheses. */
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.multiplicative, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(t.AdditiveOperator, { LABEL: "operators" });
      this.SUBRULE2(this.multiplicative, { LABEL: "operands" });
    });
  });

  multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(t.MultiplicativeOperator, { LABEL: "operators" });
      this.SUBRULE2(this.unary, { LABEL: "operands" });
    });
  });

  private readonly unaryAlternatives = [
    {
      ALT: () => {
        this.CONSUME(t.AdditiveOperator, { LABEL: "sign" });
        this.SUBRULE(this.unary, { LABEL: "operand" });
      },
    },
    { ALT: () => this.CONSUME(t.NumberLiteral) },
    {
      ALT: () => {
        this.CONSUME(t.LParen);
        this.SUBRULE(this.expression);
        this.CONSUME(t.RParen);
      },
    },
  ];
  unary = this.RULE("unary", () => {
    this.OR(this.unaryAlternatives);
  });
}

/** One parser for the process: building one runs the grammar analysis, which takes milliseconds. */
let shared: GanParser | undefined;
export function ganParser(): GanParser {
  shared ??= new GanParser();
  return shared;
}
