/**
 * Layers with weights: dense, conv and deconv (transposed convolution). Each may apply an
 * activation of its own (`dense 128 relu`).
 */
import { positiveInt } from "../primitives.js";
import { convOutputLength, deconvLength, formatShape, requireImage, shapeSize } from "../shape-math.js";
import { defineLayerKind, type SpecOption } from "./define.js";
import { ActivationSchema, describeActivation, PADDINGS, PaddingSchema, type Activation } from "./fields.js";

/** A dense or conv layer keeps its product, its bias sum and, when it has one, its activation. */
function weightLayerActivations(layer: { activation?: Activation }, output: readonly number[]): number {
  return shapeSize(output) * (layer.activation === undefined || layer.activation.kind === "linear" ? 2 : 3);
}

export const dense = defineLayerKind({
  type: "dense",
  fields: { units: positiveInt, activation: ActivationSchema.optional() },
  syntax: {
    word: "dense",
    argument: { field: "units", value: { kind: "integer" }, noun: "the number of units", example: "dense 128" },
    activation: "own",
    aliases: { fc: "dense", fullyconnected: "dense" },
  },
  outputShape(layer, input) {
    // tfjs would apply a dense layer to the last axis of a larger input; a GAN spec that
    // does this almost always forgot a flatten, so it is refused here.
    if (input.length !== 1) {
      return { shape: [layer.units], error: `dense needs a flat input but gets ${formatShape(input)}: add 'flatten' before it` };
    }
    return { shape: [layer.units] };
  },
  parameters: (layer, input) => (input[input.length - 1] ?? 0) * layer.units + layer.units,
  activations: weightLayerActivations,
  describe: (layer) => `dense ${layer.units}${describeActivation(layer.activation)}`,
});

const convOptions: Readonly<Record<string, SpecOption>> = {
  kernel: { value: { kind: "integer" }, example: "2" },
  stride: { value: { kind: "integer" }, example: "2" },
  padding: { value: { kind: "word", choices: PADDINGS }, example: "same" },
};
const convFields = {
  filters: positiveInt,
  kernel: positiveInt.default(3),
  stride: positiveInt.default(1),
  padding: PaddingSchema.default("same"),
  activation: ActivationSchema.optional(),
};
const convParameters = (layer: { kernel: number; filters: number }, input: readonly number[]) =>
  layer.kernel * layer.kernel * (input[input.length - 1] ?? 0) * layer.filters + layer.filters;
const describeConv = (layer: { type: string; filters: number; activation?: Activation }) =>
  `${layer.type} ${layer.filters}${describeActivation(layer.activation)}`;

export const conv = defineLayerKind({
  type: "conv",
  fields: convFields,
  syntax: {
    word: "conv",
    argument: { field: "filters", value: { kind: "integer" }, noun: "the number of filters", example: "conv 64 kernel 3" },
    options: convOptions,
    activation: "own",
    aliases: { conv2d: "conv", convolution2d: "conv" },
  },
  outputShape(layer, input) {
    const image = requireImage("conv", input);
    if (typeof image === "string") return { shape: null, error: image };
    const [height, width] = image;
    if (layer.padding === "valid" && (layer.kernel > height || layer.kernel > width)) {
      return {
        shape: null,
        error:
          `conv with kernel ${layer.kernel} and padding 'valid' needs an input of at least ` +
          `${layer.kernel}x${layer.kernel} but gets ${formatShape(input)}: use a smaller kernel or padding 'same'`,
      };
    }
    const length = (size: number) => convOutputLength(size, layer.kernel, layer.padding, layer.stride);
    return { shape: [length(height), length(width), layer.filters] };
  },
  parameters: convParameters,
  activations: weightLayerActivations,
  describe: describeConv,
});

/** Transposed convolution. */
export const deconv = defineLayerKind({
  type: "deconv",
  fields: convFields,
  syntax: {
    word: "deconv",
    argument: { field: "filters", value: { kind: "integer" }, noun: "the number of filters", example: "deconv 64 kernel 4 stride 2" },
    options: convOptions,
    activation: "own",
    aliases: {
      conv2dtranspose: "deconv",
      convtranspose2d: "deconv",
      convtranspose: "deconv",
      conv_transpose: "deconv",
      transposedconv: "deconv",
      upconv: "deconv",
    },
  },
  outputShape(layer, input) {
    const image = requireImage("deconv", input);
    if (typeof image === "string") return { shape: null, error: image };
    const [height, width] = image;
    const length = (size: number) => deconvLength(size, layer.stride, layer.kernel, layer.padding);
    return { shape: [length(height), length(width), layer.filters] };
  },
  parameters: convParameters,
  activations: weightLayerActivations,
  describe: describeConv,
});

export const WEIGHT_KINDS = [dense, conv, deconv] as const;
