import * as tf from "@tensorflow/tfjs-core";
import { OptimizerSchema } from "@gan/plan";
import { describe, expect, test } from "vitest";
import { selectBackend } from "./backend/select-backend.js";
import { UserError } from "./errors.js";
import { FUSED_OPTIMIZER } from "./fused-optimizer.js";
import { createOptimizer } from "./optimizers.js";
import { createRng } from "./random.js";

/** Shapes like a small network's: a kernel, a bias, a conv filter, a scalar (sizes 35, 5, 72, 1: SIMD groups and tails). */
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

/** A learning rate that changes at step 20, so that the fused update is seen to take the new one. */
const lr = { schedule: "step", initial: 0.01, changes: [{ at: 20, value: 0.003 }] };

const OPTIMIZERS = [
  { kind: "adam", lr, beta1: 0.5 },
  { kind: "adam", lr, beta1: 0.9, beta2: 0.99, epsilon: 1e-5 },
  { kind: "sgd", lr },
  { kind: "sgd", lr, momentum: 0.9 },
  { kind: "rmsprop", lr },
  { kind: "rmsprop", lr, decay: 0.8, momentum: 0.5, epsilon: 1e-6 },
];

/**
 * Trains the same variables with tfjs's optimizer (the ScheduledOptimizer's `optimizer`, its
 * rate set by the schedule) and with the ScheduledOptimizer's fused applyGradients, with
 * gradients from 1e-6 to 1e3, and compares every bit of the weights and slots.
 */
async function compareWithTfjs(optimizerInput: object, steps: number) {
  const spec = OptimizerSchema.parse(optimizerInput);
  const reference = createOptimizer(spec);
  const fused = createOptimizer(spec);
  const referenceVars = variables(3);
  const fusedVars = variables(3);
  const rng = createRng(11);
  let fusedKernels = 0;
  let otherKernels = 0;
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
    fusedKernels += profile.kernels.filter((k) => k.name === FUSED_OPTIMIZER).length;
    // The slots are made at the first update; after it, the update is the one kernel.
    if (step > 0) otherKernels += profile.kernels.filter((k) => k.name !== FUSED_OPTIMIZER).length;
    tf.dispose(grads);
  }
  referenceVars.forEach((v, i) => expect(bits(fusedVars[i]!), `variable ${i}`).toEqual(bits(v)));
  const [referenceWeights, fusedState] = [await reference.optimizer.getWeights(), await fused.saveState()];
  const [iterations, ...referenceSlots] = referenceWeights;
  expect(fusedState.json.iterations).toBe(iterations!.tensor.dataSync()[0]);
  // The slots are named after their variables: the same names once each variable is its position.
  const slotNames = (tensors: { name: string }[], vars: tf.Variable[]) => tensors.map((t) => t.name.replace(/^[^/]+/, (name) => String(vars.findIndex((v) => v.name === name))));
  expect(slotNames(fusedState.tensors, fusedVars)).toEqual(slotNames(referenceSlots, referenceVars));
  referenceSlots.forEach((t, i) => expect(bits(fusedState.tensors[i]!.tensor), t.name).toEqual(bits(t.tensor)));
  tf.dispose([...referenceVars, ...fusedVars, iterations!.tensor, ...fusedState.tensors.map((t) => t.tensor)]);
  reference.dispose();
  fused.dispose();
  return { fusedKernels, otherKernels };
}

const BACKENDS = ["cpu", "wasm"] as const;

describe.each(BACKENDS)("the fused optimizers on %s", (backendName) => {
  test.each(OPTIMIZERS.map((input) => [JSON.stringify({ ...input, lr: undefined }), input] as const))(
    "%s is bit-identical to tfjs's optimizer, weights and slots, with one kernel per update",
    async (_name, input) => {
      await selectBackend(backendName);
      const { fusedKernels, otherKernels } = await compareWithTfjs(input, 40);
      expect(fusedKernels).toBe(40);
      expect(otherKernels).toBe(0);
    },
  );

  test("its gradient summary is NaN when a gradient entry is NaN or infinite, and leaks nothing", async () => {
    await selectBackend(backendName);
    const optimizer = createOptimizer(OptimizerSchema.parse({ kind: "adam" }));
    // 11 entries: on wasm the first 8 go through the SIMD loop, the last 3 through JavaScript.
    const x = tf.variable(tf.range(0, 11));
    const update = (entries: number[]) => tf.tidy(() => tf.keep(optimizer.applyGradients({ [x.name]: tf.tensor1d(entries) })!));
    // The first update makes the slots; huge finite gradients are not flagged.
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

  test("holds a network's slots in one buffer per kind, and never changes a tensor that shares a variable's buffer", async () => {
    await selectBackend(backendName);
    const vars = variables(5);
    const start = tf.memory().numTensors;
    const optimizer = createOptimizer(OptimizerSchema.parse({ kind: "adam", lr: 0.5 }));
    const step = () => tf.tidy(() => void optimizer.applyGradients(Object.fromEntries(vars.map((v) => [v.name, tf.onesLike(v)]))));
    const before = tf.memory().numTensors;
    step();
    // Adam's m and v for the four variables: two tensors.
    expect(tf.memory().numTensors - before).toBe(2);
    // A clone shares the buffer on cpu and wasm: it keeps the value it had.
    const clone = tf.clone(vars[0]!);
    const cloned = Array.from(clone.dataSync());
    step();
    expect(Array.from(clone.dataSync())).toEqual(cloned);
    expect(Array.from(vars[0]!.dataSync())).not.toEqual(cloned);
    clone.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose(vars);
  });
});

describe("the fused optimizers' saved state", () => {
  test("a state whose slots do not fit the network is refused at the first update, naming the slot and the shapes", async () => {
    await selectBackend("cpu");
    const spec = OptimizerSchema.parse({ kind: "adam", lr: 0.1 });
    const x = tf.variable(tf.zeros([2, 3]));
    const y = tf.variable(tf.zeros([4]));
    const slot = (name: string, shape: number[]) => ({ name, tensor: tf.zeros(shape) });
    const update = (optimizer: ReturnType<typeof createOptimizer>) => () => tf.tidy(() => optimizer.applyGradients({ [x.name]: tf.ones([2, 3]), [y.name]: tf.ones([4]) }));

    const wrongShape = createOptimizer(spec);
    await wrongShape.restoreState({ json: { kind: "adam", iterations: 1, learningRateScale: 1 }, tensors: [slot("a/m", [2, 3]), slot("b/m", [5]), slot("a/v", [2, 3]), slot("b/v", [4])] });
    expect(update(wrongShape)).toThrow(new UserError("the saved optimizer slot b/m has shape [5], but variable 1 of the network has shape [4]"));

    const tooFew = createOptimizer(spec);
    await tooFew.restoreState({ json: { kind: "adam", iterations: 1, learningRateScale: 1 }, tensors: [slot("a/m", [2, 3]), slot("a/v", [2, 3])] });
    expect(update(tooFew)).toThrow(new UserError("the saved optimizer state has slots for 1 variables, but the network has 2 trained variables"));

    const odd = createOptimizer(spec);
    await expect(odd.restoreState({ json: { kind: "adam", iterations: 1, learningRateScale: 1 }, tensors: [slot("a/m", [2, 3])] })).rejects.toThrow(
      "a saved adam state has 1 slot tensors, not a multiple of 2",
    );
    [wrongShape, tooFew, odd].forEach((optimizer) => optimizer.dispose());
    tf.dispose([x, y]);
  });
});

test("on a backend without the fused kernel, tfjs's optimizer runs and gives no gradient summary", async () => {
  await selectBackend("cpu");
  const kernel = tf.getKernel(FUSED_OPTIMIZER, "cpu")!;
  tf.unregisterKernel(FUSED_OPTIMIZER, "cpu");
  try {
    const sgd = createOptimizer(OptimizerSchema.parse({ kind: "sgd", lr: 0.5 }));
    const x = tf.variable(tf.tensor1d([1]));
    const summary = tf.tidy(() => sgd.applyGradients({ [x.name]: tf.tensor1d([1]) }));
    expect(summary).toBeUndefined();
    expect(x.dataSync()[0]).toBe(0.5);
    sgd.dispose();
    x.dispose();
  } finally {
    tf.registerKernel(kernel);
  }
});
