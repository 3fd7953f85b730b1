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
 * gives the same numbers much faster. A batch of products runs one matrix pair at a time
 * (productPerMatrix). With a native BLAS active, the product runs there instead, transposes
 * included (see blas/blas-kernels.ts).
 */
function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * A batch of products, one matrix pair at a time. wasm's BatchMatMul runs on XNNPACK only
 * when b is a single matrix; a batch of b's (self-attention's [n, N, N] x [n, N, c]) takes a
 * loop about 4x slower than the same products one by one. Each pair is copied out of the
 * batch (a small cost beside its product) and its product copied into place.
 */
function productPerMatrix(original: KernelFunc, a: TensorInfo, b: TensorInfo, backend: BackendWasm): TensorInfo {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape.at(-1)!;
  const batch = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const ops = new WasmOps(backend);
  const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], "float32");
  /** Matrix i of x as a tensor of its own: a heap copy (wasm's Slice is a slow loop). */
  const matrixAt = (x: TensorInfo, i: number, rows: number, columns: number): TensorInfo => {
    const size = rows * columns;
    const matrix = backend.makeOutput([1, rows, columns], "float32");
    // Views after the allocation: it can grow the heap.
    (backend.typedArrayFromHeap(matrix) as Float32Array).set((backend.typedArrayFromHeap(x) as Float32Array).subarray(i * size, (i + 1) * size));
    return matrix;
  };
  for (let i = 0; i < batch; i++) {
    const ai = matrixAt(a, i, m, k);
    const bi = matrixAt(b, i, k, n);
    const product = original({ inputs: { a: ai, b: bi }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
    (backend.typedArrayFromHeap(out) as Float32Array).set(backend.typedArrayFromHeap(product) as Float32Array, i * m * n);
    ops.dispose(ai, bi, product);
  }
  return out;
}

/** Whether a and b are batches of the same number (more than one) of matrices, without broadcasting. */
function sameBatchOfMany(a: TensorInfo, b: TensorInfo): boolean {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const size = batchB.reduce((x, y) => x * y, 1);
  return size > 1 && batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
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
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    // _FusedMatMul's bias and activation need the whole product: only BatchMatMul is split.
    const perMatrix = kernelName === BatchMatMul && sameBatchOfMany(a, b);
    if (!transposeA && !transposeB && !perMatrix) return original({ inputs, backend, attrs });
    const ops = new WasmOps(backend as BackendWasm);
    const aPlain = transposeA ? ops.transpose(a, lastTwoSwapped(a.shape.length)) : a;
    const bPlain = transposeB ? ops.transpose(b, lastTwoSwapped(b.shape.length)) : b;
    try {
      if (perMatrix) return productPerMatrix(original, aPlain, bPlain, backend as BackendWasm);
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
