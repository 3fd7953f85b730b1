/**
 * Kinds the language writes differently or not at all: an activation on a line of its own
 * (`relu`: the activation words are the grammar's own), and a `trick` layer, which a trick
 * package inserts and implements.
 */
import { z } from "zod";
import { JsonValueSchema } from "../primitives.js";
import { formatShape } from "../shape-math.js";
import { defineLayerKind, type ShapeStep } from "./define.js";
import { ActivationSchema, describeActivation } from "./fields.js";

export const activation = defineLayerKind({
  type: "activation",
  fields: { activation: ActivationSchema },
  outputShape: (_layer, input) => ({ shape: [...input] }),
  describe: (layer) => describeActivation(layer.activation).trim(),
});

/**
 * A layer that a trick package provides (minibatch stddev, ...). `trick` names the package
 * that implements it at run time; `options` are its own. Shape inference asks the trick.
 */
export const trick = defineLayerKind({
  type: "trick",
  fields: { trick: z.string().min(1), name: z.string().min(1), options: z.record(z.string(), JsonValueSchema).default({}) },
  outputShape(layer, input, context): ShapeStep {
    const what = `layer '${layer.name}' of trick '${layer.trick}'`;
    if (context.trickLayerShape === undefined) {
      return { shape: null, error: `the output shape of ${what} is unknown: the trick is not loaded` };
    }
    let shape: unknown;
    try {
      shape = context.trickLayerShape(layer, [...input]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        shape: null,
        error: `trick '${layer.trick}' could not compute the output shape of layer '${layer.name}' for input ${formatShape(input)}: ${reason}`,
      };
    }
    const valid = Array.isArray(shape) && shape.length > 0 && shape.every((dim) => Number.isInteger(dim) && dim > 0);
    if (!valid) {
      return {
        shape: null,
        error: `trick '${layer.trick}' computed the output shape ${JSON.stringify(shape)} for layer '${layer.name}', which is not a list of positive integers`,
      };
    }
    return { shape: [...(shape as number[])] };
  },
  describe: (layer) => `${layer.trick} ${layer.name}`,
});

export const SPECIAL_KINDS = [activation, trick] as const;
