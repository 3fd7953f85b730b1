import { beforeAll, describe, expect, it } from "vitest";
import { ADJOINT_GRADIENT_KERNELS } from "./index.js";
import {
  f32,
  onBackend,
  relativeError,
  seededValues,
  setUpBackends,
  sizeOf,
  tf,
  type Backend,
} from "./test-helpers.js";

/**
 * The gradients of AvgPoolGrad, MaxPoolGrad, ResizeBilinearGrad and ResizeNearestNeighborGrad
 * (adjoint-gradients.ts), which gradient penalties through pooling and upsampling need.
 */
beforeAll(setUpBackends);

type Op = (x: tf.Tensor4D) => tf.Tensor;

/** dx = K(dy): the first-order gradient of `op` at x, as a function of dy (linear in dy). */
const firstOrder = (op: Op, x: tf.Tensor) => (dy: tf.Tensor) => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(op(input as tf.Tensor4D), dy)))(x);

describe.each<[string, number[], Op]>([
  ["avgpool 2, valid", [2, 4, 4, 2], (x) => tf.avgPool(x, 2, 2, "valid")],
  // 3x3 windows at stride 2 overhang the 5x5 input's border: AvgPool divides those by fewer values.
  ["avgpool 3 stride 2, same", [1, 5, 5, 2], (x) => tf.avgPool(x, 3, 2, "same")],
  ["maxpool 2, same", [2, 5, 5, 2], (x) => tf.maxPool(x, 2, 2, "same")],
  ["maxpool 3 stride 1, valid (overlapping windows)", [1, 5, 4, 2], (x) => tf.maxPool(x, 3, 1, "valid")],
  // relu makes windows of zeros: MaxPoolGrad picks one of the tied positions, and so must its adjoint.
  ["maxpool 2 after relu (tied maxima)", [2, 4, 4, 2], (x) => tf.maxPool(tf.relu(tf.sub(x, 0.6)) as tf.Tensor4D, 2, 2, "valid")],
  ["resize nearest x2", [1, 3, 3, 2], (x) => tf.image.resizeNearestNeighbor(x, [6, 6])],
  ["resize bilinear x2", [2, 3, 3, 2], (x) => tf.image.resizeBilinear(x, [6, 6])],
  ["resize bilinear 3x3 -> 5x4, aligned corners", [1, 3, 3, 2], (x) => tf.image.resizeBilinear(x, [5, 4], true)],
])("the gradient of the gradient of %s", (_, xShape, op) => {
  const xv = seededValues(sizeOf(xShape), 11);

  /**
   * grad_dy <K(dy), v> through the registered gradient, and K^T v built without it: entry w
   * is <K(e_w), v> for the one-hot dy e_w, so it is exactly the adjoint of the kernel the
   * backend runs (its tie-breaking and border rules included).
   */
  function adjoint(backend: Backend): { registered: Float32Array; reference: Float32Array } {
    let reference = new Float32Array(0);
    const registered = onBackend(backend, () => {
      const x = tf.tensor(f32(xv), xShape);
      const dyShape = op(x as tf.Tensor4D).shape;
      const v = tf.tensor(f32(seededValues(sizeOf(xShape), 12)), xShape);
      const kernel = firstOrder(op, x);
      const outputs = sizeOf(dyShape);
      reference = Float32Array.from({ length: outputs }, (_, w) =>
        tf.tidy(() => {
          const oneHot = tf.reshape(tf.oneHot(tf.tensor1d([w], "int32"), outputs), dyShape);
          return tf.sum(tf.mul(kernel(oneHot), v)).dataSync()[0]!;
        }),
      );
      return tf.grad((dy: tf.Tensor) => tf.sum(tf.mul(kernel(dy), v)))(tf.zeros(dyShape));
    }).values;
    return { registered, reference };
  }

  it.each<Backend>(["cpu", "wasm"])("on %s is the adjoint of the kernel", (backend) => {
    const { registered, reference } = adjoint(backend);
    expect(relativeError(registered, reference)).toBeLessThan(1e-6);
    expect(reference.some((e) => e !== 0)).toBe(true);
  });

  it("is the same on wasm as on cpu", () => {
    expect(relativeError(adjoint("wasm").registered, adjoint("cpu").registered)).toBeLessThan(1e-6);
  });
});

describe("the registered kernels", () => {
  it("are the gradient kernels of pooling and resizing", () => {
    expect([...ADJOINT_GRADIENT_KERNELS].sort()).toEqual(["AvgPoolGrad", "MaxPoolGrad", "ResizeBilinearGrad", "ResizeNearestNeighborGrad"]);
    for (const kernel of ADJOINT_GRADIENT_KERNELS) expect(tf.getGradient(kernel), kernel).toBeTruthy();
  });
});
