import { backend_util, broadcastTo, div, FusedBatchNorm, getGradient, LeakyRelu, Mean, mul, registerGradient, reshape, step, Sum, util, type GradConfig, type Tensor } from "@tensorflow/tfjs-core";
import { batchNormGradConfig, keepTfjsBatchNormGradient } from "./kernels/batch-norm.js";

/**
 * Gradients that give the same numbers as tfjs-core's with fewer, faster kernels.
 *
 * LeakyRelu: tfjs-core computes where(greater(x, 0), dy, dy * alpha), three passes, and
 * wasm's Greater against a scalar is a slow broadcasting loop. dy * step(x, alpha) is two
 * passes (step(x, a) = x > 0 ? 1 : a) and gives identical values (dy * 1 and dy * alpha).
 * Step has a zero gradient, so gradients of gradients still work.
 * Measured on [64, 14, 14, 64]: 13.9 ms before, 1.8 ms after.
 */
export const leakyReluGradConfig: GradConfig = {
  kernelName: LeakyRelu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { alpha } = attrs as unknown as { alpha: number };
    return { x: () => mul(dy as Tensor, step(x, alpha)) };
  },
};

/** dy of a reduction, reshaped to x's rank with 1 on the reduced axes (tfjs-core's expandedDy). */
function expandedDy(dy: Tensor, x: Tensor, axis: number | number[]): { expanded: Tensor; reduceSize: number } {
  const axes = util.parseAxisParam(axis, x.shape);
  const expandedShape = x.shape.map((size, i) => (axes.includes(i) ? 1 : size));
  const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  return { expanded: reshape(dy, expandedShape), reduceSize: util.sizeFromShape(reduceShape) };
}

/**
 * Sum and Mean: tfjs-core multiplies dy by a tensor of ones of x's shape (filled by a
 * JavaScript loop each time: batch norm's moments take a Mean over a whole feature map, so
 * 0.4-0.8 million ones per call on the MNIST DCGAN) and, for Mean, divides the full-size
 * product by the reduced size. dy * 1 is dy exactly, so broadcasting dy (Mean: dy / size,
 * divided before broadcasting, the same division of the same values) gives identical values
 * with one small kernel and one block copy.
 */
export const sumGradConfig: GradConfig = {
  kernelName: Sum,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    return { x: () => broadcastTo(expandedDy(dy as Tensor, x, axis).expanded, x.shape) };
  },
};

export const meanGradConfig: GradConfig = {
  kernelName: Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const { expanded, reduceSize } = expandedDy(dy as Tensor, x, axis);
    return { x: () => broadcastTo(div(expanded, reduceSize), x.shape) };
  },
};

const FAST_GRADIENTS: readonly GradConfig[] = [leakyReluGradConfig, sumGradConfig, meanGradConfig, batchNormGradConfig];

/** The kernels whose gradient `registerFastGradients` replaces. */
export const FAST_GRADIENT_KERNELS: readonly string[] = FAST_GRADIENTS.map((g) => g.kernelName);

/**
 * Registers the faster gradients (for every backend: they compute the same values).
 * Idempotent; like registerDoubleBackpropGradients, call again after a late import of
 * tfjs-layers, whose bundle re-registers tfjs-core's own gradients.
 */
export function registerFastGradients(): void {
  keepTfjsBatchNormGradient(getGradient(FusedBatchNorm));
  for (const config of FAST_GRADIENTS) {
    if (getGradient(config.kernelName) !== config) registerGradient(config);
  }
}
