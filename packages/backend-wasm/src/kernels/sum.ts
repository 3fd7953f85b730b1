import { Mean, Sum, util, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd, type HeapSimd } from "../heap-simd.js";
import { originalWasmKernel, WasmOps } from "../wasm-ops.js";

/**
 * Sum over leading axes for the wasm backend: bias gradients (sum over N, H, W of an NHWC
 * gradient) and the batch sums of broadcast adds. wasm's Sum first transposes the reduced
 * axes to the end; a product ones[1, M] x X[M, C] on XNNPACK does the same reduction
 * about 10x faster ([64, 14, 14, 64] over N, H, W: 7.9 ms before, 0.7 ms after).
 * Other reductions keep the original kernel.
 */
/** The leading axes `axis` names, or undefined when it names other axes (or all of them). */
function leadingAxes(x: TensorInfo, axis: number | number[]): number[] | undefined {
  if (x.dtype !== "float32" || x.shape.length < 2) return undefined;
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (!leading || util.sizeFromShape(x.shape) === 0) return undefined;
  return axes;
}

/** sum over the leading `axes`, as ones[1, rows] x X[rows, cols], reshaped to the kept axes. */
function sumLeading(ops: WasmOps, x: TensorInfo, axes: number[], keepDims: boolean, scale: number): TensorInfo {
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = util.sizeFromShape(x.shape.slice(axes.length));
  // For a mean the ones are 1/rows: the product then sums already-scaled terms.
  const ones = ops.fill([1, 1, rows], scale);
  const x3 = ops.reshape(x, [1, rows, cols]);
  const summed = ops.batchMatMul(ones, x3); // [1, 1, cols]
  ops.dispose(ones, x3);
  const kept = x.shape.slice(axes.length);
  const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
  const out = ops.reshape(summed, outShape);
  ops.dispose(summed);
  return out;
}

/**
 * The reduced axes when they are interior ones (neither the leading axes alone nor the last axis)
 * given in increasing order, as the gradient of a nearest-neighbour upsampling reduces
 * [n, h, 2, w, 2, c] over axes 2 and 4; else undefined. (wasm's kernel adds in the order the
 * axes are given: other orders keep it, for the same values.)
 */
function interiorAxes(x: TensorInfo, axis: number | number[]): number[] | undefined {
  if (x.dtype !== "float32" || util.sizeFromShape(x.shape) === 0) return undefined;
  const axes = util.parseAxisParam(axis, x.shape);
  if (axes.length === 0 || axes.some((a, i) => i > 0 && a <= axes[i - 1]!) || axes[axes.length - 1]! >= x.shape.length - 1) return undefined;
  return axes;
}

/**
 * Sum over interior axes: the input read once, in order, each run of the dimensions after the
 * last reduced axis added into its output run, the runs along that last reduced axis in one
 * call of heapSimd's addInto (one after the other, onto the same output run). wasm's Sum
 * transposes the reduced axes to the end first: 25 ms for the MNIST ResNet's [64, 14, 2, 14, 2, 64]
 * upsampling gradient. Each output value is 0 plus its terms in the row-major order of the
 * reduced indices, in float32 (f32x4.add): what wasm's kernel adds, in its order. Where the SIMD
 * loops cannot reach the heap, wasm's kernel runs.
 */
function sumInterior(backend: BackendWasm, simd: HeapSimd, x: TensorInfo, axes: number[], keepDims: boolean): TensorInfo {
  const shape = x.shape;
  const last = axes[axes.length - 1]!;
  const run = util.sizeFromShape(shape.slice(last + 1));
  const kept = shape.filter((_, d) => !axes.includes(d));
  const out = backend.makeOutput(keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept, "float32");
  // Views after the allocation: it can grow the heap.
  const input = backend.typedArrayFromHeap(x) as Float32Array;
  const sums = backend.typedArrayFromHeap(out) as Float32Array;
  sums.fill(0);
  // The output offset (in runs) of a step along each of axes 0..last: 0 along a reduced axis.
  const outStrides = new Array<number>(last + 1).fill(0);
  for (let d = last, stride = 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    outStrides[d] = stride;
    stride *= shape[d]!;
  }
  const rows = shape[last]!; // the runs along the last reduced axis, all onto one output run
  const index = new Array<number>(last).fill(0);
  const groups = util.sizeFromShape(shape.slice(0, last));
  let outRun = 0;
  for (let g = 0; g < groups; g++) {
    const from = g * rows * run;
    const to = outRun * run;
    simd.addInto(heapAddress(sums, to), heapAddress(input, from), run, rows, 0, 4 * run);
    // Odometer over axes 0..last-1, keeping outRun = the sum of index[d] * outStrides[d].
    for (let d = last - 1; d >= 0; d--) {
      index[d]!++;
      outRun += outStrides[d]!;
      if (index[d]! < shape[d]!) break;
      outRun -= outStrides[d]! * index[d]!;
      index[d] = 0;
    }
  }
  return out;
}

const sumKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = leadingAxes(x, axis);
  if (axes !== undefined) return sumLeading(new WasmOps(backend as BackendWasm), x, axes, keepDims, 1);
  const interior = interiorAxes(x, axis);
  const simd = interior && heapSimd(backend as BackendWasm);
  if (interior !== undefined && simd !== undefined) return sumInterior(backend as BackendWasm, simd, x, interior, keepDims);
  return originalWasmKernel(Sum)({ inputs, backend, attrs });
};

/**
 * Mean over leading axes (batch norm's moments over N, H, W), the same way: wasm's Mean
 * transposes first too ([64, 14, 14, 64]: 6-20 ms per call in a DCGAN step).
 */
const meanKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = leadingAxes(x, axis);
  if (axes === undefined) return originalWasmKernel(Mean)({ inputs, backend, attrs });
  return sumLeading(new WasmOps(backend as BackendWasm), x, axes, keepDims, 1 / util.sizeFromShape(x.shape.slice(0, axes.length)));
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const sumConfig: KernelConfig = { kernelName: Sum, backendName: "wasm", kernelFunc: sumKernel };

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const meanConfig: KernelConfig = { kernelName: Mean, backendName: "wasm", kernelFunc: meanKernel };
