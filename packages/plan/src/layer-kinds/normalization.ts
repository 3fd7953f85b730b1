/**
 * Normalisation layers: batchnorm (over the batch), and instancenorm and layernorm (within each
 * sample, so that no sample's output depends on the rest of the batch: they suit a critic
 * trained with a per-sample gradient penalty). The latter two's runtime layer is @gan/core's
 * model/layers/normalization.ts.
 */
import { z } from "zod";
import { finite } from "../primitives.js";
import { sameImageShape, shapeSize } from "../shape-math.js";
import { defineLayerKind, type ShapeStep, type SpecOption } from "./define.js";

function epsilonOption(word: string, example: string): SpecOption {
  return { value: { kind: "number", check: (value) => (value <= 0 ? `the epsilon of ${word} must be > 0` : undefined) }, example };
}

/** `batchnorm affine channel|class`: gamma and beta per channel (the default) or per class and channel. */
export const BATCHNORM_AFFINE = ["channel", "class"] as const;

export const batchnorm = defineLayerKind({
  type: "batchnorm",
  fields: {
    momentum: finite.min(0).max(1).default(0.99),
    epsilon: finite.gt(0).default(1e-3),
    /**
     * Whose gamma and beta scale and shift the normalised values: the channel's (absent), or
     * the class's (`affine class`: conditional batch norm, de Vries et al. 2017, Miyato and
     * Koyama 2018), for a generator under `condition classes`. Absent rather than defaulted,
     * so that the plans (and hashes) of earlier specs stay as they were.
     */
    affine: z.enum(BATCHNORM_AFFINE).optional(),
  },
  syntax: {
    word: "batchnorm",
    options: {
      affine: { value: { kind: "word", choices: BATCHNORM_AFFINE }, example: "class" },
      momentum: {
        value: { kind: "number", check: (value) => (value < 0 || value > 1 ? "the momentum of batchnorm must be between 0 and 1" : undefined) },
        example: "0.9",
      },
      epsilon: epsilonOption("batchnorm", "1e-3"),
    },
    activation: "next",
    aliases: { batchnorm2d: "batchnorm", batchnorm1d: "batchnorm", batchnormalization: "batchnorm", bn: "batchnorm" },
  },
  outputShape: (_layer, input) => ({ shape: [...input] }),
  // gamma and beta, trained; the moving mean and variance, kept beside them. Per class, gamma
  // and beta are that many times larger; the layer does not know the class count, and they
  // are small beside the convolutions around them.
  parameters: (_layer, input) => 4 * (input[input.length - 1] ?? 0),
  activations: normalizationActivations,
});

/** The normalised values, then scaled and shifted. */
function normalizationActivations(_layer: unknown, output: readonly number[]): number {
  return 2 * shapeSize(output);
}

/** gamma and beta, one each per channel. */
const perChannelScaleAndOffset = (_layer: unknown, input: readonly number[]) => 2 * (input[input.length - 1] ?? 0);

/** A normalisation within each sample, with a learned scale and offset per channel. */
function perSampleNormalization<const T extends string>(type: T, aliases: Record<string, string>, outputShape: (layer: unknown, input: number[]) => ShapeStep) {
  return defineLayerKind({
    type,
    fields: { epsilon: finite.gt(0).default(1e-5) },
    syntax: { word: type, options: { epsilon: epsilonOption(type, "1e-5") }, activation: "next", aliases },
    outputShape,
    parameters: perChannelScaleAndOffset,
    activations: normalizationActivations,
  });
}

/** Each sample's values over height and width, per channel (Ulyanov et al. 2016); needs an image. */
export const instancenorm = perSampleNormalization(
  "instancenorm",
  { instancenorm2d: "instancenorm", instancenormalization: "instancenorm" },
  (_layer, input) => sameImageShape("instancenorm", input),
);

/**
 * All of each sample's values (Ba et al. 2016), with a scale and offset per channel: TF's
 * `layer_norm` and the critic of WGAN-GP's reference code.
 */
export const layernorm = perSampleNormalization("layernorm", { layernormalization: "layernorm", ln: "layernorm" }, (_layer, input) => ({ shape: [...input] }));

export const NORMALIZATION_KINDS = [batchnorm, instancenorm, layernorm] as const;
