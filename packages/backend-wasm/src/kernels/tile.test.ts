import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

describe("Tile on wasm gives exactly cpu's values", () => {
  const cases: [number[], number[]][] = [
    [[1, 1, 1, 6], [4, 5, 3, 1]], // batch norm's gradient: a channel vector over a feature map
    [[2, 3], [3, 2]],
    [[2, 1, 3], [1, 4, 1]],
    [[3], [5]],
    [[2, 3, 4], [1, 1, 1]],
    [[2, 2, 2, 2, 3], [2, 1, 3, 1, 2]],
    [[4, 2], [0, 3]], // an empty result
  ];
  it.each(cases.map(([shape, reps]) => [`[${shape}] by [${reps}]`, shape, reps] as const))("%s", (_, shape, reps) => {
    const f = () => tf.tile(seededTensor([...shape], 120), [...reps]);
    const cpu = onBackend("cpu", f);
    const wasm = onBackend("wasm", f);
    expect(wasm.shape).toEqual(cpu.shape);
    expect([...wasm.values]).toEqual([...cpu.values]);
  });

  it("int32 and bool tensors", () => {
    for (const dtype of ["int32", "bool"] as const) {
      const f = () => tf.tile(tf.tensor2d([1, 0, 3, 4], [2, 2], dtype), [2, 3]);
      expect([...onBackend("wasm", f).values]).toEqual([...onBackend("cpu", f).values]);
    }
  });

  it("batch norm's input gradient, which tiles", () => {
    expectWasmMatchesCpu(() => {
      const x = seededTensor([4, 3, 3, 5], 121);
      const loss = (input: tf.Tensor) => {
        const { mean, variance } = tf.moments(input, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(input, mean, variance, seededTensor([5], 122), seededTensor([5], 123), 1e-3), seededTensor([4, 3, 3, 5], 124)));
      };
      return tf.grad(loss)(x);
    });
  });
});
