/**
 * The typed syntax tree of a `.gan` file, with source locations on every node.
 *
 * It keeps what the formatter needs to print the file back (numbers as written, the order
 * of the words after a layer, parentheses) and what the compiler needs to point at a
 * mistake. After a syntax error the parser recovers and the tree may be partial: the
 * fields marked optional here are the ones a recovered node can lack.
 */
import { WRITTEN_LAYER_KINDS } from "@gan/plan";

/** A range of source text. Lines and columns are 1-based; `endColumn` is the column of the last character. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** 0-based offsets of the first and the last character. */
  startOffset: number;
  endOffset: number;
}

/** A word as written (a keyword, a name, a kind). */
export interface Word {
  text: string;
  span: Span;
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

export interface NumberLiteral {
  kind: "number";
  /** As written, e.g. `2e-4` or `20_000`: the formatter prints it back unchanged. */
  text: string;
  value: number;
  span: Span;
}
export interface UnaryExpression {
  kind: "unary";
  operator: "-" | "+";
  operand?: Expression;
  span: Span;
}
export interface BinaryExpression {
  kind: "binary";
  operator: "+" | "-" | "*" | "/";
  left: Expression;
  right?: Expression;
  span: Span;
}
export interface ParenExpression {
  kind: "paren";
  expression?: Expression;
  span: Span;
}
export type Expression = NumberLiteral | UnaryExpression | BinaryExpression | ParenExpression;

export interface StringValue {
  kind: "string";
  value: string;
  span: Span;
}
export interface BooleanValue {
  kind: "boolean";
  value: boolean;
  span: Span;
}
export interface ListValue {
  kind: "list";
  items: Value[];
  /** The brackets (absent after a syntax error). */
  open?: Span;
  close?: Span;
  span: Span;
}
export interface ObjectEntry {
  key: Word;
  value?: Value;
  span: Span;
}
export interface ObjectValue {
  kind: "object";
  entries: ObjectEntry[];
  /** The braces (absent after a syntax error). */
  open?: Span;
  close?: Span;
  span: Span;
}
/** `linear(from -> to, from start until end)` or `cosine(...)`; `start` and `end` may be left out. */
export interface RampSchedule {
  kind: "ramp";
  curve: "linear" | "cosine";
  from?: Expression;
  to?: Expression;
  start?: Expression;
  end?: Expression;
  span: Span;
}
export interface StepChange {
  value?: Expression;
  at?: Expression;
  span: Span;
}
/** `step(initial, value at step, ...)` */
export interface StepSchedule {
  kind: "step";
  initial?: Expression;
  changes: StepChange[];
  span: Span;
}
export type ScheduleValue = RampSchedule | StepSchedule;
export type Value = Expression | StringValue | BooleanValue | ListValue | ObjectValue | ScheduleValue;

// ---------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------

/** The keywords of the layer kinds (@gan/plan's layer-kinds), in the order messages list them. */
export const LAYER_KEYWORDS: readonly string[] = WRITTEN_LAYER_KINDS.map((kind) => kind.syntax.word);
export type LayerKeyword = string;
export const ACTIVATION_KEYWORDS = ["relu", "leakyrelu", "tanh", "sigmoid", "linear"] as const;
export type ActivationKeyword = (typeof ACTIVATION_KEYWORDS)[number];
/** The keywords of blocks of layers: `residual { ... }`, `add { branch { ... } ... }`, `concat { ... }`. */
export const BLOCK_KEYWORDS = ["residual", "add", "concat"] as const;
/** The options each layer takes after it, by keyword (an activation word may follow any layer). */
export const LAYER_OPTIONS: Readonly<Record<LayerKeyword, readonly string[]>> = Object.fromEntries(
  WRITTEN_LAYER_KINDS.map((kind) => [kind.syntax.word, Object.keys(kind.syntax.options ?? {})]),
);
/**
 * The option of layer `head` that takes `word` as its value (`mode` for `bilinear` after
 * `upsample`), for "write 'mode bilinear'" when the value is written without its option.
 */
export function optionTakingWord(head: string, word: string): string | undefined {
  const kind = WRITTEN_LAYER_KINDS.find((candidate) => candidate.syntax.word === head);
  const options = Object.entries(kind?.syntax.options ?? {});
  return options.find(([, option]) => option.value.kind === "word" && option.value.choices.includes(word))?.[0];
}

/** Every word that may follow a layer as an option, in the order of the kinds that take them. */
export const LAYER_OPTION_KEYWORDS: readonly string[] = [...new Set(Object.values(LAYER_OPTIONS).flat())];
export type LayerOptionKeyword = string;

/** `relu`, `leakyrelu 0.2`, ... (as a layer or after one). */
export interface ActivationNode {
  kind: "activation";
  name: Word & { text: ActivationKeyword };
  alpha?: Expression;
  span: Span;
}
/** `kernel 4`, `padding same`, ...: the value is a number or a word. */
export interface LayerOptionNode {
  kind: "option";
  name: Word & { text: LayerOptionKeyword };
  value?: Expression | Word;
  span: Span;
}
export type TailItem = ActivationNode | LayerOptionNode;

/** A layer with a keyword of its own (`dense 128 relu`, `reshape [7, 7, 128]`, `flatten`). */
export interface KeywordLayerNode {
  kind: "layer";
  keyword: Word & { text: LayerKeyword };
  /** The size, rate or shape after the keyword. */
  argument?: Expression | ListValue;
  /** The words after it on its line, in the order written. */
  tail: TailItem[];
  span: Span;
}
/** An activation on its own line (`relu`, `leakyrelu 0.2`), with what follows it on the line. */
export interface ActivationLayerNode {
  kind: "activationLayer";
  activation: ActivationNode;
  tail: TailItem[];
  span: Span;
}
/** `{ layers }`: the body of a residual block, its shortcut, or a branch. */
export interface LayerBlockNode {
  layers: LayerNode[];
  open?: Span;
  close?: Span;
  span: Span;
}
/** `residual { layers }`, optionally followed by `shortcut { layers }` on the line of its `}`. */
export interface ResidualLayerNode {
  kind: "residual";
  keyword: Word;
  body?: LayerBlockNode;
  shortcutKeyword?: Word;
  shortcut?: LayerBlockNode;
  span: Span;
}
/** `branch { layers }`, which belongs inside `add { ... }` or `concat { ... }` (the lowering checks). */
export interface BranchNode {
  kind: "branch";
  keyword: Word;
  body?: LayerBlockNode;
  span: Span;
}
/** `add { branch { ... } branch { ... } }` or `concat { ... }`: its body's lines should be branches. */
export interface MergeLayerNode {
  kind: "merge";
  keyword: Word & { text: "add" | "concat" };
  body?: LayerBlockNode;
  span: Span;
}
export type LayerNode = KeywordLayerNode | ActivationLayerNode | ResidualLayerNode | MergeLayerNode | BranchNode;

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

export interface DataStatement {
  kind: "data";
  source?: Word;
  path?: StringValue;
  options?: ObjectValue;
  span: Span;
}
export interface LatentStatement {
  kind: "latent";
  size?: Expression;
  distribution?: Word;
  span: Span;
}
/** `condition classes { embedding: 16 }` */
export interface ConditionStatement {
  kind: "condition";
  /** What the networks are conditioned on: `classes`. */
  on?: Word;
  options?: ObjectValue;
  span: Span;
}
export interface NetworkStatement {
  kind: "network";
  network: "generator" | "discriminator";
  keyword: Word;
  layers: LayerNode[];
  open?: Span;
  close?: Span;
  span: Span;
}
export interface LossStatement {
  kind: "loss";
  loss?: Word;
  span: Span;
}
export interface OptimizerStatement {
  kind: "optimizer";
  /** Absent: the optimizer of both networks. */
  network?: Word & { text: "generator" | "discriminator" };
  optimizer?: Word;
  options?: ObjectValue;
  span: Span;
}
export interface TrainSetting {
  /** `steps`, `batch`, `seed`, `sample`, `checkpoint`, `log`, `backend`, or an unknown word. */
  name: Word;
  /** The `every` of `sample every 1000`, when written. */
  every?: Word;
  value?: Expression | Word | StringValue;
  /** What follows the first value on the line, in order (`fid stalls for 5 evals` after `stop when`). */
  more?: (Expression | Word | StringValue)[];
  /** `{ ... }` after the values (`eval every 500 { metrics: ["fid"] }`). */
  options?: ObjectValue;
  span: Span;
}
export interface TrainStatement {
  kind: "train";
  settings: TrainSetting[];
  open?: Span;
  close?: Span;
  span: Span;
}
export interface UseStatement {
  kind: "use";
  package?: StringValue;
  options?: ObjectValue;
  from?: Expression;
  until?: Expression;
  span: Span;
}
export type Statement =
  | DataStatement
  | LatentStatement
  | ConditionStatement
  | NetworkStatement
  | LossStatement
  | OptimizerStatement
  | TrainStatement
  | UseStatement;

/** A whole file: `gan NAME { statements }`. */
export interface SpecNode {
  kind: "spec";
  name?: Word | StringValue;
  statements: Statement[];
  open?: Span;
  close?: Span;
  span: Span;
}
