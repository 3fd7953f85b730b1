import { getGradient, LeakyRelu, mul, registerGradient, step, type GradConfig, type Tensor } from "@tensorflow/tfjs-core";

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

const FAST_GRADIENTS: readonly GradConfig[] = [leakyReluGradConfig];

/** The kernels whose gradient `registerFastGradients` replaces. */
export const FAST_GRADIENT_KERNELS: readonly string[] = FAST_GRADIENTS.map((g) => g.kernelName);

/**
 * Registers the faster gradients (for every backend: they compute the same values).
 * Idempotent; like registerDoubleBackpropGradients, call again after a late import of
 * tfjs-layers, whose bundle re-registers tfjs-core's own gradients.
 */
export function registerFastGradients(): void {
  for (const config of FAST_GRADIENTS) {
    if (getGradient(config.kernelName) !== config) registerGradient(config);
  }
}
