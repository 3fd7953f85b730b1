import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

describe("Identity on wasm shares its input's buffer", () => {
  it("a clone adds no buffer, keeps its values after the original is disposed, and the last reference frees the buffer", () => {
    tf.setBackend("wasm");
    const x = seededTensor([3, 4], 130);
    const values = [...x.dataSync()];
    const buffers = tf.backend().numDataIds();
    const clone = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(buffers);
    x.dispose();
    expect([...clone.dataSync()]).toEqual(values);
    clone.dispose();
    expect(tf.backend().numDataIds()).toBe(buffers - 1);
  });

  it("int32 and bool tensors", () => {
    tf.setBackend("wasm");
    for (const dtype of ["int32", "bool"] as const) {
      const x = tf.tensor1d([1, 0, 3], dtype);
      expect([...tf.clone(x).dataSync()]).toEqual([...x.dataSync()]);
    }
  });

  it("gradients through saved tensors (the tape clones what it keeps) equal cpu's", () => {
    expectWasmMatchesCpu(() => {
      const x = seededTensor([4, 6], 132);
      const w = seededTensor([6, 3], 133);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(tf.exp(input), w)))))(x);
    });
  });
});

describe("Cast on wasm", () => {
  it("to the dtype a tensor has shares its buffer; to another dtype it converts", () => {
    tf.setBackend("wasm");
    const x = seededTensor([3, 4], 134);
    const buffers = tf.backend().numDataIds();
    const same = tf.cast(x, "float32");
    expect(tf.backend().numDataIds()).toBe(buffers);
    x.dispose();
    expect([...same.dataSync()].length).toBe(12);
    const ints = tf.tensor1d([1.7, -2.2, 0], "float32");
    expect([...tf.cast(ints, "int32").dataSync()]).toEqual([1, -2, 0]);
    expect([...tf.cast(tf.tensor1d([3, 0, -1], "int32"), "bool").dataSync()]).toEqual([1, 0, 1]);
    expect([...tf.cast(tf.tensor1d([0.5, 0, NaN], "float32"), "bool").dataSync()]).toEqual([1, 0, 1]);
    expect([...tf.cast(tf.tensor1d([3, 0], "int32"), "int32").dataSync()]).toEqual([3, 0]);
    same.dispose();
  });

  it("the gradients that cast float32 to float32 (ReLU, Abs, Multiply) equal cpu's", () => {
    expectWasmMatchesCpu(() => {
      const x = seededTensor([4, 6], 135);
      const w = seededTensor([6, 3], 136);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.abs(tf.relu(tf.matMul(input, w))), 0.5)))(x);
    });
  });
});
