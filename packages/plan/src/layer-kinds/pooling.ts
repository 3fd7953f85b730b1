/** Pooling layers: maxpool and avgpool over windows of an image, globalavgpool over all of it. */
import { positiveInt } from "../primitives.js";
import { convOutputLength, formatShape, requireImage } from "../shape-math.js";
import { defineLayerKind, type LayerSyntax, type ShapeStep } from "./define.js";
import { PADDINGS, PaddingSchema, type Padding } from "./fields.js";

const poolFields = { size: positiveInt.default(2), stride: positiveInt.optional(), padding: PaddingSchema.default("valid") };

function poolSyntax(word: string, aliases: Record<string, string>): LayerSyntax {
  return {
    word,
    argument: { field: "size", value: { kind: "integer" }, noun: "the pool size", example: `${word} 2`, optional: true },
    options: {
      stride: { value: { kind: "integer" }, example: "2" },
      padding: { value: { kind: "word", choices: PADDINGS }, example: "valid" },
    },
    activation: "next",
    optionHints: { kernel: `the size of the window is the number after ${word} (${word} 2)` },
    aliases,
  };
}

function poolShape(layer: { type: string; size: number; stride?: number | undefined; padding: Padding }, input: number[]): ShapeStep {
  const image = requireImage(layer.type, input);
  if (typeof image === "string") return { shape: null, error: image };
  const [height, width, channels] = image;
  if (layer.padding === "valid" && (layer.size > height || layer.size > width)) {
    return {
      shape: null,
      error:
        `${layer.type} of size ${layer.size} and padding 'valid' needs an input of at least ` +
        `${layer.size}x${layer.size} but gets ${formatShape(input)}: use a smaller size or padding 'same'`,
    };
  }
  // As in tfjs and Keras, a pool without a stride moves by its own size.
  const stride = layer.stride ?? layer.size;
  const length = (size: number) => convOutputLength(size, layer.size, layer.padding, stride);
  return { shape: [length(height), length(width), channels] };
}

const describePool = (layer: { type: string; size: number }) => `${layer.type} ${layer.size}`;

export const maxpool = defineLayerKind({
  type: "maxpool",
  fields: poolFields,
  syntax: poolSyntax("maxpool", { maxpool2d: "maxpool", maxpooling2d: "maxpool" }),
  outputShape: poolShape,
  describe: describePool,
});

export const avgpool = defineLayerKind({
  type: "avgpool",
  fields: poolFields,
  syntax: poolSyntax("avgpool", { avgpool2d: "avgpool", averagepooling2d: "avgpool" }),
  outputShape: poolShape,
  describe: describePool,
});

/**
 * The mean of each channel over the whole image: [height, width, channels] -> [channels].
 * What SNGAN's and BigGAN's ResNet discriminators do after their last block (they sum; the
 * mean is the sum scaled by a constant the next dense layer absorbs), and Keras'
 * GlobalAveragePooling2D.
 */
export const globalavgpool = defineLayerKind({
  type: "globalavgpool",
  fields: {},
  syntax: {
    word: "globalavgpool",
    activation: "next",
    aliases: { globalaveragepooling2d: "globalavgpool", globalavgpool2d: "globalavgpool", adaptiveavgpool2d: "globalavgpool", gap: "globalavgpool" },
  },
  outputShape(_layer, input) {
    const image = requireImage("globalavgpool", input);
    if (typeof image === "string") return { shape: null, error: image };
    return { shape: [image[2]] };
  },
});

export const POOLING_KINDS = [maxpool, avgpool, globalavgpool] as const;
