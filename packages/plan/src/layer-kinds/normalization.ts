/** Normalisation layers: batchnorm. */
import { finite } from "../primitives.js";
import { shapeSize } from "../shape-math.js";
import { defineLayerKind } from "./define.js";

export const batchnorm = defineLayerKind({
  type: "batchnorm",
  fields: { momentum: finite.min(0).max(1).default(0.99), epsilon: finite.gt(0).default(1e-3) },
  syntax: {
    word: "batchnorm",
    options: {
      momentum: {
        value: { kind: "number", check: (value) => (value < 0 || value > 1 ? "the momentum of batchnorm must be between 0 and 1" : undefined) },
        example: "0.9",
      },
      epsilon: { value: { kind: "number", check: (value) => (value <= 0 ? "the epsilon of batchnorm must be > 0" : undefined) }, example: "1e-3" },
    },
    activation: "next",
    aliases: { batchnorm2d: "batchnorm", batchnorm1d: "batchnorm", batchnormalization: "batchnorm", bn: "batchnorm" },
  },
  outputShape: (_layer, input) => ({ shape: [...input] }),
  // gamma and beta, trained; the moving mean and variance, kept beside them.
  parameters: (_layer, input) => 4 * (input[input.length - 1] ?? 0),
  // The normalised values, then scaled and shifted.
  activations: (_layer, output) => 2 * shapeSize(output),
});

export const NORMALIZATION_KINDS = [batchnorm] as const;
