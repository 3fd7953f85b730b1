import { AvgPoolGrad } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, seededTensor, setUpBackends, tf } from "../test-helpers.js";
import { originalWasmKernel } from "../wasm-ops.js";

beforeAll(setUpBackends);

type Pool = [string, [number, number, number, number], [number, number] | number, [number, number] | number, "valid" | "same"];

/** Windows that tile the input (the fast path), then overlapping and padded ones (wasm's own kernel). */
const POOLS: Pool[] = [
  ["2x2 stride 2 valid, 5 channels", [3, 6, 8, 5], 2, 2, "valid"],
  ["2x2 stride 2 same on even sizes (no padding)", [2, 4, 6, 3], 2, 2, "same"],
  ["2x2 stride 2 valid on odd sizes (a row and a column no window reads)", [2, 7, 5, 3], 2, 2, "valid"],
  ["3x2 stride (3, 2), 1 channel", [2, 6, 6, 1], [3, 2], [3, 2], "valid"],
  ["3x3 stride 2, overlapping", [2, 7, 7, 3], 3, 2, "valid"],
  ["2x2 stride 2 same on odd sizes (padded)", [2, 5, 5, 3], 2, 2, "same"],
];

describe("AvgPoolGrad on wasm", () => {
  it.each(POOLS)("%s: matches cpu, and wasm's own kernel bit for bit", (_name, xShape, filterSize, strides, pad) => {
    const dyShape = tf.backend_util.computePool2DInfo(xShape, filterSize, strides, 1, pad).outShape;
    const attrs = { filterSize, strides, pad };
    const grad = () => tf.engine().runKernel(AvgPoolGrad, { dy: seededTensor(dyShape, 1), input: seededTensor(xShape, 2) }, attrs as never) as tf.Tensor;
    expectWasmMatchesCpu(grad, 1e-6);
    tf.setBackend("wasm");
    tf.tidy(() => {
      const inputs = { dy: seededTensor(dyShape, 1), input: seededTensor(xShape, 2) };
      const backend = tf.backend() as BackendWasm;
      const ours = grad().dataSync();
      const own = originalWasmKernel(AvgPoolGrad)({ inputs: inputs as never, backend, attrs: attrs as never }) as tf.TensorInfo;
      const theirs = (backend.typedArrayFromHeap(own) as Float32Array).slice();
      backend.disposeData(own.dataId);
      expect([...ours]).toEqual([...theirs]);
    });
  });
});
