/**
 * CST -> AST. Chevrotain's concrete syntax tree keeps every token, grouped by name; the
 * AST built here has one typed node per construct, in source order, with its span.
 *
 * After error recovery a CST node may lack children the grammar requires, so every access
 * here tolerates absence, and tokens inserted by recovery (which have no position) count
 * as absent. The "unknown ..." productions of the parser are reported here, where the
 * word they start with is at hand for a did-you-mean.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as ast from "./ast.js";
import { ACTIVATION_KEYWORDS, BLOCK_KEYWORDS, LAYER_KEYWORDS, LAYER_OPTION_KEYWORDS } from "./ast.js";
import type { DiagnosticSink } from "./diagnostics.js";
import { ganParser } from "./parser.js";
import { closest, LAYER_ALIASES, listWords } from "./suggest.js";
import { StringLiteral } from "./tokens.js";

export const STATEMENT_KEYWORDS = ["data", "latent", "condition", "generator", "discriminator", "loss", "optimizer", "train", "use"] as const;
export const TRAIN_SETTINGS = ["steps", "batch", "seed", "sample", "checkpoint", "keep", "log", "backend", "eval", "stop"] as const;

type Children = Record<string, CstElement[] | undefined>;

function isToken(element: CstElement | undefined): element is IToken {
  return element !== undefined && "image" in element;
}

function isRealToken(token: IToken): boolean {
  return token.isInsertedInRecovery !== true && Number.isFinite(token.startOffset) && Number.isFinite(token.startLine);
}

function token(children: Children, key: string, index = 0): IToken | undefined {
  const element = children[key]?.[index];
  return isToken(element) && isRealToken(element) ? element : undefined;
}

function tokens(children: Children, key: string): IToken[] {
  return (children[key] ?? []).filter((element): element is IToken => isToken(element) && isRealToken(element));
}

function node(children: Children, key: string, index = 0): CstNode | undefined {
  const element = children[key]?.[index];
  return element !== undefined && !isToken(element) ? element : undefined;
}

function nodes(children: Children, key: string): CstNode[] {
  return (children[key] ?? []).filter((element): element is CstNode => !isToken(element));
}

export function tokenSpan(tok: IToken): ast.Span {
  return {
    line: tok.startLine ?? 1,
    column: tok.startColumn ?? 1,
    endLine: tok.endLine ?? tok.startLine ?? 1,
    endColumn: tok.endColumn ?? tok.startColumn ?? 1,
    startOffset: tok.startOffset,
    endOffset: tok.endOffset ?? tok.startOffset,
  };
}

export function joinSpans(first: ast.Span, last: ast.Span): ast.Span {
  return {
    line: first.line,
    column: first.column,
    endLine: last.endLine,
    endColumn: last.endColumn,
    startOffset: first.startOffset,
    endOffset: last.endOffset,
  };
}

function nodeSpan(cst: CstNode): ast.Span | undefined {
  const location = cst.location;
  if (location === undefined || !Number.isFinite(location.startOffset) || !Number.isFinite(location.startLine)) return undefined;
  if (!Number.isFinite(location.endOffset) || !Number.isFinite(location.endLine)) return undefined;
  return {
    line: location.startLine!,
    column: location.startColumn!,
    endLine: location.endLine!,
    endColumn: location.endColumn!,
    startOffset: location.startOffset,
    endOffset: location.endOffset!,
  };
}

/** The spans of a node's opening and closing brace (or bracket), where they are real tokens. */
function braces(children: Children, openKey = "LCurly", closeKey = "RCurly"): { open?: ast.Span; close?: ast.Span } {
  const open = token(children, openKey);
  const close = token(children, closeKey);
  return { ...(open && { open: tokenSpan(open) }), ...(close && { close: tokenSpan(close) }) };
}

function word(tok: IToken): ast.Word {
  return { text: tok.image, span: tokenSpan(tok) };
}

/** The value of a string token; an unterminated or malformed string is reported by the parser. */
export function decodeString(image: string): string {
  const terminated = image.length >= 2 && image.endsWith('"') && !/(^|[^\\])(\\\\)*\\"$/.test(image);
  const source = terminated ? image : `${image}"`;
  try {
    return JSON.parse(source) as string;
  } catch {
    return source.slice(1, -1);
  }
}

export function parseNumber(text: string): number {
  return Number(text.replace(/_/g, ""));
}

const BaseVisitor = ganParser().getBaseCstVisitorConstructor();

/** What a misplaced keyword is for, when it is not where it belongs. */
function misplacedKeywordHint(text: string): string | undefined {
  if ((LAYER_KEYWORDS as readonly string[]).includes(text) || (ACTIVATION_KEYWORDS as readonly string[]).includes(text)) {
    return `'${text}' is a layer: layers go inside generator { ... } or discriminator { ... }`;
  }
  if ((BLOCK_KEYWORDS as readonly string[]).includes(text)) {
    return `'${text}' is a block of layers: it goes inside generator { ... } or discriminator { ... }`;
  }
  if (text === "shortcut") return "'shortcut' follows a residual block on the line of its closing brace: residual { ... } shortcut { ... }";
  if (text === "branch") return "'branch' goes inside add { ... } or concat { ... }: add { branch { ... } branch { ... } }";
  if ((TRAIN_SETTINGS as readonly string[]).includes(text) || text === "every") {
    return `'${text}' is a train setting: write it inside train { ... }`;
  }
  if ((LAYER_OPTION_KEYWORDS as readonly string[]).includes(text)) {
    return `'${text}' goes after the layer it configures, on the same line (conv 64 ${text} ...)`;
  }
  if (text === "gan") return "'gan' starts a spec, and a file holds one spec";
  return undefined;
}

class AstBuilder extends BaseVisitor {
  constructor(private readonly sink: DiagnosticSink) {
    super();
    this.validateVisitor();
  }

  /** Visits a node, handing the method the node itself (for its location). */
  private build<T>(cst: CstNode | undefined): T | undefined {
    if (cst === undefined) return undefined;
    return this.visit(cst, cst) as T | undefined;
  }

  private buildAll<T>(csts: CstNode[]): T[] {
    const out: T[] = [];
    for (const cst of csts) {
      const built = this.build<T>(cst);
      if (built !== undefined) out.push(built);
    }
    return out;
  }

  spec(children: Children, cst: CstNode): ast.SpecNode | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const nameToken = token(children, "name");
    const name =
      nameToken === undefined
        ? undefined
        : nameToken.tokenType === StringLiteral
          ? this.stringValue(nameToken)
          : word(nameToken);
    return { kind: "spec", ...(name && { name }), statements: this.buildAll(nodes(children, "statement")), ...braces(children), span };
  }

  statement(children: Children): ast.Statement | undefined {
    for (const key of Object.keys(children)) {
      const child = node(children, key);
      if (child !== undefined) return this.build<ast.Statement>(child);
    }
    return undefined;
  }

  dataStatement(children: Children, cst: CstNode): ast.DataStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const source = token(children, "kind");
    const path = token(children, "path");
    const options = this.build<ast.ObjectValue>(node(children, "object"));
    return {
      kind: "data",
      ...(source && { source: word(source) }),
      ...(path && { path: this.stringValue(path) }),
      ...(options && { options }),
      span,
    };
  }

  latentStatement(children: Children, cst: CstNode): ast.LatentStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const size = this.build<ast.Expression>(node(children, "expression"));
    const distribution = token(children, "distribution");
    return { kind: "latent", ...(size && { size }), ...(distribution && { distribution: word(distribution) }), span };
  }

  conditionStatement(children: Children, cst: CstNode): ast.ConditionStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const on = token(children, "on");
    const options = this.build<ast.ObjectValue>(node(children, "object"));
    return { kind: "condition", ...(on && { on: word(on) }), ...(options && { options }), span };
  }

  networkStatement(children: Children, cst: CstNode): ast.NetworkStatement | undefined {
    const span = nodeSpan(cst);
    const head = token(children, "Generator") ?? token(children, "Discriminator");
    if (span === undefined || head === undefined) return undefined;
    return {
      kind: "network",
      network: head.image as "generator" | "discriminator",
      keyword: word(head),
      layers: this.buildAll(nodes(children, "layer")),
      ...braces(children),
      span,
    };
  }

  lossStatement(children: Children, cst: CstNode): ast.LossStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const loss = token(children, "kind");
    return { kind: "loss", ...(loss && { loss: word(loss) }), span };
  }

  optimizerStatement(children: Children, cst: CstNode): ast.OptimizerStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const network = token(children, "network");
    const optimizer = token(children, "kind");
    const options = this.build<ast.ObjectValue>(node(children, "object"));
    return {
      kind: "optimizer",
      ...(network && { network: word(network) as ast.Word & { text: "generator" | "discriminator" } }),
      ...(optimizer && { optimizer: word(optimizer) }),
      ...(options && { options }),
      span,
    };
  }

  trainStatement(children: Children, cst: CstNode): ast.TrainStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    return { kind: "train", settings: this.buildAll(nodes(children, "trainSetting")), ...braces(children), span };
  }

  trainSetting(children: Children, cst: CstNode): ast.TrainSetting | undefined {
    const span = nodeSpan(cst);
    const name = token(children, "setting");
    if (span === undefined || name === undefined) return undefined;
    const every = token(children, "Every");
    // Expressions, words and strings in the order written (the CST groups them by kind).
    const values = [
      ...nodes(children, "expression").map((cst) => ({ at: cst.location?.startOffset ?? 0, value: this.build<ast.Expression>(cst) })),
      ...tokens(children, "word").map((tok) => ({ at: tok.startOffset, value: word(tok) })),
      ...tokens(children, "StringLiteral").map((tok) => ({ at: tok.startOffset, value: this.stringValue(tok) })),
    ]
      .sort((a, b) => a.at - b.at)
      .flatMap(({ value }) => (value === undefined ? [] : [value]));
    const [value, ...more] = values;
    const options = this.build<ast.ObjectValue>(node(children, "object"));
    return { name: word(name), ...(every && { every: word(every) }), ...(value && { value }), ...(more.length > 0 && { more }), ...(options && { options }), span };
  }

  useStatement(children: Children, cst: CstNode): ast.UseStatement | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const pkg = token(children, "package");
    const options = this.build<ast.ObjectValue>(node(children, "object"));
    const from = this.build<ast.Expression>(node(children, "from"));
    const until = this.build<ast.Expression>(node(children, "until"));
    return {
      kind: "use",
      ...(pkg && { package: this.stringValue(pkg) }),
      ...(options && { options }),
      ...(from && { from }),
      ...(until && { until }),
      span,
    };
  }

  unknownStatement(children: Children): undefined {
    const tok = token(children, "word");
    if (tok === undefined) return undefined;
    const hint = misplacedKeywordHint(tok.image);
    if (hint !== undefined) {
      this.sink.error(tokenSpan(tok), hint);
      return undefined;
    }
    const suggestion = closest(tok.image, STATEMENT_KEYWORDS);
    const layer = suggestion === undefined ? closest(tok.image, [...LAYER_KEYWORDS, ...ACTIVATION_KEYWORDS], LAYER_ALIASES) : undefined;
    this.sink.error(
      tokenSpan(tok),
      suggestion !== undefined
        ? `unknown statement '${tok.image}', did you mean '${suggestion}'?`
        : layer !== undefined
          ? `unknown statement '${tok.image}': did you mean the layer '${layer}'? Layers go inside generator { ... } or discriminator { ... }`
          : `unknown statement '${tok.image}': a spec holds ${listWords(STATEMENT_KEYWORDS.map((k) => `'${k}'`), "and")} statements`,
    );
    return undefined;
  }

  layer(children: Children): ast.LayerNode | undefined {
    for (const key of Object.keys(children)) {
      const child = node(children, key);
      if (child !== undefined) return this.build<ast.LayerNode>(child);
    }
    return undefined;
  }

  private keywordLayer(children: Children, cst: CstNode): ast.KeywordLayerNode | undefined {
    const span = nodeSpan(cst);
    const kind = token(children, "kind");
    if (span === undefined || kind === undefined) return undefined;
    const argumentNode = node(children, "argument");
    const argument = this.build<ast.Expression | ast.ListValue>(argumentNode);
    return {
      kind: "layer",
      keyword: word(kind) as ast.Word & { text: ast.LayerKeyword },
      ...(argument && { argument }),
      tail: this.build<ast.TailItem[]>(node(children, "layerTail")) ?? [],
      span,
    };
  }

  sizedLayer(children: Children, cst: CstNode): ast.KeywordLayerNode | undefined {
    return this.keywordLayer(children, cst);
  }

  listLayer(children: Children, cst: CstNode): ast.KeywordLayerNode | undefined {
    return this.keywordLayer(children, cst);
  }

  plainLayer(children: Children, cst: CstNode): ast.KeywordLayerNode | undefined {
    return this.keywordLayer(children, cst);
  }

  layerBlock(children: Children, cst: CstNode): ast.LayerBlockNode | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    return { layers: this.buildAll(nodes(children, "layer")), ...braces(children), span };
  }

  residualLayer(children: Children, cst: CstNode): ast.ResidualLayerNode | undefined {
    const span = nodeSpan(cst);
    const keyword = token(children, "kind");
    if (span === undefined || keyword === undefined) return undefined;
    const body = this.build<ast.LayerBlockNode>(node(children, "body"));
    const shortcutKeyword = token(children, "Shortcut");
    const shortcut = this.build<ast.LayerBlockNode>(node(children, "shortcut"));
    return {
      kind: "residual",
      keyword: word(keyword),
      ...(body && { body }),
      ...(shortcutKeyword && { shortcutKeyword: word(shortcutKeyword) }),
      ...(shortcut && { shortcut }),
      span,
    };
  }

  mergeLayer(children: Children, cst: CstNode): ast.MergeLayerNode | undefined {
    const span = nodeSpan(cst);
    const keyword = token(children, "kind");
    if (span === undefined || keyword === undefined) return undefined;
    const body = this.build<ast.LayerBlockNode>(node(children, "body"));
    return { kind: "merge", keyword: word(keyword) as ast.MergeLayerNode["keyword"], ...(body && { body }), span };
  }

  branch(children: Children, cst: CstNode): ast.BranchNode | undefined {
    const span = nodeSpan(cst);
    const keyword = token(children, "Branch");
    if (span === undefined || keyword === undefined) return undefined;
    const body = this.build<ast.LayerBlockNode>(node(children, "body"));
    return { kind: "branch", keyword: word(keyword), ...(body && { body }), span };
  }

  activationLayer(children: Children, cst: CstNode): ast.ActivationLayerNode | undefined {
    const span = nodeSpan(cst);
    const activation = this.build<ast.ActivationNode>(node(children, "activation"));
    if (span === undefined || activation === undefined) return undefined;
    return { kind: "activationLayer", activation, tail: this.build<ast.TailItem[]>(node(children, "layerTail")) ?? [], span };
  }

  layerTail(children: Children): ast.TailItem[] {
    return this.buildAll(nodes(children, "tailItem"));
  }

  tailItem(children: Children): ast.TailItem | undefined {
    return this.build<ast.TailItem>(node(children, "layerOption") ?? node(children, "activation"));
  }

  layerOption(children: Children, cst: CstNode): ast.LayerOptionNode | undefined {
    const span = nodeSpan(cst);
    const option = token(children, "option");
    if (span === undefined || option === undefined) return undefined;
    const expression = this.build<ast.Expression>(node(children, "value"));
    const wordToken = token(children, "word");
    const value = expression ?? (wordToken && word(wordToken));
    return { kind: "option", name: word(option) as ast.LayerOptionNode["name"], ...(value && { value }), span };
  }

  activation(children: Children, cst: CstNode): ast.ActivationNode | undefined {
    const span = nodeSpan(cst);
    const kind = token(children, "kind");
    if (span === undefined || kind === undefined) return undefined;
    const alpha = this.build<ast.Expression>(node(children, "alpha"));
    return { kind: "activation", name: word(kind) as ast.ActivationNode["name"], ...(alpha && { alpha }), span };
  }

  unknownLayer(children: Children): undefined {
    const tok = token(children, "word");
    if (tok === undefined) return undefined;
    const hint = misplacedKeywordHint(tok.image);
    if (hint !== undefined && !(LAYER_OPTION_KEYWORDS as readonly string[]).includes(tok.image)) {
      this.sink.error(tokenSpan(tok), hint);
      return undefined;
    }
    if (hint !== undefined) {
      this.sink.error(tokenSpan(tok), `'${tok.image}' is not a layer: it goes after the layer it configures, on the same line (conv 64 ${tok.image} ...)`);
      return undefined;
    }
    const known = [...LAYER_KEYWORDS, ...ACTIVATION_KEYWORDS, ...BLOCK_KEYWORDS];
    const suggestion = closest(tok.image, known, LAYER_ALIASES);
    this.sink.error(
      tokenSpan(tok),
      suggestion !== undefined
        ? `unknown layer '${tok.image}', did you mean '${suggestion}'?`
        : `unknown layer '${tok.image}': the layers are ${listWords(known)}`,
    );
    return undefined;
  }

  value(children: Children): ast.Value | undefined {
    const stringToken = token(children, "StringLiteral");
    if (stringToken !== undefined) return this.stringValue(stringToken);
    const trueToken = token(children, "True") ?? token(children, "False");
    if (trueToken !== undefined) return { kind: "boolean", value: trueToken.image === "true", span: tokenSpan(trueToken) };
    const child = node(children, "schedule") ?? node(children, "expression") ?? node(children, "list") ?? node(children, "object");
    return this.build<ast.Value>(child);
  }

  list(children: Children, cst: CstNode): ast.ListValue | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    return { kind: "list", items: this.buildAll(nodes(children, "value")), ...braces(children, "LBracket", "RBracket"), span };
  }

  object(children: Children, cst: CstNode): ast.ObjectValue | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    return { kind: "object", entries: this.buildAll(nodes(children, "objectEntry")), ...braces(children), span };
  }

  objectEntry(children: Children, cst: CstNode): ast.ObjectEntry | undefined {
    const span = nodeSpan(cst);
    const keyToken = token(children, "key");
    if (span === undefined || keyToken === undefined) return undefined;
    const key = keyToken.tokenType === StringLiteral ? { text: decodeString(keyToken.image), span: tokenSpan(keyToken) } : word(keyToken);
    const value = this.build<ast.Value>(node(children, "value"));
    return { key, ...(value && { value }), span };
  }

  schedule(children: Children): ast.ScheduleValue | undefined {
    return this.build<ast.ScheduleValue>(node(children, "rampSchedule") ?? node(children, "stepSchedule"));
  }

  rampSchedule(children: Children, cst: CstNode): ast.RampSchedule | undefined {
    const span = nodeSpan(cst);
    const kind = token(children, "kind");
    if (span === undefined || kind === undefined) return undefined;
    const from = this.build<ast.Expression>(node(children, "from"));
    const to = this.build<ast.Expression>(node(children, "to"));
    const start = this.build<ast.Expression>(node(children, "start"));
    const end = this.build<ast.Expression>(node(children, "end"));
    return {
      kind: "ramp",
      curve: kind.image as "linear" | "cosine",
      ...(from && { from }),
      ...(to && { to }),
      ...(start && { start }),
      ...(end && { end }),
      span,
    };
  }

  stepSchedule(children: Children, cst: CstNode): ast.StepSchedule | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const initial = this.build<ast.Expression>(node(children, "initial"));
    return { kind: "step", ...(initial && { initial }), changes: this.buildAll(nodes(children, "stepChange")), span };
  }

  stepChange(children: Children, cst: CstNode): ast.StepChange | undefined {
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const value = this.build<ast.Expression>(node(children, "value"));
    const at = this.build<ast.Expression>(node(children, "at"));
    return { ...(value && { value }), ...(at && { at }), span };
  }

  expression(children: Children): ast.Expression | undefined {
    return this.foldBinary(children);
  }

  multiplicative(children: Children): ast.Expression | undefined {
    return this.foldBinary(children);
  }

  /** Operators of one precedence level, folded to the left: `a - b - c` is `(a - b) - c`. */
  private foldBinary(children: Children): ast.Expression | undefined {
    const operands = nodes(children, "operands");
    const operators = tokens(children, "operators");
    let result = this.build<ast.Expression>(operands[0]);
    if (result === undefined) return undefined;
    for (let i = 0; i < operators.length; i++) {
      const operator = operators[i]!;
      const right = this.build<ast.Expression>(operands[i + 1]);
      const span = joinSpans(result.span, right?.span ?? tokenSpan(operator));
      result = { kind: "binary", operator: operator.image as ast.BinaryExpression["operator"], left: result, ...(right && { right }), span };
    }
    return result;
  }

  unary(children: Children, cst: CstNode): ast.Expression | undefined {
    const number = token(children, "NumberLiteral");
    if (number !== undefined) return { kind: "number", text: number.image, value: parseNumber(number.image), span: tokenSpan(number) };
    const span = nodeSpan(cst);
    if (span === undefined) return undefined;
    const sign = token(children, "sign");
    if (sign !== undefined) {
      const operand = this.build<ast.Expression>(node(children, "operand"));
      return { kind: "unary", operator: sign.image as "-" | "+", ...(operand && { operand }), span };
    }
    const inner = this.build<ast.Expression>(node(children, "expression"));
    return { kind: "paren", ...(inner && { expression: inner }), span };
  }

  private stringValue(tok: IToken): ast.StringValue {
    return { kind: "string", value: decodeString(tok.image), span: tokenSpan(tok) };
  }
}

/** Builds the AST of a parsed spec, reporting unknown statements and layers into `sink`. */
export function buildAst(cst: CstNode, sink: DiagnosticSink): ast.SpecNode | undefined {
  return new AstBuilder(sink).visit(cst, cst) as ast.SpecNode | undefined;
}
