/**
 * Shape inference: the output shape of every layer of a network, computed the way
 * tfjs-layers computes it, so that a plan that passes here builds there. Shapes exclude the
 * batch dimension; images are NHWC, i.e. [height, width, channels].
 *
 * Errors are written for the author of the `.gan` file: they say what the layer needs,
 * what it gets, and, where there is one, the usual fix.
 */
import type { DataKind, Layer, Padding, TrickLayer } from "./schema.js";

export interface ShapeInferenceOptions {
  /**
   * Output shape of a `trick` layer, which only the trick's package knows
   * (`LoadedTrick.layerShape`). May throw; the message is reported for the layer.
   */
  trickLayerShape?(layer: TrickLayer, inputShape: number[]): number[];
}

export interface ShapeError {
  /** Index of the layer in the network's `layers`. */
  layerIndex: number;
  message: string;
}

export type ShapeInferenceResult =
  | { ok: true; layers: Layer[]; outputShape: number[] }
  | { ok: false; errors: ShapeError[] };

/** `[7, 7, 64]`, as shapes are written in messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/**
 * Infers the output shape of each layer from the network's input shape. Returns copies of
 * the layers with `outputShape` filled in (the input is not changed), or every error found.
 * After an error inference goes on when the layer's output shape is still known (a dense
 * layer outputs [units] whatever it gets), so one pass reports as many mistakes as it can.
 */
export function inferNetworkShapes(
  network: { inputShape: number[]; layers: Layer[] },
  options: ShapeInferenceOptions = {},
): ShapeInferenceResult {
  const errors: ShapeError[] = [];
  const layers: Layer[] = [];
  let shape = network.inputShape;
  for (const [layerIndex, layer] of network.layers.entries()) {
    const step = layerOutputShape(layer, shape, options);
    if (step.error !== undefined) errors.push({ layerIndex, message: step.error });
    if (step.shape === null) return { ok: false, errors };
    shape = step.shape;
    layers.push({ ...layer, outputShape: shape });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, layers, outputShape: shape };
}

/** A layer's output shape, an error, or both when the output shape does not depend on the error. */
type LayerStep = { shape: number[]; error?: string } | { shape: null; error: string };

function layerOutputShape(layer: Layer, input: number[], options: ShapeInferenceOptions): LayerStep {
  switch (layer.type) {
    case "dense":
      // tfjs would apply a dense layer to the last axis of a larger input; a GAN spec that
      // does this almost always forgot a flatten, so it is refused here.
      if (input.length !== 1) {
        return { shape: [layer.units], error: `dense needs a flat input but gets ${formatShape(input)}: add 'flatten' before it` };
      }
      return { shape: [layer.units] };
    case "conv":
    case "deconv": {
      const image = requireImage(layer.type, input);
      if (typeof image === "string") return { shape: null, error: image };
      const [height, width] = image;
      if (layer.type === "deconv") {
        const length = (size: number) => deconvLength(size, layer.stride, layer.kernel, layer.padding);
        return { shape: [length(height), length(width), layer.filters] };
      }
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
    }
    case "maxpool":
    case "avgpool": {
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
    case "reshape": {
      const needed = shapeSize(layer.shape);
      const got = shapeSize(input);
      if (needed !== got) {
        return { shape: [...layer.shape], error: `reshape to ${formatShape(layer.shape)} needs ${needed} values but gets ${got}` };
      }
      return { shape: [...layer.shape] };
    }
    case "flatten":
      // tfjs-layers' Flatten refuses an input that has no dimension to flatten (minNDim 3 with the batch).
      if (input.length < 2) {
        return {
          shape: [...input],
          error: `flatten needs an input of 2 or more dimensions but gets ${formatShape(input)}, which is already flat: remove 'flatten'`,
        };
      }
      return { shape: [shapeSize(input)] };
    case "batchnorm":
    case "dropout":
    case "activation":
      return { shape: [...input] };
    case "trick":
      return trickLayerOutputShape(layer, input, options);
  }
}

/** [height, width, channels], or the message saying why the input is not an image. */
function requireImage(kind: string, input: number[]): [number, number, number] | string {
  if (input.length === 3) return [input[0]!, input[1]!, input[2]!];
  const hint = input.length === 1 ? ": add 'reshape' before it" : "";
  return `${kind} needs an image input [height, width, channels] but gets ${formatShape(input)}${hint}`;
}

/** tfjs-layers `convOutputLength` (dilation 1): ceil(in / stride) for 'same', ceil((in - k + 1) / stride) for 'valid'. */
export function convOutputLength(inputLength: number, kernel: number, padding: Padding, stride: number): number {
  const covered = padding === "same" ? inputLength : inputLength - kernel + 1;
  return Math.ceil(covered / stride);
}

/**
 * tfjs-layers `deconvLength`, the output size of a transposed convolution: in * stride for
 * 'same', in * stride + max(kernel - stride, 0) for 'valid'. The latter equals the textbook
 * (in - 1) * stride + kernel only when kernel >= stride; tfjs is what runs, so tfjs it is.
 */
export function deconvLength(inputLength: number, stride: number, kernel: number, padding: Padding): number {
  return padding === "same" ? inputLength * stride : inputLength * stride + Math.max(kernel - stride, 0);
}

function trickLayerOutputShape(layer: TrickLayer, input: number[], options: ShapeInferenceOptions): LayerStep {
  const what = `layer '${layer.name}' of trick '${layer.trick}'`;
  if (options.trickLayerShape === undefined) {
    return { shape: null, error: `the output shape of ${what} is unknown: the trick is not loaded` };
  }
  let shape: unknown;
  try {
    shape = options.trickLayerShape(layer, [...input]);
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
}

/** Channels an `images` source can convert its PNGs to, whatever they are stored as. */
export const IMAGE_CHANNELS: readonly number[] = [1, 3, 4];

/**
 * Whether image files holding [height, width, channels] can be served in a plan's data
 * `shape`: as they are, flattened ([h * w * c], for an MLP), as [height, width] when they
 * have one channel, or (for an `images` folder, which converts colour) with any of
 * IMAGE_CHANNELS. The compiler checks it against the files, and the runtime again on open.
 */
export function dataShapeFits(shape: readonly number[], [height, width, channels]: readonly [number, number, number], kind: DataKind): boolean {
  if (kind === "images" && shape.length === 3) return shape[0] === height && shape[1] === width && IMAGE_CHANNELS.includes(shape[2]!);
  return shapesEqual(shape, [height, width, channels]) || shapesEqual(shape, [height * width * channels]) || (channels === 1 && shapesEqual(shape, [height, width]));
}
