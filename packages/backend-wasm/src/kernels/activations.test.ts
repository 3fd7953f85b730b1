import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

const shapes = [[7], [5, 3], [3, 5, 7, 2], [2, 4, 4, 16]];

describe("LeakyRelu on wasm (Prelu with one slope per channel) matches cpu", () => {
  for (const alpha of [0.2, 0, 1.5]) {
    it.each(shapes.map((s) => [JSON.stringify(s), s] as const))(`alpha ${alpha}, shape %s`, (_, shape) => {
      expectWasmMatchesCpu(() => tf.leakyRelu(seededTensor([...shape], 101), alpha), 1e-6);
    });
  }

  it("int32 input (the original kernel's path) gives float32", () => {
    const out = onBackend("wasm", () => tf.leakyRelu(tf.tensor1d([-2, 3], "int32"), 0.5));
    expect([...out.values]).toEqual([-1, 3]);
  });
});

describe("Tanh on wasm (2 sigmoid(2x) - 1) matches cpu", () => {
  it.each(shapes.map((s) => [JSON.stringify(s), s] as const))("shape %s", (_, shape) => {
    expectWasmMatchesCpu(() => tf.tanh(tf.mul(seededTensor([...shape], 102), 4)));
  });

  it("saturates to exactly -1 and 1, and keeps 0 within float32 rounding", () => {
    const out = onBackend("wasm", () => tf.tanh(tf.tensor1d([-50, 0, 50, 1e-3]))).values;
    expect(out[0]).toBe(-1);
    expect(out[2]).toBe(1);
    expect(Math.abs(out[1] as number)).toBeLessThan(3e-7);
    expect(Math.abs((out[3] as number) - Math.tanh(1e-3))).toBeLessThan(3e-7);
  });
});

describe("the LeakyRelu gradient dy * step(x, alpha)", () => {
  it("gives exactly tfjs-core's where(x > 0, dy, dy * alpha), on cpu and wasm", () => {
    for (const backend of ["cpu", "wasm"] as const) {
      const ours = onBackend(backend, () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(x, 0.2), seededTensor([3, 5, 7, 2], 104))))(seededTensor([3, 5, 7, 2], 103)),
      ).values;
      const reference = onBackend(backend, () => {
        const x = seededTensor([3, 5, 7, 2], 103);
        const dy = seededTensor([3, 5, 7, 2], 104);
        return tf.where(tf.greater(x, 0), dy, tf.mul(dy, 0.2));
      }).values;
      expect([...ours]).toEqual([...reference]);
    }
  });
});
