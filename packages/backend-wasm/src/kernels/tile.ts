import { Tile, util, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { originalWasmKernel } from "../wasm-ops.js";

/**
 * Tile by block copies. wasm's Tile computes every output element's source index with a
 * division per axis; batch norm's gradient tiles a [1, 1, 1, C] vector to a whole feature map
 * each step, which took 40-90 ms per call on DCGAN shapes ([64, 14, 14, 64]). Here each
 * source row is copied once and every repetition is a doubling `copyWithin` (a memmove), so
 * the same call is a few large copies. The values are copies either way: bit-identical.
 */
function tileInto(src: Float32Array | Int32Array | Uint8Array, dst: typeof src, shape: number[], reps: number[]): void {
  const rank = shape.length;
  // outStrides[d]: elements of the output per step along axis d.
  const outStrides = new Array<number>(rank);
  const srcStrides = new Array<number>(rank);
  outStrides[rank - 1] = 1;
  srcStrides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) {
    outStrides[d] = outStrides[d + 1]! * shape[d + 1]! * reps[d + 1]!;
    srcStrides[d] = srcStrides[d + 1]! * shape[d + 1]!;
  }
  /** Fills the output block of axis d that starts at `to` from the source block at `from`. */
  const fill = (d: number, from: number, to: number): void => {
    const block = shape[d]! * outStrides[d]!; // one repetition of axis d
    if (d === rank - 1) {
      dst.set(src.subarray(from, from + shape[d]!), to);
    } else {
      for (let i = 0; i < shape[d]!; i++) fill(d + 1, from + i * srcStrides[d]!, to + i * outStrides[d]!);
    }
    for (let done = 1; done < reps[d]!; done *= 2) {
      dst.copyWithin(to + done * block, to, to + Math.min(done, reps[d]! - done) * block);
    }
  };
  fill(0, 0, 0);
}

const tileKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { reps } = attrs as unknown as { reps: number[] };
  if (x.dtype === "string" || x.dtype === "complex64" || x.shape.length === 0 || reps.length !== x.shape.length) {
    return originalWasmKernel(Tile)({ inputs, backend, attrs });
  }
  const wasm = backend as BackendWasm;
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = wasm.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  // Views after the allocation: it can grow the heap.
  tileInto(wasm.typedArrayFromHeap(x) as Float32Array, wasm.typedArrayFromHeap(out) as Float32Array, x.shape, reps);
  return out;
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const tileConfig: KernelConfig = { kernelName: Tile, backendName: "wasm", kernelFunc: tileKernel };
