import { BatchMatMul, _FusedMatMul, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { blasMatMul } from "../blas/blas-kernels.js";
import { nativeBlasInUse } from "../blas/use-native-blas.js";
import { originalWasmKernel, WasmOps } from "../wasm-ops.js";

/**
 * BatchMatMul and _FusedMatMul with transposeA/transposeB for the wasm backend.
 *
 * tfjs-backend-wasm runs the plain product on XNNPACK, but a product with a transposed
 * operand takes a loop that is 10-18x slower; dense-layer gradients (dy * W^T, x^T * dy)
 * always take it. An explicit Transpose (cheap, also XNNPACK) followed by the plain product
 * gives the same numbers much faster. With a native BLAS active, the product runs there
 * instead, transposes included (see blas/blas-kernels.ts).
 */
function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function withExplicitTransposes(kernelName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const blas = nativeBlasInUse();
    if (blas !== undefined) {
      const out = blasMatMul(blas, backend as BackendWasm, inputs as never, (attrs ?? {}) as never);
      if (out !== undefined) return out;
    }
    const original = originalWasmKernel(kernelName);
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const ops = new WasmOps(backend as BackendWasm);
    const aPlain = transposeA ? ops.transpose(a, lastTwoSwapped(a.shape.length)) : a;
    const bPlain = transposeB ? ops.transpose(b, lastTwoSwapped(b.shape.length)) : b;
    try {
      return original({
        inputs: { ...inputs, a: aPlain, b: bPlain },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (aPlain !== a) ops.dispose(aPlain);
      if (bPlain !== b) ops.dispose(bPlain);
    }
  };
}

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: "wasm",
  kernelFunc: withExplicitTransposes(BatchMatMul),
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: "wasm",
  kernelFunc: withExplicitTransposes(_FusedMatMul),
};
