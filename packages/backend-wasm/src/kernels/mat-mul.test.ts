import { beforeAll, describe, it } from "vitest";
import { describeOnBothKernelPaths, expectWasmMatchesCpu, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

const shapes = {
  plain: { a: [1, 5, 7], b: [1, 7, 3] },
  transposeA: { a: [1, 7, 5], b: [1, 7, 3] },
  transposeB: { a: [1, 5, 7], b: [1, 3, 7] },
  both: { a: [1, 7, 5], b: [1, 3, 7] },
};
const flags = {
  plain: [false, false],
  transposeA: [true, false],
  transposeB: [false, true],
  both: [true, true],
} as const;

describeOnBothKernelPaths("BatchMatMul on wasm matches cpu", () => {
  for (const batch of [1, 3]) {
    it.each(Object.keys(shapes) as (keyof typeof shapes)[])(`%s, batch ${batch}`, (kind) => {
      const [transposeA, transposeB] = flags[kind];
      const a = [batch, ...shapes[kind].a.slice(1)];
      const b = [batch, ...shapes[kind].b.slice(1)];
      expectWasmMatchesCpu(() =>
        tf.engine().runKernel("BatchMatMul", { a: seededTensor(a, 31), b: seededTensor(b, 32) }, { transposeA, transposeB }) as tf.Tensor,
      );
    });
  }

  it("a batch over two leading axes (attention's products, one matrix pair at a time on XNNPACK)", () => {
    for (const [transposeA, transposeB] of [[false, false], [false, true]] as const) {
      expectWasmMatchesCpu(() =>
        tf.engine().runKernel(
          "BatchMatMul",
          { a: seededTensor([2, 3, 5, 7], 38), b: seededTensor(transposeB ? [2, 3, 4, 7] : [2, 3, 7, 4], 39) },
          { transposeA, transposeB },
        ) as tf.Tensor,
      );
    }
  });

  it("broadcasts a batch of one against a batch of three, with transposes", () => {
    expectWasmMatchesCpu(() =>
      tf.engine().runKernel(
        "BatchMatMul",
        { a: seededTensor([3, 7, 5], 33), b: seededTensor([1, 3, 7], 34) },
        { transposeA: true, transposeB: true },
      ) as tf.Tensor,
    );
  });

  it("dense-layer gradients (dy W^T and x^T dy) through tf.grads", () => {
    for (const which of [0, 1]) {
      expectWasmMatchesCpu(() => {
        const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.tanh(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D)), seededTensor([6, 4], 37)));
        return tf.grads(loss)([seededTensor([6, 5], 35), seededTensor([5, 4], 36)])[which] as tf.Tensor;
      });
    }
  });
});

describeOnBothKernelPaths("_FusedMatMul on wasm matches cpu", () => {
  it.each(Object.keys(shapes) as (keyof typeof shapes)[])("%s, with bias and relu", (kind) => {
    const [transposeA, transposeB] = flags[kind];
    expectWasmMatchesCpu(() =>
      tf.fused.matMul({
        a: seededTensor(shapes[kind].a.slice(1), 38) as tf.Tensor2D,
        b: seededTensor(shapes[kind].b.slice(1), 39) as tf.Tensor2D,
        transposeA,
        transposeB,
        bias: seededTensor([3], 40),
        activation: "relu",
      }),
    );
  });

  it("gradients of a fused dense layer with bias", () => {
    for (const which of [0, 1, 2]) {
      expectWasmMatchesCpu(() => {
        const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }), seededTensor([6, 4], 44)));
        return tf.grads(loss)([seededTensor([6, 5], 41), seededTensor([5, 4], 42), seededTensor([4], 43)])[which] as tf.Tensor;
      });
    }
  });
});
