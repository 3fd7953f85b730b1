import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

/** Inputs shifted down so that many windows hold only negative values: wasm's own kernels fail those. */
const mostlyNegative = (shape: number[], seed: number) => tf.sub(seededTensor(shape, seed), 0.7) as tf.Tensor4D;

describe.each([
  ["2x2, stride 2, valid", [2, 4, 6, 3], 2, 2, "valid"],
  ["2x2, stride 2, same (border windows overhang)", [2, 5, 5, 2], 2, 2, "same"],
  ["3x3, stride 1, same (overlapping windows)", [1, 4, 5, 2], 3, 1, "same"],
] as const)("max pooling on wasm, %s, gives cpu's values", (_, shape, size, stride, pad) => {
  it("MaxPoolGrad (maxpool's gradient)", () => {
    expectWasmMatchesCpu(() => {
      const x = mostlyNegative([...shape], 131);
      const dy = seededTensor(tf.maxPool(x, size, stride, pad).shape, 132);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, size, stride, pad), dy)))(x);
    }, 1e-6);
  });

  it.each([true, false])("MaxPoolWithArgmax, batch in the index: %s", (includeBatchInIndex) => {
    const run = (backend: "cpu" | "wasm") =>
      onBackend(backend, () => {
        const { result, indexes } = tf.maxPoolWithArgmax(mostlyNegative([...shape], 133), size, stride, pad, includeBatchInIndex);
        return tf.concat([tf.reshape(result!, [-1]), tf.reshape(tf.cast(indexes!, "float32"), [-1])]);
      }).values;
    expect([...run("wasm")]).toEqual([...run("cpu")]);
  });
});
