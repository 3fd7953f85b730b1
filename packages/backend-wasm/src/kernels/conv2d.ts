import { Conv2D, FusedConv2D, type KernelConfig, type KernelFunc } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { blasConv2D } from "../blas/blas-kernels.js";
import { nativeBlasInUse } from "../blas/use-native-blas.js";
import { originalWasmKernel } from "../wasm-ops.js";

/**
 * Conv2D and FusedConv2D: on the native BLAS when one is active (im2col and one product,
 * see blas/blas-kernels.ts), else wasm's own XNNPACK kernel, untouched.
 */
function onBlasElseXnnpack(kernelName: string): KernelFunc {
  return (args) => {
    const blas = nativeBlasInUse();
    if (blas !== undefined) {
      const out = blasConv2D(blas, args.backend as BackendWasm, args.inputs as never, args.attrs as never);
      if (out !== undefined) return out;
    }
    return originalWasmKernel(kernelName)(args);
  };
}

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: "wasm",
  kernelFunc: onBlasElseXnnpack(Conv2D),
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const fusedConv2DConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: "wasm",
  kernelFunc: onBlasElseXnnpack(FusedConv2D),
};
