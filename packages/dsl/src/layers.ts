/**
 * Layer lines -> plan layers, for every layer kind from its definition in @gan/plan
 * (`syntax`: its argument, its options and where its activation goes).
 *
 * `dense 128 relu` is one layer with an activation; a layer that has no activation of its
 * own in the plan (`batchnorm relu`, `maxpool 2 relu`) is followed by an activation layer,
 * which is what Keras users write as two lines. Defaults (kernel 3, stride 1, padding same,
 * batchnorm momentum 0.99 ...) come from the plan's schemas.
 */
import {
  WRITTEN_LAYER_KINDS,
  type Activation,
  type Layer,
  type LayerKindDefinition,
  type LayerSyntax,
  type SpecArgument,
  type SpecOption,
  type SpecValue,
} from "@gan/plan";
import type { ActivationNode, BranchNode, Expression, KeywordLayerNode, LayerNode, MergeLayerNode, ResidualLayerNode, Span, TailItem, Word } from "./ast.js";
import { didYouMean, listQuoted } from "./suggest.js";
import { evaluate, integerAtLeast, showNumber, type Report } from "./values.js";

const KINDS_BY_WORD = new Map<string, LayerKindDefinition & { syntax: LayerSyntax }>(WRITTEN_LAYER_KINDS.map((kind) => [kind.syntax.word, kind]));

function source(span: Span) {
  return { line: span.line, column: span.column };
}

export function lowerActivation(node: ActivationNode, report: Report): Activation | undefined {
  const kind = node.name.text;
  if (kind !== "leakyrelu") return { kind };
  if (node.alpha === undefined) return { kind: "leakyrelu", alpha: 0.2 };
  const alpha = evaluate(node.alpha, report);
  if (alpha === undefined) return undefined;
  if (alpha < 0) {
    report(node.alpha.span, `the slope of leakyrelu must be >= 0, got ${showNumber(alpha)}`);
    return undefined;
  }
  return { kind: "leakyrelu", alpha };
}

/** A number option after a layer (`kernel 4`, `momentum 0.9`): its expression, or a report. */
function numberValue(option: { name: Word; value?: Expression | Word }, example: string, report: Report): Expression | undefined {
  const value = option.value;
  if (value === undefined) {
    report(option.name.span, `'${option.name.text}' needs a value: ${option.name.text} ${example}`);
    return undefined;
  }
  if ("kind" in value) return value;
  report(value.span, `'${option.name.text}' takes a number, got '${value.text}'`);
  return undefined;
}

/** A word option (`padding same`): one of its choices, or a report. */
function wordValue(option: { name: Word; value?: Expression | Word }, choices: readonly string[], report: Report): string | undefined {
  const name = option.name.text;
  const value = option.value;
  if (value === undefined || "kind" in value) {
    report(value?.span ?? option.name.span, `${name} must be ${listQuoted(choices)}`);
    return undefined;
  }
  if (choices.includes(value.text)) return value.text;
  report(value.span, `unknown ${name} '${value.text}'${didYouMean(value.text, choices) || `: it must be ${listQuoted(choices)}`}`);
  return undefined;
}

/** A number that a kind's `check` accepts; the check's message is reported with the value. */
function checkedNumber(expression: Expression | undefined, value: Extract<SpecValue, { kind: "number" }>, report: Report): number | undefined {
  const number = evaluate(expression, report);
  if (number === undefined) return undefined;
  const problem = value.check?.(number);
  if (problem === undefined) return number;
  report(expression?.span, `${problem}, got ${showNumber(number)}`);
  return undefined;
}

/** The value of an option after a layer, or undefined after a report. */
function optionValue(item: TailItem & { kind: "option" }, option: SpecOption, head: string, report: Report): number | string | undefined {
  const name = item.name.text;
  switch (option.value.kind) {
    case "word":
      return wordValue(item, option.value.choices, report);
    case "integer": {
      const expression = numberValue(item, option.example, report);
      return expression && integerAtLeast(expression, 1, `${name} of ${head}`, report);
    }
    case "number":
      return checkedNumber(numberValue(item, option.example, report), option.value, report);
    case "shape":
      throw new Error(`option '${name}' of ${head}: a shape can only be the argument of a layer`);
  }
}

/** The value after a layer's keyword; null when it is optional and absent; undefined after a report. */
function argumentValue(node: KeywordLayerNode, argument: SpecArgument, report: Report): number | number[] | null | undefined {
  const head = node.keyword.text;
  const missing = `${head} needs ${argument.noun}: ${argument.example}`;
  const given = node.argument;
  if (given === undefined && argument.optional === true) return null;
  switch (argument.value.kind) {
    case "integer":
      if (given === undefined) {
        report(node.keyword.span, missing);
        return undefined;
      }
      if (given.kind === "list") {
        report(given.span, `${argument.noun} of ${head} is a number, not a list`);
        return undefined;
      }
      return integerAtLeast(given, 1, `${argument.noun} of ${head}`, report);
    case "number":
      if (given === undefined || given.kind === "list") {
        report(given?.span ?? node.keyword.span, missing);
        return undefined;
      }
      return checkedNumber(given, argument.value, report);
    case "shape": {
      if (given === undefined || given.kind !== "list") {
        report(node.keyword.span, missing);
        return undefined;
      }
      if (given.items.length === 0) {
        report(given.span, `the shape of ${head} needs at least one dimension: ${argument.example}`);
        return undefined;
      }
      const shape: number[] = [];
      let ok = true;
      for (const item of given.items) {
        if (item.kind !== "number" && item.kind !== "unary" && item.kind !== "binary" && item.kind !== "paren") {
          report(item.span, `the dimensions of ${head} are numbers`);
          ok = false;
          continue;
        }
        const dimension = integerAtLeast(item, 1, `a dimension of ${head}`, report);
        if (dimension === undefined) ok = false;
        else shape.push(dimension);
      }
      return ok ? shape : undefined;
    }
    case "word":
      throw new Error(`the argument of ${head}: a word can only be an option's value`);
  }
}

interface TailParts {
  options: Map<string, TailItem & { kind: "option" }>;
  activation?: ActivationNode;
  ok: boolean;
}

/** Splits the words after a layer into options and its activation, reporting misplaced ones. */
function splitTail(head: string, syntax: LayerSyntax, tail: TailItem[], report: Report): TailParts {
  const allowed = Object.keys(syntax.options ?? {});
  const parts: TailParts = { options: new Map(), ok: true };
  for (const item of tail) {
    if (item.kind === "activation") {
      if (parts.activation !== undefined) {
        report(
          item.name.span,
          `${head} already has the activation '${parts.activation.name.text}': write '${item.name.text}' on a line of its own if you want both`,
        );
        parts.ok = false;
      } else parts.activation = item;
      continue;
    }
    const name = item.name.text;
    if (!allowed.includes(name)) {
      const special = syntax.optionHints?.[name];
      const hint = special !== undefined ? `: ${special}` : allowed.length > 0 ? `: it takes ${listQuoted(allowed, "and")}` : "";
      report(item.name.span, `${head} has no option '${name}'${hint}`);
      parts.ok = false;
      continue;
    }
    if (parts.options.has(name)) {
      report(item.name.span, `'${name}' is given twice`);
      parts.ok = false;
      continue;
    }
    parts.options.set(name, item);
  }
  return parts;
}

function activationLayer(activation: Activation, node: ActivationNode): Layer {
  return { type: "activation", activation, source: source(node.span) };
}

function lowerKeywordLayer(node: KeywordLayerNode, report: Report): Layer[] | undefined {
  const head = node.keyword.text;
  const kind = KINDS_BY_WORD.get(head);
  if (kind === undefined) throw new Error(`no layer kind is written '${head}'`);
  const { syntax } = kind;
  const tail = splitTail(head, syntax, node.tail, report);
  let ok = tail.ok;
  const activation = tail.activation && lowerActivation(tail.activation, report);
  if (tail.activation !== undefined && activation === undefined) ok = false;

  const fields: Record<string, unknown> = {};
  if (syntax.argument !== undefined) {
    const value = argumentValue(node, syntax.argument, report);
    if (value === undefined) ok = false;
    else if (value !== null) fields[syntax.argument.field] = value;
  }
  for (const [word, option] of Object.entries(syntax.options ?? {})) {
    const item = tail.options.get(word);
    if (item === undefined) {
      if (option.required === true) {
        report(node.keyword.span, `${head} needs '${word}': ${syntax.argument?.example ?? `${head} ${word} ${option.example}`}`);
        ok = false;
      }
      continue;
    }
    const value = optionValue(item, option, head, report);
    if (value === undefined) ok = false;
    else fields[option.field ?? word] = value;
  }
  if (!ok) return undefined;
  const own = syntax.activation === "own";
  const layer = kind.schema.parse({ type: kind.type, ...fields, ...(own && activation && { activation }), source: source(node.keyword.span) }) as Layer;
  // A layer without an activation of its own: the activation becomes the next layer.
  if (own || activation === undefined || tail.activation === undefined) return [layer];
  return [layer, activationLayer(activation, tail.activation)];
}

function lowerActivationLayer(node: Extract<LayerNode, { kind: "activationLayer" }>, report: Report): Layer[] | undefined {
  const head = node.activation.name.text;
  let ok = true;
  for (const item of node.tail) {
    ok = false;
    if (item.kind === "activation") report(item.name.span, `one activation per line: write '${item.name.text}' on a line of its own`);
    else report(item.name.span, `${head} has no option '${item.name.text}'`);
  }
  const activation = lowerActivation(node.activation, report);
  if (activation === undefined || !ok) return undefined;
  return [activationLayer(activation, node.activation)];
}

/** `residual { layers } [shortcut { layers }]` -> a residual layer. */
function lowerResidual(node: ResidualLayerNode, report: Report): Layer[] | undefined {
  if (node.body === undefined) return undefined;
  let ok = true;
  if (node.body.layers.length === 0) {
    report(node.keyword.span, "a residual block needs at least one layer: residual { conv 64 kernel 3 relu }");
    ok = false;
  }
  const layers = lowerLayers(node.body.layers, report);
  let shortcut: Layer[] | undefined;
  if (node.shortcut !== undefined) {
    if (node.shortcut.layers.length === 0) {
      report(node.shortcutKeyword?.span, "an empty shortcut is the identity, which a residual block has without one: remove 'shortcut {}'");
      ok = false;
    }
    shortcut = lowerLayers(node.shortcut.layers, report);
    if (shortcut === undefined) ok = false;
  }
  if (layers === undefined || !ok) return undefined;
  return [{ type: "residual", layers, ...(shortcut && { shortcut }), source: source(node.keyword.span) }];
}

/** `add { branch { ... } branch { ... } }`, `concat { ... }` -> a merge layer. */
function lowerMerge(node: MergeLayerNode, report: Report): Layer[] | undefined {
  const type = node.keyword.text;
  let ok = true;
  if (node.body === undefined) return undefined;
  // A layer outside a branch is reported below; the count is about a block of branches only.
  if (node.body.layers.every((line) => line.kind === "branch") && node.body.layers.length < 2) {
    report(node.keyword.span, `${type} needs two or more branches: ${type} { branch { conv 32 kernel 1 } branch { conv 32 kernel 3 } } (an empty branch {} is the identity)`);
    ok = false;
  }
  const branches: Layer[][] = [];
  for (const line of node.body?.layers ?? []) {
    if (line.kind !== "branch") {
      report(line.span, `a layer inside ${type} goes in one of its branches: ${type} { branch { ... } branch { ... } }`);
      ok = false;
      continue;
    }
    const layers = line.body && lowerLayers(line.body.layers, report);
    if (layers === undefined) ok = false;
    else branches.push(layers);
  }
  if (!ok) return undefined;
  return [{ type, branches, source: source(node.keyword.span) }];
}

function misplacedBranch(node: BranchNode, report: Report): undefined {
  report(node.keyword.span, "'branch' goes inside add { ... } or concat { ... }: add { branch { ... } branch { ... } }");
  return undefined;
}

/** The plan layers of a list of layer lines (a network's or a block's); undefined when any had a problem (all are reported). */
export function lowerLayers(nodes: readonly LayerNode[], report: Report): Layer[] | undefined {
  const layers: Layer[] = [];
  let ok = true;
  for (const node of nodes) {
    const lowered =
      node.kind === "layer"
        ? lowerKeywordLayer(node, report)
        : node.kind === "activationLayer"
          ? lowerActivationLayer(node, report)
          : node.kind === "residual"
            ? lowerResidual(node, report)
            : node.kind === "merge"
              ? lowerMerge(node, report)
              : misplacedBranch(node, report);
    if (lowered === undefined) ok = false;
    else layers.push(...lowered);
  }
  return ok ? layers : undefined;
}
