import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installSharedTapeSaves, uninstallSharedTapeSaves } from "./shared-tape-saves.js";
import { liveCounts, seededTensor, setUpBackends, tf, type Backend } from "./test-helpers.js";

beforeAll(setUpBackends);
afterAll(installSharedTapeSaves);

const bits = (tensor: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

/**
 * A discriminator-like function of an input x and weights: kernels whose gradients read saved
 * inputs (MatMul, Multiply, Relu), saved outputs (Exp, Sigmoid) and a custom gradient's saves
 * (the fused product), and a sigmoid cross-entropy loss.
 */
function network(x: tf.Tensor2D, [w1, b1, w2]: tf.Tensor[]): tf.Scalar {
  const hidden = tf.relu(tf.add(tf.matMul(x, w1 as tf.Tensor2D), b1!));
  const gated = tf.mul(hidden, tf.sigmoid(tf.exp(tf.mul(hidden, 0.1))));
  const logits = tf.fused.matMul({ a: gated, b: w2 as tf.Tensor2D, activation: "linear" });
  return tf.losses.sigmoidCrossEntropy(tf.onesLike(logits), logits) as tf.Scalar;
}

function weights(): tf.Variable[] {
  return tf.tidy(() => [seededTensor([5, 8], 21), seededTensor([8], 22), seededTensor([8, 1], 23)].map((t) => tf.variable(t)));
}

/**
 * Gradients of the loss, and of an R1-like penalty (the squared norm of the loss's gradient
 * with respect to x: a gradient of a gradient), with respect to the weights; and the kernels
 * the engine ran for them.
 */
async function gradientsAndKernels(): Promise<{ grads: number[][]; kernels: string[] }> {
  const vars = weights();
  const x = seededTensor([6, 5], 20) as tf.Tensor2D;
  let grads: number[][] = [];
  const profile = await tf.profile(() => {
    tf.tidy(() => {
      const first = tf.variableGrads(() => network(x, vars), vars);
      const penalty = tf.variableGrads(() => tf.sum(tf.square(tf.grad((input: tf.Tensor) => network(input as tf.Tensor2D, vars))(x))), vars);
      grads = [first.value, ...vars.map((v) => first.grads[v.name]!), penalty.value, ...vars.map((v) => penalty.grads[v.name]!)].map(bits);
    });
  });
  tf.dispose([x, ...vars]);
  return { grads, kernels: profile.kernels.map((k) => k.name) };
}

describe.each(["cpu", "wasm"] as Backend[])("saving the tape's tensors on a shared buffer, on %s", (backend) => {
  test("gives every gradient, of first and second order, bit for bit as tfjs's clone does, without their Identity kernels and with no leak", async () => {
    tf.setBackend(backend);
    uninstallSharedTapeSaves();
    const before = liveCounts();
    const tfjs = await gradientsAndKernels();
    installSharedTapeSaves();
    const shared = await gradientsAndKernels();
    expect(shared.grads).toEqual(tfjs.grads);
    expect(shared.grads.every((grad) => grad.some((b) => b !== 0))).toBe(true);
    expect(tfjs.kernels.filter((name) => name === "Identity").length).toBeGreaterThan(10);
    // The saves' Identity kernels go; the few left are tfjs's gradients' own clones (AddN's, Cast's).
    const identities = (kernels: string[]) => kernels.filter((name) => name === "Identity").length;
    expect(identities(tfjs.kernels)).toBeGreaterThan(100);
    expect(identities(shared.kernels)).toBeLessThan(10);
    expect(liveCounts()).toEqual(before);
  });
});
