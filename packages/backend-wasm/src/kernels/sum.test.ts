import { Sum } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { originalWasmKernel } from "../wasm-ops.js";
import { expectWasmMatchesCpu, onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

describe("Sum and Mean on wasm match cpu", () => {
  const cases: [number[], number | number[], boolean][] = [
    [[3, 5, 7, 2], [0, 1, 2], false], // a bias gradient: leading axes (matrix product path)
    [[3, 5, 7, 2], [2, 0, 1], true], // the same axes unordered, dimensions kept
    [[64, 14, 14, 16], [0, 1, 2], false],
    [[7, 5], 0, false], // a dense layer's bias gradient
    [[7, 5], [0], true],
    [[3, 5, 7, 2], [3], false], // trailing axis: the original kernel
    [[3, 5, 7, 2], [1, 2], false], // interior axes: one pass in order
    [[3, 5, 7, 2], [0, 1, 2, 3], false], // everything: the original kernel
    [[9], 0, false],
  ];
  it.each(cases.map(([s, a, k]) => [`shape [${s}] axis ${JSON.stringify(a)} keepDims ${k}`, s, a, k] as const))(
    "%s",
    (_, shape, axis, keepDims) => {
      expectWasmMatchesCpu(() => tf.sum(seededTensor([...shape], 111), axis, keepDims), 1e-5);
      expectWasmMatchesCpu(() => tf.mean(seededTensor([...shape], 112), axis, keepDims), 1e-5);
    },
  );

  it.each([
    [[3, 4, 2, 5, 2, 3], [2, 4], false], // an upsampling's gradient
    [[3, 4, 2, 5, 2, 3], [4, 2], true], // axes out of order: wasm's own kernel
    [[2, 3, 4, 5], [0, 2], false], // a leading and an interior axis
    [[2, 3, 4, 5], [1], true],
    [[4, 1, 3, 2], [1, 2], false],
  ] as const)("interior axes of [%s] over %s (keepDims %s): wasm's own kernel's values bit for bit", (shape, axes, keepDims) => {
    tf.setBackend("wasm");
    tf.tidy(() => {
      // Values of mixed magnitudes, so that the order of the additions shows in the last bits.
      const x = tf.mul(seededTensor([...shape], 114), tf.pow(10, tf.floor(tf.mul(seededTensor([...shape], 115), 4))));
      const backend = tf.backend() as BackendWasm;
      const ours = tf.sum(x, [...axes], keepDims);
      const own = originalWasmKernel(Sum)({ inputs: { x } as never, backend, attrs: { axis: [...axes], keepDims } as never }) as tf.TensorInfo;
      const theirs = (backend.typedArrayFromHeap(own) as Float32Array).slice();
      backend.disposeData(own.dataId);
      expect(ours.shape).toEqual(own.shape);
      expect([...ours.dataSync()]).toEqual([...theirs]);
    });
    expectWasmMatchesCpu(() => tf.sum(seededTensor([...shape], 116), [...axes], keepDims), 1e-5);
  });

  it("batch norm's moments over N, H, W (leading axes)", () => {
    expectWasmMatchesCpu(() => tf.moments(seededTensor([8, 5, 7, 6], 113), [0, 1, 2]).variance, 1e-5);
  });

  it("int32 sums stay exact (the original kernel)", () => {
    const out = onBackend("wasm", () => tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"), 0));
    expect([...out.values]).toEqual([4, 6]);
  });
});
