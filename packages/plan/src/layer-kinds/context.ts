/**
 * Layers with weights that look beyond one position or take class ids: SAGAN's self-attention
 * over the positions of an image, and a class embedding (for conditional GANs). Their runtime
 * layers are in @gan/core's model/layers/.
 */
import { positiveInt } from "../primitives.js";
import { formatShape, sameImageShape } from "../shape-math.js";
import { defineLayerKind } from "./define.js";

/** The query and key channels of SAGAN's attention: c / 8, at least one (core's attentionKeyChannels). */
const keyChannels = (channels: number) => Math.max(1, Math.floor(channels / 8));

export const attention = defineLayerKind({
  type: "attention",
  fields: {},
  syntax: {
    word: "attention",
    activation: "next",
    aliases: { selfattention: "attention", self_attention: "attention", nonlocal: "attention", attn: "attention" },
  },
  outputShape: (_layer, input) => sameImageShape("attention", input),
  // Query and key kernels [c, c/8] and biases, value kernel [c, c] and bias, gamma.
  parameters(_layer, input) {
    const channels = input[input.length - 1] ?? 0;
    const keys = keyChannels(channels);
    return 2 * (channels * keys + keys) + channels * channels + channels + 1;
  },
  // Query, key and value; the N x N scores and their softmax; the attended values; the output.
  activations(_layer, output) {
    const [height = 0, width = 0, channels = 0] = output;
    const positions = height * width;
    return positions * (2 * keyChannels(channels) + channels) + 2 * positions * positions + 2 * positions * channels;
  },
});

export const embedding = defineLayerKind({
  type: "embedding",
  fields: { classes: positiveInt, dim: positiveInt },
  syntax: {
    word: "embedding",
    argument: { field: "classes", value: { kind: "integer" }, noun: "the number of classes", example: "embedding 10 dim 64" },
    options: { dim: { value: { kind: "integer" }, example: "64", required: true } },
    activation: "next",
    aliases: { embed: "embedding", nn_embedding: "embedding" },
  },
  outputShape(layer, input) {
    if (input.length !== 1 || input[0] !== 1) {
      return {
        shape: null,
        error: `embedding ${layer.classes} maps a class id to a vector and needs input [1] (one id per sample) but gets ${formatShape(input)}`,
      };
    }
    return { shape: [1, layer.dim] };
  },
  parameters: (layer) => layer.classes * layer.dim,
  describe: (layer) => `embedding ${layer.classes} dim ${layer.dim}`,
});

export const CONTEXT_KINDS = [attention, embedding] as const;
