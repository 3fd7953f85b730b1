/** Layers that only change how values are laid out: reshape and flatten. */
import { shape } from "../primitives.js";
import { formatShape, shapeSize } from "../shape-math.js";
import { defineLayerKind } from "./define.js";

export const reshape = defineLayerKind({
  type: "reshape",
  fields: { shape: shape.min(1) },
  syntax: {
    word: "reshape",
    argument: { field: "shape", value: { kind: "shape" }, noun: "a shape", example: "reshape [7, 7, 128]" },
    activation: "next",
  },
  outputShape(layer, input) {
    const needed = shapeSize(layer.shape);
    const got = shapeSize(input);
    if (needed !== got) {
      return { shape: [...layer.shape], error: `reshape to ${formatShape(layer.shape)} needs ${needed} values but gets ${got}` };
    }
    return { shape: [...layer.shape] };
  },
  describe: (layer) => `reshape [${layer.shape.join(", ")}]`,
});

export const flatten = defineLayerKind({
  type: "flatten",
  fields: {},
  syntax: { word: "flatten", activation: "next" },
  outputShape(_layer, input) {
    // tfjs-layers' Flatten refuses an input that has no dimension to flatten (minNDim 3 with the batch).
    if (input.length < 2) {
      return {
        shape: [...input],
        error: `flatten needs an input of 2 or more dimensions but gets ${formatShape(input)}, which is already flat: remove 'flatten'`,
      };
    }
    return { shape: [shapeSize(input)] };
  },
});

export const RESHAPING_KINDS = [reshape, flatten] as const;
