import { getKernel, ready, registerKernel, setBackend, unregisterKernel, type KernelConfig } from "@tensorflow/tfjs-core";
import { registerDoubleBackpropGradients } from "./double-backprop-gradients.js";
import { conv2DConfig, fusedConv2DConfig } from "./kernels/conv2d.js";
import { conv2DBackpropFilterConfig } from "./kernels/conv2d-backprop-filter.js";
import { conv2DBackpropInputConfig } from "./kernels/conv2d-backprop-input.js";
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from "./kernels/depthwise-backprop.js";
import { castConfig, identityConfig } from "./kernels/identity.js";
import { batchMatMulConfig, fusedMatMulConfig } from "./kernels/mat-mul.js";
import { leakyReluConfig, tanhConfig } from "./kernels/activations.js";
import { meanConfig, sumConfig } from "./kernels/sum.js";
import { tileConfig } from "./kernels/tile.js";
import { avgPoolGradConfig } from "./kernels/avg-pool-grad.js";
import { batchNormGradKernelConfig, fusedBatchNormConfig } from "./kernels/batch-norm.js";
import { maxPoolGradConfig, maxPoolWithArgmaxConfig } from "./kernels/max-pool.js";
import { unsortedSegmentSumConfig } from "./kernels/unsorted-segment-sum.js";
import { registerFastGradients } from "./fast-gradients.js";
import { backendWasmState } from "./state.js";
import { originalWasmKernel } from "./wasm-ops.js";

/** The kernels `registerWasmTraining` adds to or replaces in the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2DConfig,
  fusedConv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  leakyReluConfig,
  tanhConfig,
  sumConfig,
  meanConfig,
  tileConfig,
  identityConfig,
  castConfig,
  maxPoolGradConfig,
  maxPoolWithArgmaxConfig,
  avgPoolGradConfig,
  fusedBatchNormConfig,
  batchNormGradKernelConfig,
  unsortedSegmentSumConfig,
];

/**
 * Makes the wasm backend train conv nets, and faster: registers the missing gradient
 * kernels (Conv2DBackpropFilter, the depthwise backprop kernels, UnsortedSegmentSum), replaces slow ones
 * (Conv2DBackpropInput, BatchMatMul and _FusedMatMul with transposes, LeakyRelu, Tanh, Sum
 * over leading axes) by compositions of wasm's XNNPACK kernels, Sum over interior axes by one SIMD pass, Identity and same-dtype Cast by a shared buffer, AvgPoolGrad of
 * windows that tile the input by block copies, FusedBatchNorm by one SIMD pass, fixes MaxPoolGrad and
 * MaxPoolWithArgmax (wrong where a window is all negative), registers a faster LeakyRelu
 * gradient, and the gradients double backprop needs (see registerDoubleBackpropGradients).
 *
 * Idempotent. It does not select a backend; call it before or after `tf.setBackend("wasm")`,
 * and after importing tfjs-layers (whose bundle registers tfjs-core's gradients on import).
 */
export async function registerWasmTraining(): Promise<void> {
  registerDoubleBackpropGradients();
  registerFastGradients();
  const state = backendWasmState();
  if (state.trainingKernelsRegistered) return;
  // Loading the module registers wasm's own kernels, which the replacements are made of.
  await import("@tensorflow/tfjs-backend-wasm");
  for (const config of WASM_TRAINING_KERNELS) replaceWasmKernel(config);
  state.trainingKernelsRegistered = true;
}

function replaceWasmKernel(config: KernelConfig): void {
  const existing = getKernel(config.kernelName, "wasm") as KernelConfig | undefined;
  if (existing !== undefined) {
    originalWasmKernel(config.kernelName); // capture it before it is replaced
    unregisterKernel(config.kernelName, "wasm");
  }
  // The original's setupFunc binds its wasm export when the backend initialises; the
  // replacement calls the original's kernelFunc, so the setup must still run if the wasm
  // backend is (re)initialised after this.
  const setupFunc = config.setupFunc ?? existing?.setupFunc;
  registerKernel(setupFunc === undefined ? config : { ...config, setupFunc });
}

/**
 * Registers the training kernels and gradients, then selects and initialises the wasm
 * backend (non-threaded SIMD in Node; no `setWasmPaths` needed there).
 */
export async function useWasmBackend(): Promise<void> {
  await registerWasmTraining();
  if (!(await setBackend("wasm"))) {
    throw new Error(
      "@gan/backend-wasm: the wasm backend failed to initialise (tfjs logged the reason above); " +
        "check that @tensorflow/tfjs-backend-wasm is installed with its .wasm files.",
    );
  }
  await ready();
}
