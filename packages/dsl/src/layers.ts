/**
 * Layer lines -> plan layers.
 *
 * `dense 128 relu` is one layer with an activation; a layer that has no activation of its
 * own in the plan (`batchnorm relu`, `maxpool 2 relu`) is followed by an activation layer,
 * which is what Keras users write as two lines. Defaults (kernel 3, stride 1, padding same,
 * batchnorm momentum 0.99 ...) come from the plan's schemas.
 */
import {
  ActivationLayerSchema,
  BatchNormLayerSchema,
  ConvLayerSchema,
  DeconvLayerSchema,
  DenseLayerSchema,
  DropoutLayerSchema,
  FlattenLayerSchema,
  PoolLayerSchema,
  ReshapeLayerSchema,
  type Activation,
  type Layer,
  type Padding,
} from "@gan/plan";
import type { ActivationNode, Expression, KeywordLayerNode, LayerNode, LayerOptionKeyword, Span, TailItem, Word } from "./ast.js";
import { LAYER_OPTIONS } from "./ast.js";
import { didYouMean, listQuoted } from "./suggest.js";
import { evaluate, integerAtLeast, showNumber, type Report } from "./values.js";

const PADDINGS = ["same", "valid"] as const;

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
function numberValue(option: { name: Word; value?: Expression | Word }, report: Report): Expression | undefined {
  const value = option.value;
  if (value === undefined) {
    report(option.name.span, `'${option.name.text}' needs a value: ${option.name.text} ${option.name.text === "momentum" ? "0.9" : option.name.text === "epsilon" ? "1e-3" : "2"}`);
    return undefined;
  }
  if ("kind" in value) return value;
  report(value.span, `'${option.name.text}' takes a number, got '${value.text}'`);
  return undefined;
}

function paddingValue(option: { name: Word; value?: Expression | Word }, report: Report): Padding | undefined {
  const value = option.value;
  if (value === undefined || "kind" in value) {
    report(value?.span ?? option.name.span, `padding must be 'same' or 'valid'`);
    return undefined;
  }
  if ((PADDINGS as readonly string[]).includes(value.text)) return value.text as Padding;
  report(value.span, `unknown padding '${value.text}'${didYouMean(value.text, PADDINGS) || ": it must be 'same' or 'valid'"}`);
  return undefined;
}

interface TailParts {
  options: Map<LayerOptionKeyword, TailItem & { kind: "option" }>;
  activation?: ActivationNode;
  ok: boolean;
}

/** Splits the words after a layer into options and its activation, reporting misplaced ones. */
function splitTail(head: string, allowed: readonly LayerOptionKeyword[], tail: TailItem[], report: Report): TailParts {
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
      const hint =
        (head === "maxpool" || head === "avgpool") && name === "kernel"
          ? `: the size of the window is the number after ${head} (${head} 2)`
          : allowed.length > 0
            ? `: it takes ${listQuoted(allowed, "and")}`
            : "";
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

/** What the number after a layer keyword means, for messages. */
const ARGUMENT_NAMES: Record<string, string> = {
  dense: "the number of units",
  conv: "the number of filters",
  deconv: "the number of filters",
  maxpool: "the pool size",
  avgpool: "the pool size",
  dropout: "the dropout rate",
};
const ARGUMENT_EXAMPLES: Record<string, string> = {
  dense: "dense 128",
  conv: "conv 64 kernel 3",
  deconv: "deconv 64 kernel 4 stride 2",
  dropout: "dropout 0.3",
  reshape: "reshape [7, 7, 128]",
};

function lowerKeywordLayer(node: KeywordLayerNode, report: Report): Layer[] | undefined {
  const head = node.keyword.text;
  const tail = splitTail(head, LAYER_OPTIONS[head], node.tail, report);
  let ok = tail.ok;
  const at = source(node.keyword.span);
  const activation = tail.activation && lowerActivation(tail.activation, report);
  if (tail.activation !== undefined && activation === undefined) ok = false;

  const size = (): number | undefined => {
    if (node.argument === undefined) {
      report(node.keyword.span, `${head} needs ${ARGUMENT_NAMES[head]}: ${ARGUMENT_EXAMPLES[head]}`);
      return undefined;
    }
    if (node.argument.kind === "list") {
      report(node.argument.span, `${ARGUMENT_NAMES[head]} of ${head} is a number, not a list`);
      return undefined;
    }
    return integerAtLeast(node.argument, 1, `${ARGUMENT_NAMES[head]} of ${head}`, report);
  };
  const optionInteger = (name: LayerOptionKeyword): number | undefined | null => {
    const option = tail.options.get(name);
    if (option === undefined) return null;
    const expression = numberValue(option, report);
    return expression && integerAtLeast(expression, 1, `${name} of ${head}`, report);
  };
  const optionPadding = (): Padding | undefined | null => {
    const option = tail.options.get("padding");
    return option === undefined ? null : paddingValue(option, report);
  };

  let layer: unknown;
  switch (head) {
    case "dense": {
      const units = size();
      if (units === undefined || !ok) return undefined;
      layer = DenseLayerSchema.parse({ type: "dense", units, ...(activation && { activation }), source: at });
      return [layer as Layer];
    }
    case "conv":
    case "deconv": {
      const filters = size();
      const kernel = optionInteger("kernel");
      const stride = optionInteger("stride");
      const padding = optionPadding();
      if (filters === undefined || kernel === undefined || stride === undefined || padding === undefined || !ok) return undefined;
      const schema = head === "conv" ? ConvLayerSchema : DeconvLayerSchema;
      layer = schema.parse({
        type: head,
        filters,
        ...(kernel !== null && { kernel }),
        ...(stride !== null && { stride }),
        ...(padding !== null && { padding }),
        ...(activation && { activation }),
        source: at,
      });
      return [layer as Layer];
    }
    case "maxpool":
    case "avgpool": {
      const poolSize = node.argument === undefined ? null : size();
      const stride = optionInteger("stride");
      const padding = optionPadding();
      if (poolSize === undefined || stride === undefined || padding === undefined || !ok) return undefined;
      layer = PoolLayerSchema.parse({
        type: head,
        ...(poolSize !== null && { size: poolSize }),
        ...(stride !== null && { stride }),
        ...(padding !== null && { padding }),
        source: at,
      });
      break;
    }
    case "dropout": {
      if (node.argument === undefined || node.argument.kind === "list") {
        report(node.argument?.span ?? node.keyword.span, `dropout needs a rate between 0 and 1: dropout 0.3`);
        return undefined;
      }
      const rate = evaluate(node.argument, report);
      if (rate === undefined) return undefined;
      if (rate < 0 || rate >= 1) {
        report(node.argument.span, `the dropout rate must be >= 0 and < 1, got ${showNumber(rate)}`);
        return undefined;
      }
      if (!ok) return undefined;
      layer = DropoutLayerSchema.parse({ type: "dropout", rate, source: at });
      break;
    }
    case "reshape": {
      if (node.argument === undefined || node.argument.kind !== "list") {
        report(node.keyword.span, `reshape needs a shape: reshape [7, 7, 128]`);
        return undefined;
      }
      if (node.argument.items.length === 0) {
        report(node.argument.span, `the shape of reshape needs at least one dimension: reshape [7, 7, 128]`);
        return undefined;
      }
      const shape: number[] = [];
      for (const item of node.argument.items) {
        if (item.kind !== "number" && item.kind !== "unary" && item.kind !== "binary" && item.kind !== "paren") {
          report(item.span, `the dimensions of reshape are numbers`);
          ok = false;
          continue;
        }
        const dimension = integerAtLeast(item, 1, "a dimension of reshape", report);
        if (dimension === undefined) ok = false;
        else shape.push(dimension);
      }
      if (!ok) return undefined;
      layer = ReshapeLayerSchema.parse({ type: "reshape", shape, source: at });
      break;
    }
    case "flatten":
      if (!ok) return undefined;
      layer = FlattenLayerSchema.parse({ type: "flatten", source: at });
      break;
    case "batchnorm": {
      let momentum: number | undefined | null = null;
      let epsilon: number | undefined | null = null;
      const momentumOption = tail.options.get("momentum");
      if (momentumOption !== undefined) {
        momentum = evaluate(numberValue(momentumOption, report), report);
        if (momentum !== undefined && (momentum < 0 || momentum > 1)) {
          report(momentumOption.value?.span, `the momentum of batchnorm must be between 0 and 1, got ${showNumber(momentum)}`);
          momentum = undefined;
        }
      }
      const epsilonOption = tail.options.get("epsilon");
      if (epsilonOption !== undefined) {
        epsilon = evaluate(numberValue(epsilonOption, report), report);
        if (epsilon !== undefined && epsilon <= 0) {
          report(epsilonOption.value?.span, `the epsilon of batchnorm must be > 0, got ${showNumber(epsilon)}`);
          epsilon = undefined;
        }
      }
      if (momentum === undefined || epsilon === undefined || !ok) return undefined;
      layer = BatchNormLayerSchema.parse({
        type: "batchnorm",
        ...(momentum !== null && { momentum }),
        ...(epsilon !== null && { epsilon }),
        source: at,
      });
      break;
    }
  }
  // Layers without an activation of their own: the activation becomes the next layer.
  const layers = [layer as Layer];
  if (activation !== undefined && tail.activation !== undefined) {
    layers.push(ActivationLayerSchema.parse({ type: "activation", activation, source: source(tail.activation.span) }) as Layer);
  }
  return layers;
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
  return [ActivationLayerSchema.parse({ type: "activation", activation, source: source(node.activation.span) }) as Layer];
}

/** The plan layers of one network block; undefined when any line had a problem (all are reported). */
export function lowerLayers(nodes: readonly LayerNode[], report: Report): Layer[] | undefined {
  const layers: Layer[] = [];
  let ok = true;
  for (const node of nodes) {
    const lowered = node.kind === "layer" ? lowerKeywordLayer(node, report) : lowerActivationLayer(node, report);
    if (lowered === undefined) ok = false;
    else layers.push(...lowered);
  }
  return ok ? layers : undefined;
}
