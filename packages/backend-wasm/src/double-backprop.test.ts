import { beforeAll, describe, expect, it } from "vitest";
import {
  centralDifferences,
  f32,
  onBackend,
  relativeError,
  seededValues,
  setUpBackends,
  sizeOf,
  tf,
  type Backend,
} from "./test-helpers.js";
import { conv2dRef, conv2dTransposeRef, type ConvGeometry } from "./test-reference-conv.js";
import { OUTPUT_GRADIENT_KERNELS, ZERO_GRADIENT_KERNELS } from "./index.js";

/**
 * Gradient penalties: the gradient, with respect to D's weights, of ||grad_x D(x)||^2.
 * Checked on wasm against cpu and against float64 central differences of a JavaScript
 * implementation of the penalty itself.
 */
beforeAll(setUpBackends);

describe("gradient penalty through conv + leakyrelu + dense", () => {
  // D(x)_n = sum_k v_k * leakyRelu(conv(x, W) + b)_{n,k} + c; x: [2, 5, 5, 2], W: 3x3, stride 2.
  const xShape: [number, number, number, number] = [2, 5, 5, 2];
  const wShape = [3, 3, 2, 3];
  const alpha = 0.2;
  const info = tf.backend_util.computeConv2DInfo(xShape, wShape as [number, number, number, number], 2, 1, "same");
  const g: ConvGeometry = {
    x: xShape,
    kernel: [3, 3],
    strides: [2, 2],
    padTopLeft: [info.padInfo.top, info.padInfo.left],
    out: [info.outHeight, info.outWidth],
  };
  const features = g.out[0] * g.out[1] * 3;
  const xv = seededValues(sizeOf(xShape), 71);
  const params = {
    w: seededValues(sizeOf(wShape), 72),
    b: seededValues(3, 73).map((v) => 0.1 * v),
    v: seededValues(features, 74),
  };

  /** The penalty in float64 JavaScript: grad_x D = conv^T(v * leakyRelu'(z), W). */
  function penaltyRef(w: Float64Array, b: Float64Array, v: Float64Array): { penalty: number; minAbsZ: number } {
    const z = conv2dRef(xv, w, g, 3);
    let minAbsZ = Infinity;
    const dz = new Float64Array(z.length);
    for (let i = 0; i < z.length; i++) {
      const zi = (z[i] as number) + (b[i % 3] as number);
      minAbsZ = Math.min(minAbsZ, Math.abs(zi));
      dz[i] = (v[i % features] as number) * (zi > 0 ? 1 : alpha);
    }
    const gx = conv2dTransposeRef(dz, w, g, 3);
    return { penalty: gx.reduce((s, e) => s + e * e, 0), minAbsZ };
  }

  function penaltyGradients(backend: Backend): Float32Array {
    return onBackend(backend, () => {
      const x = tf.tensor(f32(xv), xShape);
      const penalty = (w: tf.Tensor, b: tf.Tensor, v: tf.Tensor) => {
        const d = (input: tf.Tensor) => {
          // The fused convolution, as tfjs-layers' conv2d runs it.
          const z = tf.fused.conv2d({ x: input as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: "same", bias: b });
          return tf.matMul(tf.reshape(tf.leakyRelu(z, alpha), [2, features]), tf.reshape(v, [features, 1]));
        };
        const gradX = tf.grad((input: tf.Tensor) => tf.sum(d(input)))(x);
        return tf.sum(tf.square(gradX));
      };
      const grads = tf.grads(penalty)([
        tf.tensor(f32(params.w), wShape),
        tf.tensor(f32(params.b), [3]),
        tf.tensor(f32(params.v), [features]),
      ]);
      return tf.concat(grads.map((t) => tf.reshape(t, [-1])));
    }).values;
  }

  it("on wasm matches cpu", () => {
    const cpu = penaltyGradients("cpu");
    expect(relativeError(penaltyGradients("wasm"), cpu)).toBeLessThan(1e-4);
    expect(cpu.some((e) => e !== 0)).toBe(true);
  });

  it("on wasm matches float64 central differences", () => {
    // Central differences are only valid away from leakyRelu's kink.
    expect(penaltyRef(params.w, params.b, params.v).minAbsZ).toBeGreaterThan(1e-3);
    const all = new Float64Array([...params.w, ...params.b, ...params.v]);
    const nw = params.w.length;
    const split = (p: Float64Array) => [p.subarray(0, nw), p.subarray(nw, nw + 3), p.subarray(nw + 3)] as const;
    const fd = centralDifferences((p) => penaltyRef(...split(p)).penalty, all);
    expect(relativeError(penaltyGradients("wasm"), fd)).toBeLessThan(1e-4);
  });
});

/**
 * The same penalty for a dense D with each activation whose gradient builds a mask from
 * comparisons, or uses the op's own output: D(x) = act(x W + b) v, so
 * grad_x D = dD/dz W^T. The float64 reference needs dD/dz; the penalty's gradient follows.
 */
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
type Elementwise = (z: number, unit: number) => number;
const elementwise = (actPrime: Elementwise) => (z: number[], v: Float64Array) => z.map((zj, j) => actPrime(zj, j) * (v[j] as number));
const activations: [string, (z: tf.Tensor) => tf.Tensor, (z: number[], v: Float64Array) => number[]][] = [
  ["leakyRelu (Greater)", (z) => tf.leakyRelu(z, 0.2), elementwise((z) => (z > 0 ? 1 : 0.2))],
  ["relu (Step)", (z) => tf.relu(z), elementwise((z) => (z > 0 ? 1 : 0))],
  ["relu6 (LessEqual)", (z) => tf.relu6(z), elementwise((z) => (z > 0 && z <= 6 ? 1 : 0))],
  ["prelu (Greater)", (z) => tf.prelu(z, tf.tensor1d([0.1, 0.2, 0.3, 0.4, 0.5])), elementwise((z, j) => (z > 0 ? 1 : 0.1 * (j + 1)))],
  ["selu (Greater)", (z) => tf.selu(z), elementwise((z) => (z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(z)))],
  ["maximum (GreaterEqual)", (z) => tf.maximum(z, 0.1), elementwise((z) => (z >= 0.1 ? 1 : 0))],
  ["minimum (LessEqual)", (z) => tf.minimum(z, 0.3), elementwise((z) => (z <= 0.3 ? 1 : 0))],
  ["clipByValue (LogicalAnd)", (z) => tf.clipByValue(z, -0.5, 0.5), elementwise((z) => (z >= -0.5 && z <= 0.5 ? 1 : 0))],
  ["abs (Step)", (z) => tf.abs(z), elementwise((z) => Math.sign(z))],
  ["where (Select, LogicalNot)", (z) => tf.where(tf.greater(z, 0), z, tf.mul(z, 0.3)), elementwise((z) => (z > 0 ? 1 : 0.3))],
  ["softplus", (z) => tf.softplus(z), elementwise((z) => sigmoid(z))],
  ["tanh (its gradient uses the output)", (z) => tf.tanh(z), elementwise((z) => 1 - Math.tanh(z) ** 2)],
  ["sigmoid (its gradient uses the output)", (z) => tf.sigmoid(z), elementwise((z) => sigmoid(z) * (1 - sigmoid(z)))],
  ["exp (its gradient uses the output)", (z) => tf.exp(tf.mul(z, 0.25)), elementwise((z) => 0.25 * Math.exp(0.25 * z))],
  ["elu (its gradient uses the output, then EluGrad)", (z) => tf.elu(z), elementwise((z) => (z > 0 ? 1 : Math.exp(z)))],
  [
    "softmax (its gradient uses the output)",
    (z) => tf.softmax(tf.mul(z, 0.25)),
    (z, v) => {
      const e = z.map((zj) => Math.exp(0.25 * zj));
      const total = e.reduce((a, b) => a + b, 0);
      const s = e.map((ej) => ej / total);
      const sv = s.reduce((acc, sj, j) => acc + sj * (v[j] as number), 0);
      return s.map((sj, j) => 0.25 * sj * ((v[j] as number) - sv));
    },
  ],
];

describe.each(activations)("gradient penalty through a dense layer with %s", (_, act, dDdz) => {
  const [n, din, dout] = [3, 4, 5];
  // Inputs scaled so pre-activations spread over about [-8, 8]: relu6's upper kink matters.
  const xv = seededValues(n * din, 81).map((v) => 4 * v);
  const params = { w: seededValues(din * dout, 82), b: seededValues(dout, 83), v: seededValues(dout, 84) };

  function penaltyRef(w: Float64Array, b: Float64Array, v: Float64Array): { penalty: number; distanceToKink: number } {
    let penalty = 0;
    let distanceToKink = Infinity;
    for (let s = 0; s < n; s++) {
      const z: number[] = [];
      for (let j = 0; j < dout; j++) {
        let zj = b[j] as number;
        for (let i = 0; i < din; i++) zj += (xv[s * din + i] as number) * (w[i * dout + j] as number);
        for (const kink of [0, 0.1, 0.3, -0.5, 0.5, 6]) distanceToKink = Math.min(distanceToKink, Math.abs(zj - kink));
        z.push(zj);
      }
      const dz = dDdz(z, v);
      for (let i = 0; i < din; i++) {
        let gx = 0;
        for (let j = 0; j < dout; j++) gx += (dz[j] as number) * (w[i * dout + j] as number);
        penalty += gx * gx;
      }
    }
    return { penalty, distanceToKink };
  }

  function penaltyGradients(backend: Backend): Float32Array {
    return onBackend(backend, () => {
      const x = tf.tensor(f32(xv), [n, din]);
      const penalty = (w: tf.Tensor, b: tf.Tensor, v: tf.Tensor) => {
        const d = (input: tf.Tensor) => tf.matMul(act(tf.add(tf.matMul(input as tf.Tensor2D, w as tf.Tensor2D), b)) as tf.Tensor2D, tf.reshape(v, [dout, 1]));
        return tf.sum(tf.square(tf.grad((input: tf.Tensor) => tf.sum(d(input)))(x)));
      };
      const grads = tf.grads(penalty)([tf.tensor(f32(params.w), [din, dout]), tf.tensor(f32(params.b), [dout]), tf.tensor(f32(params.v), [dout])]);
      return tf.concat(grads.map((t) => tf.reshape(t, [-1])));
    }).values;
  }

  it("works on wasm and cpu, and matches float64 central differences", () => {
    expect(penaltyRef(params.w, params.b, params.v).distanceToKink).toBeGreaterThan(1e-3);
    const all = new Float64Array([...params.w, ...params.b, ...params.v]);
    const [nw, nb] = [params.w.length, params.b.length];
    const fd = centralDifferences(
      (p) => penaltyRef(p.subarray(0, nw), p.subarray(nw, nw + nb), p.subarray(nw + nb)).penalty,
      all,
    );
    expect(relativeError(penaltyGradients("cpu"), fd)).toBeLessThan(1e-4);
    expect(relativeError(penaltyGradients("wasm"), fd)).toBeLessThan(1e-4);
  });
});

describe("gradient penalty through a max-reduction (Equal)", () => {
  it("wasm matches cpu", () => {
    const run = (backend: Backend) =>
      onBackend(backend, () => {
        const x = tf.tensor(f32(seededValues(12, 91)), [3, 4]);
        const penalty = (w: tf.Tensor) =>
          tf.sum(tf.square(tf.grad((input: tf.Tensor) => tf.sum(tf.max(tf.matMul(input as tf.Tensor2D, w as tf.Tensor2D), 1)))(x)));
        return tf.grad(penalty)(tf.tensor(f32(seededValues(20, 92)), [4, 5]));
      }).values;
    const cpu = run("cpu");
    expect(relativeError(run("wasm"), cpu)).toBeLessThan(1e-4);
    expect(cpu.some((e) => e !== 0)).toBe(true);
  });
});

describe("the zero gradients", () => {
  it("cover the comparison and logical kernels tfjs-core ships no gradient for", () => {
    expect([...ZERO_GRADIENT_KERNELS].sort()).toEqual(
      ["Equal", "Greater", "Less", "LessEqual", "LogicalAnd", "LogicalNot", "LogicalOr", "LogicalXor", "NotEqual"].sort(),
    );
    expect([...OUTPUT_GRADIENT_KERNELS].sort()).toEqual(["Elu", "Exp", "Sigmoid", "Softmax", "Tanh"]);
    for (const kernel of [...ZERO_GRADIENT_KERNELS, "GreaterEqual", "Step"]) {
      expect(tf.getGradient(kernel), kernel).toBeTruthy();
    }
  });

  it("are zeros of each input's shape, float32 even for boolean inputs", () => {
    tf.setBackend("cpu");
    const [da, db] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.cast(tf.greater(a, b), "float32")))([
      tf.tensor2d([[1, -2, 3]]),
      tf.tensor1d([0]),
    ]);
    expect(da!.shape).toEqual([1, 3]);
    expect(db!.shape).toEqual([1]);
    expect([...da!.dataSync(), ...db!.dataSync()]).toEqual([0, 0, 0, 0]);
    const dNot = tf.grad((a: tf.Tensor) => tf.sum(tf.cast(tf.logicalNot(tf.greater(a, 0)), "float32")))(tf.tensor1d([1, -1]));
    expect(dNot.dtype).toBe("float32");
    expect([...dNot.dataSync()]).toEqual([0, 0]);
  });
});
