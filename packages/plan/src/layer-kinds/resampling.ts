/**
 * Resampling layers, which make an image larger: upsample (each pixel repeated or
 * interpolated) and pixelshuffle (depth-to-space: channels moved into blocks of pixels).
 * Their runtime layers are in @gan/core's model/layers/.
 */
import { z } from "zod";
import { positiveInt } from "../primitives.js";
import { formatShape, requireImage } from "../shape-math.js";
import { defineLayerKind, type SpecArgument } from "./define.js";

export const INTERPOLATIONS = ["nearest", "bilinear"] as const;

/** `upsample 2`: how many times larger along height and width (2 when left out). */
const factor = (word: string): SpecArgument => ({ field: "factor", value: { kind: "integer" }, noun: "the upsampling factor", example: `${word} 2`, optional: true });

export const upsample = defineLayerKind({
  type: "upsample",
  fields: { factor: positiveInt.default(2), mode: z.enum(INTERPOLATIONS).default("nearest") },
  syntax: {
    word: "upsample",
    argument: factor("upsample"),
    options: { mode: { value: { kind: "word", choices: INTERPOLATIONS }, example: "bilinear" } },
    activation: "next",
    aliases: { upsampling2d: "upsample", upsamplingnearest2d: "upsample", upsamplingbilinear2d: "upsample", interpolate: "upsample" },
  },
  outputShape(layer, input) {
    const image = requireImage("upsample", input);
    if (typeof image === "string") return { shape: null, error: image };
    const [height, width, channels] = image;
    return { shape: [height * layer.factor, width * layer.factor, channels] };
  },
  // The output is all that is kept (nearest); bilinear keeps nothing more either.
  describe: (layer) => `upsample ${layer.factor}${layer.mode === "nearest" ? "" : ` mode ${layer.mode}`}`,
});

export const pixelshuffle = defineLayerKind({
  type: "pixelshuffle",
  fields: { factor: positiveInt.default(2) },
  syntax: {
    word: "pixelshuffle",
    argument: factor("pixelshuffle"),
    activation: "next",
    aliases: { pixel_shuffle: "pixelshuffle", depthtospace: "pixelshuffle", depth_to_space: "pixelshuffle", subpixel: "pixelshuffle" },
  },
  outputShape(layer, input) {
    const image = requireImage("pixelshuffle", input);
    if (typeof image === "string") return { shape: null, error: image };
    const [height, width, channels] = image;
    const block = layer.factor * layer.factor;
    if (channels % block !== 0) {
      return {
        shape: null,
        error:
          `pixelshuffle ${layer.factor} moves ${block} channels into each ${layer.factor}x${layer.factor} block and needs ` +
          `channels divisible by ${block}, but gets ${formatShape(input)}: give the layer before it a multiple of ${block} channels`,
      };
    }
    return { shape: [height * layer.factor, width * layer.factor, channels / block] };
  },
  describe: (layer) => `pixelshuffle ${layer.factor}`,
});

export const RESAMPLING_KINDS = [upsample, pixelshuffle] as const;
