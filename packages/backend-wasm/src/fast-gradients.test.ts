import { beforeAll, describe, expect, it } from "vitest";
import { meanGradConfig, sumGradConfig } from "./fast-gradients.js";
import { centralDifferences, seededTensor, seededValues, setUpBackends, tf, type Backend } from "./test-helpers.js";

beforeAll(setUpBackends);

const bits = (t: tf.Tensor) => [...new Uint32Array(Float32Array.from(t.dataSync()).buffer)];

/** Reductions as batch norm and the losses take them: over all axes, leading axes, one middle axis, keepDims. */
const CASES: [string, number[], number | number[] | undefined, boolean][] = [
  ["all axes", [4, 3, 5], undefined, false],
  ["N, H, W of a feature map", [3, 4, 5, 6], [0, 1, 2], false],
  ["a middle axis, kept", [3, 4, 5], 1, true],
  ["a negative axis", [6, 7], -1, false],
];

describe.each(["cpu", "wasm"] as Backend[])("Sum and Mean gradients on %s", (backend) => {
  it.each(CASES)("are bit-identical to tfjs-core's dy * ones(x.shape) (/ size): %s", (_name, shape, axis, keepDims) => {
    tf.setBackend(backend);
    expect(tf.getGradient("Sum")).toBe(sumGradConfig);
    expect(tf.getGradient("Mean")).toBe(meanGradConfig);
    tf.tidy(() => {
      const x = seededTensor(shape, 140);
      const outShape = tf.sum(x, axis, keepDims).shape;
      // Values of every scale, and a NaN and infinities, which the product with ones passes on.
      const dyValues = Float32Array.from(seededValues(outShape.reduce((a, b) => a * b, 1), 141), (v, i) => (i === 1 ? NaN : i === 2 ? -Infinity : v * 10 ** ((i % 9) - 4)));
      const dy = tf.tensor(dyValues, outShape);
      const axes = tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape);
      const expandedDy = tf.reshape(dy, shape.map((size, i) => (axes.includes(i) ? 1 : size)));
      const ones = tf.ones(shape);
      const reduceSize = axes.reduce((n, a) => n * shape[a]!, 1);
      const [sumGrad] = tf.grads((input: tf.Tensor) => tf.sum(input, axis, keepDims))([x], dy);
      const [meanGrad] = tf.grads((input: tf.Tensor) => tf.mean(input, axis, keepDims))([x], dy);
      expect(bits(sumGrad!)).toEqual(bits(tf.mul(expandedDy, ones)));
      expect(bits(meanGrad!)).toEqual(bits(tf.div(tf.mul(expandedDy, ones), reduceSize)));
    });
  });

  it("gradients of gradients through them match central differences (a penalty on a mean's gradient)", () => {
    tf.setBackend(backend);
    const shape = [2, 3, 4];
    const x0 = seededValues(24, 142);
    // L(x) = sum(w * d/dx mean_axis1(x^3 * w)): second derivatives flow through the Mean gradient.
    const w = seededValues(24, 143);
    const loss = (x: tf.Tensor) => {
      const wt = tf.tensor(Float32Array.from(w), shape);
      const inner = tf.grad((y: tf.Tensor) => tf.sum(tf.mean(tf.mul(tf.pow(y, 3), wt), 1)))(x);
      return tf.sum(tf.mul(inner, wt)) as tf.Scalar;
    };
    const analytic = tf.tidy(() => tf.grad(loss)(tf.tensor(Float32Array.from(x0), shape)).dataSync());
    const numeric = centralDifferences((p) => {
      // d/dx_i mean_1(x^3 w) = 3 x_i^2 w_i / 3 (axis 1 has 3 entries); L = sum(x_i^2 w_i^2).
      let sum = 0;
      for (let i = 0; i < p.length; i++) sum += p[i]! * p[i]! * w[i]! * w[i]!;
      return sum;
    }, x0);
    analytic.forEach((v, i) => expect(v).toBeCloseTo(numeric[i]!, 3));
  });
});
