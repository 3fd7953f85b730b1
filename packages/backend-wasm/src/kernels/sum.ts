import { Sum, util, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { originalWasmKernel, WasmOps } from "../wasm-ops.js";

/**
 * Sum over leading axes for the wasm backend: bias gradients (sum over N, H, W of an NHWC
 * gradient) and the batch sums of broadcast adds. wasm's Sum first transposes the reduced
 * axes to the end; a product ones[1, M] x X[M, C] on XNNPACK does the same reduction
 * about 10x faster ([64, 14, 14, 64] over N, H, W: 7.9 ms before, 0.7 ms after).
 * Other reductions keep the original kernel.
 */
const sumKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const original = () => originalWasmKernel(Sum)({ inputs, backend, attrs });
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== "float32" || x.shape.length < 2) return original();
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (!leading) return original();
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = util.sizeFromShape(x.shape.slice(axes.length));
  if (rows * cols === 0) return original();

  const ops = new WasmOps(backend as BackendWasm);
  const ones = ops.fill([1, 1, rows], 1);
  const x3 = ops.reshape(x, [1, rows, cols]);
  const summed = ops.batchMatMul(ones, x3); // [1, 1, cols]
  ops.dispose(ones, x3);
  const kept = x.shape.slice(axes.length);
  const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
  const out = ops.reshape(summed, outShape);
  ops.dispose(summed);
  return out;
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const sumConfig: KernelConfig = { kernelName: Sum, backendName: "wasm", kernelFunc: sumKernel };
