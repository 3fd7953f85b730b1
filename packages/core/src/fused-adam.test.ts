import * as tf from "@tensorflow/tfjs-core";
import { OptimizerSchema } from "@gan/plan";
import { describe, expect, test } from "vitest";
import { selectBackend } from "./backend/select-backend.js";
import { FUSED_ADAM } from "./fused-adam.js";
import { createOptimizer } from "./optimizers.js";
import { createRng } from "./random.js";

/** Shapes like a small network's: a kernel, a bias, a conv filter, a scalar. */
const SHAPES = [[7, 5], [5], [3, 3, 2, 4], []];

/** Variables with seeded random values, one per shape. */
function variables(seed: number): tf.Variable[] {
  const rng = createRng(seed);
  return SHAPES.map((shape) => tf.variable(tf.tensor(rng.fillNormal(new Float32Array(tf.util.sizeFromShape(shape))), shape)));
}

/** Seeded gradients of every scale, so that the float32 rounding of each operation shows. */
function gradients(rng: ReturnType<typeof createRng>, vars: tf.Variable[], scale: number): tf.Tensor[] {
  return vars.map((v) => tf.tensor(rng.fillNormal(new Float32Array(v.size)).map((g) => g * scale), v.shape));
}

const bits = (tensor: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

/**
 * Trains the same variables with tfjs's AdamOptimizer.applyGradients and with the
 * ScheduledOptimizer's (fused) applyGradients, with a learning-rate schedule and gradients
 * from 1e-6 to 1e3, and compares every bit of the weights and moments.
 */
async function compareWithTfjs(optimizerInput: object, steps: number) {
  const spec = OptimizerSchema.parse({ kind: "adam", ...optimizerInput });
  const reference = createOptimizer(spec);
  const fused = createOptimizer(spec);
  const referenceVars = variables(3);
  const fusedVars = variables(3);
  const rng = createRng(11);
  let kernelsSeen = 0;
  for (let step = 0; step < steps; step++) {
    const grads = gradients(rng, referenceVars, 10 ** ((step % 10) - 6));
    reference.setStep(step);
    fused.setStep(step);
    tf.tidy(() => reference.optimizer.applyGradients(Object.fromEntries(referenceVars.map((v, i) => [v.name, grads[i]!]))));
    const profile = await tf.profile(() => {
      tf.tidy(() => {
        const summary = fused.applyGradients(Object.fromEntries(fusedVars.map((v, i) => [v.name, grads[i]!])));
        expect(summary?.dataSync()[0]).toBe(0);
      });
    });
    kernelsSeen += profile.kernels.filter((k) => k.name === FUSED_ADAM).length;
    tf.dispose(grads);
  }
  referenceVars.forEach((v, i) => expect(bits(fusedVars[i]!), `variable ${i}`).toEqual(bits(v)));
  const [referenceState, fusedState] = [await reference.saveState(), await fused.saveState()];
  expect(fusedState.json).toEqual(referenceState.json);
  // The slots are named after their variables: the same names once each variable is its position.
  const slotNames = (tensors: { name: string }[], vars: tf.Variable[]) => tensors.map((t) => t.name.replace(/^[^/]+/, (name) => String(vars.findIndex((v) => v.name === name))));
  expect(slotNames(fusedState.tensors, fusedVars)).toEqual(slotNames(referenceState.tensors, referenceVars));
  referenceState.tensors.forEach((t, i) => expect(bits(fusedState.tensors[i]!.tensor), t.name).toEqual(bits(t.tensor)));
  tf.dispose([...referenceVars, ...fusedVars]);
  reference.dispose();
  fused.dispose();
  return { kernelsSeen };
}

const BACKENDS = ["cpu", "wasm"] as const;

describe.each(BACKENDS)("fused Adam on %s", (backendName) => {
  test("is bit-identical to tfjs's Adam, weights and moments, with one kernel per update", async () => {
    await selectBackend(backendName);
    const lr = { schedule: "step", initial: 0.01, changes: [{ at: 20, value: 0.003 }] };
    for (const optimizer of [{ lr, beta1: 0.5 }, { lr, beta1: 0.9, beta2: 0.99, epsilon: 1e-5 }]) {
      const { kernelsSeen } = await compareWithTfjs(optimizer, 40);
      expect(kernelsSeen).toBe(40);
    }
  });

  test("its gradient summary is NaN when a gradient entry is NaN or infinite, and leaks nothing", async () => {
    await selectBackend(backendName);
    const optimizer = createOptimizer(OptimizerSchema.parse({ kind: "adam" }));
    // 11 entries: on wasm the first 8 go through the SIMD loop, the last 3 through JavaScript.
    const x = tf.variable(tf.range(0, 11));
    const update = (entries: number[]) => tf.tidy(() => tf.keep(optimizer.applyGradients({ [x.name]: tf.tensor1d(entries) })!));
    // The first update makes the moments; huge finite gradients are not flagged.
    expect(update([0.5, 1, 1, 3e38, 3e38, 3e38, 1, 1, 1, 3e38, 1]).dataSync()[0]).toBe(0);
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [1, 6, 9]) {
        const summary = update(Array.from({ length: 11 }, (_, i) => (i === at ? bad : 0.5)));
        expect(summary.dataSync()[0], `${bad} at ${at}`).toBeNaN();
        summary.dispose();
      }
    }
    // Nothing stays behind, in the engine or in the backend.
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    optimizer.dispose();
    x.dispose();
  });
});

test("optimizers other than Adam keep tfjs's update, and give no gradient summary", async () => {
  await selectBackend("cpu");
  const sgd = createOptimizer(OptimizerSchema.parse({ kind: "sgd", lr: 0.5 }));
  const x = tf.variable(tf.tensor1d([1]));
  const summary = tf.tidy(() => sgd.applyGradients({ [x.name]: tf.tensor1d([1]) }));
  expect(summary).toBeUndefined();
  expect(x.dataSync()[0]).toBe(0.5);
  sgd.dispose();
  x.dispose();
});
