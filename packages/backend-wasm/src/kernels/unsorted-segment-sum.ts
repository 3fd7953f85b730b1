import { UnsortedSegmentSum, util, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks: the gradient of `gather`, so of an
 * embedding's table (a class id's vector is a gathered row). out[s, ...] = sum of the rows of x
 * whose segment id is s; ids outside [0, numSegments) are dropped, as on cpu.
 */
const unsortedSegmentSumKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const wasm = backend as BackendWasm;
  const rows = util.sizeFromShape(segmentIds.shape);
  const inner = util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views after the allocation: it can grow the heap.
  const values = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
  const sums = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  sums.fill(0);
  for (let row = 0; row < rows; row++) {
    const segment = ids[row] as number;
    if (segment < 0 || segment >= numSegments) continue;
    for (let i = 0; i < inner; i++) sums[segment * inner + i]! += values[row * inner + i] as number;
  }
  return out;
};

/** Registered by `registerWasmTraining` (wasm has none to replace). */
export const unsortedSegmentSumConfig: KernelConfig = { kernelName: UnsortedSegmentSum, backendName: "wasm", kernelFunc: unsortedSegmentSumKernel };
