/** Regularisation layers: dropout. */
import { finite } from "../primitives.js";
import { defineLayerKind } from "./define.js";

export const dropout = defineLayerKind({
  type: "dropout",
  fields: { rate: finite.min(0).lt(1) },
  syntax: {
    word: "dropout",
    argument: {
      field: "rate",
      value: { kind: "number", check: (rate) => (rate < 0 || rate >= 1 ? "the dropout rate must be >= 0 and < 1" : undefined) },
      noun: "a rate between 0 and 1",
      example: "dropout 0.3",
    },
    activation: "next",
  },
  outputShape: (_layer, input) => ({ shape: [...input] }),
  describe: (layer) => `dropout ${layer.rate}`,
});

export const REGULARIZATION_KINDS = [dropout] as const;
