import { centralDifferences, relativeError, seededValues } from "@gan/backend-wasm/testing";
import { beforeAll, describe, expect, test } from "vitest";
import { blasLoadsHere } from "../backend/test-blas.js";
import { selectBackend } from "../backend/select-backend.js";
import { tf } from "../tfjs.js";
import { SIGMOID_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY_GRAD, SOFTPLUS, SOFTPLUS_GRAD } from "./logistic-kernels.js";
import { sigmoidCrossEntropy, softplus } from "./targets.js";

const BACKENDS = blasLoadsHere ? (["cpu", "wasm", "blas"] as const) : (["cpu", "wasm"] as const);

const bits = (tensor: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

/** Logits of every kind a D gives: exact zeros (both signs), tiny, moderate, and far past exp's range. */
const LOGITS = [0, -0, 1e-8, -3e-7, 0.5, -0.5, 2, -3, 17, -25, 88.5, -104, 1e4, -1e4, ...seededValues(50, 31).map((v) => 6 * v)];
const SHAPE = [LOGITS.length, 1];
/** Weights of the loss sum(R * L), so that each element's gradient comes from a different dy. */
const R = seededValues(LOGITS.length, 32);

/** tfjs's ops, as targets.ts ran them before the kernels: the reference. */
const referenceCrossEntropy = (x: tf.Tensor, t: number | tf.Tensor) => tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
const referenceSoftplus = (x: tf.Tensor) => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));

interface Case {
  name: string;
  /** The elementwise loss of logits x and, where the case has them, targets t (a variable). */
  kernel: (x: tf.Tensor, t: tf.Tensor | undefined) => tf.Tensor;
  reference: (x: tf.Tensor, t: tf.Tensor | undefined) => tf.Tensor;
  targets?: ArrayLike<number>;
  kernels: [string, string];
}

const CASES: Case[] = [
  ...[1, 0, 0.9].map((target): Case => ({
    name: `sigmoid cross-entropy against ${target}`,
    kernel: (x) => sigmoidCrossEntropy(x, target),
    reference: (x) => referenceCrossEntropy(x, target),
    kernels: [SIGMOID_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY_GRAD],
  })),
  {
    name: "sigmoid cross-entropy against one target per sample (a label trick's tensor, itself differentiated)",
    kernel: (x, t) => sigmoidCrossEntropy(x, t!),
    reference: (x, t) => referenceCrossEntropy(x, t!),
    targets: seededValues(LOGITS.length, 33).map((v) => 0.5 + 0.5 * v),
    kernels: [SIGMOID_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY_GRAD],
  },
  { name: "softplus", kernel: (x) => softplus(x), reference: (x) => referenceSoftplus(x), kernels: [SOFTPLUS, SOFTPLUS_GRAD] },
];

/** sum(R * loss(x, t)), its gradients with respect to x (and t), and the kernels the engine ran. */
async function lossAndGradients(testCase: Case, loss: (x: tf.Tensor, t: tf.Tensor | undefined) => tf.Tensor) {
  const x = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(LOGITS), SHAPE)));
  const t = testCase.targets && tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(testCase.targets!), SHAPE)));
  const r = tf.tensor(Float32Array.from(R), SHAPE);
  let result: number[][] = [];
  const profile = await tf.profile(() => {
    tf.tidy(() => {
      const variables = t ? [x, t] : [x];
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(loss(x, t), r)), variables);
      result = [value, ...variables.map((v) => grads[v.name]!)].map(bits);
    });
  });
  tf.dispose([x, r, ...(t ? [t] : [])]);
  return { result, kernels: profile.kernels.map((k) => k.name) };
}

describe.each(BACKENDS)("the sigmoid losses' kernels on %s", (backendName) => {
  beforeAll(async () => {
    expect((await selectBackend(backendName)).name).toBe(backendName);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("%s: the loss and its gradients are tfjs's ops' bit for bit, in two kernels", async (_name, testCase) => {
    const tensors = tf.memory().numTensors;
    const reference = await lossAndGradients(testCase, testCase.reference);
    const kernel = await lossAndGradients(testCase, testCase.kernel);
    expect(kernel.result).toEqual(reference.result);
    expect(kernel.result.flat().every((b) => (b & 0x7f800000) !== 0x7f800000)).toBe(true); // all finite
    expect(kernel.kernels.filter((name) => testCase.kernels.includes(name))).toEqual(testCase.kernels);
    expect(kernel.kernels.length).toBeLessThan(reference.kernels.length / 2);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test("the gradient agrees with central differences of the float64 loss", async () => {
    const target = 0.9;
    const moderate = LOGITS.map((v) => Math.max(-20, Math.min(20, v))).map((v) => (Math.abs(v) < 1e-3 ? v + 0.01 : v));
    const loss = (xs: Float64Array) => xs.reduce((sum, x, i) => sum + R[i]! * (Math.max(x, 0) - x * target + Math.log1p(Math.exp(-Math.abs(x)))), 0);
    const expected = centralDifferences(loss, Float64Array.from(moderate), 1e-4);
    const x = tf.tensor(Float32Array.from(moderate), SHAPE);
    const actual = tf.tidy(() => tf.grad((logits: tf.Tensor) => tf.sum(tf.mul(sigmoidCrossEntropy(logits, target), tf.tensor(Float32Array.from(R), SHAPE))))(x).dataSync());
    x.dispose();
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
  });

  test("a gradient of the gradient (taken while a tape records) matches tfjs's ops", () => {
    const secondOrder = (loss: (x: tf.Tensor) => tf.Tensor) =>
      tf.tidy(() => {
        const x = tf.tensor(Float32Array.from(LOGITS.map((v) => Math.max(-20, Math.min(20, v)))), SHAPE);
        const r = tf.tensor(Float32Array.from(R), SHAPE);
        const gradientNorm = (input: tf.Tensor) => tf.sum(tf.square(tf.grad((logits: tf.Tensor) => tf.sum(tf.mul(loss(logits), r)))(input)));
        return tf.grad(gradientNorm)(x).dataSync();
      });
    for (const [kernel, reference] of [
      [(x: tf.Tensor) => sigmoidCrossEntropy(x, 0.9), (x: tf.Tensor) => referenceCrossEntropy(x, 0.9)],
      [softplus, referenceSoftplus],
    ] as const) {
      const expected = secondOrder(reference);
      expect(relativeError(secondOrder(kernel), expected)).toBeLessThan(1e-6);
      expect(expected.some((v) => v !== 0)).toBe(true);
    }
  });
});
