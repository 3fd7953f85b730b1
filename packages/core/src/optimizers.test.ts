import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { OptimizerSchema, type Optimizer } from "@gan/plan";
import { beforeAll, describe, expect, it } from "vitest";
import { createOptimizer, type ScheduledOptimizer } from "./optimizers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const spec = (input: object): Optimizer => OptimizerSchema.parse(input);

/** 0.1 at step 0, 0.01 from step 1 on. */
const dropAtOne = { schedule: "step", initial: 0.1, changes: [{ at: 1, value: 0.01 }] };

/** The gradient of sum(x * [3, -0.5]): constant [3, -0.5]. */
const GRADIENT = [3, -0.5];

/** Runs setStep(step) and one update with the constant gradient, per step; returns x after each. */
function run(optimizer: ScheduledOptimizer, steps: number[], x = tf.variable(tf.tensor1d([1, -2]))): number[][] {
  const after: number[][] = [];
  for (const step of steps) {
    optimizer.setStep(step);
    const gradient = tf.tensor1d(GRADIENT);
    tf.tidy(() => {
      optimizer.applyGradients({ [x.name]: gradient });
    });
    gradient.dispose();
    after.push(Array.from(x.dataSync()));
  }
  return after;
}

function expectClose(actual: number[][], expected: number[][], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[i]![j]!, digits)));
}

describe("createOptimizer: one update against a hand-computed one, and a learning-rate change that takes effect", () => {
  it("adam: with a constant gradient every bias-corrected update is lr * sign(g)", () => {
    // m_t / (1 - b1^t) = g and v_t / (1 - b2^t) = g^2, so the update is lr g / (|g| + 1e-8)
    // (float32 arithmetic: 5 digits).
    const optimizer = createOptimizer(spec({ kind: "adam", lr: dropAtOne }));
    expect(optimizer.learningRate()).toBe(0.1);
    expectClose(
      run(optimizer, [0, 1]),
      [
        [0.9, -1.9],
        [0.89, -1.89],
      ],
      5,
    );
    expect(optimizer.learningRate()).toBe(0.01);
  });

  it("sgd: x -= lr g, and a new rate is used (tfjs keeps it in a scalar only setLearningRate rebuilds)", () => {
    const optimizer = createOptimizer(spec({ kind: "sgd", lr: dropAtOne }));
    // 1 - 0.1 * 3 = 0.7, -2 - 0.1 * (-0.5) = -1.95; then 0.7 - 0.03 = 0.67, -1.95 + 0.005 = -1.945.
    expectClose(run(optimizer, [0, 1]), [
      [0.7, -1.95],
      [0.67, -1.945],
    ]);
  });

  it("(why setStep calls setLearningRate: assigning tfjs SGD's learningRate field changes nothing)", () => {
    const raw = tf.train.sgd(0.1);
    (raw as unknown as { learningRate: number }).learningRate = 0.01;
    const x = tf.variable(tf.tensor1d([1]));
    raw.applyGradients({ [x.name]: tf.tensor1d([1]) });
    // Still a step of 0.1: if tfjs ever reads the field, this test says the workaround can go.
    expect(x.dataSync()[0]).toBeCloseTo(0.9, 6);
  });

  it("sgd with momentum is tfjs's momentum: accumulation = m a + g, x -= lr a", () => {
    const optimizer = createOptimizer(spec({ kind: "sgd", lr: dropAtOne, momentum: 0.9 }));
    expect(optimizer.optimizer.getClassName()).toBe("Momentum");
    // a1 = g: x = (0.7, -1.95); a2 = 1.9 g = (5.7, -0.95): x -= 0.01 a2 = (0.643, -1.9405).
    expectClose(run(optimizer, [0, 1]), [
      [0.7, -1.95],
      [0.643, -1.9405],
    ]);
  });

  it("rmsprop: ms = d ms + (1 - d) g^2, x -= lr g / sqrt(ms + eps)", () => {
    const optimizer = createOptimizer(spec({ kind: "rmsprop", lr: dropAtOne, decay: 0.9 }));
    // ms1 = 0.1 g^2: step 0.1 / sqrt(0.1) = 0.316228; ms2 = 0.19 g^2: step 0.01 / sqrt(0.19) = 0.022942.
    expectClose(
      run(optimizer, [0, 1]),
      [
        [0.683772, -1.683772],
        [0.66083, -1.66083],
      ],
      5,
    );
  });

  it("follows a linear schedule", () => {
    const optimizer = createOptimizer(spec({ kind: "sgd", lr: { schedule: "linear", from: 0.1, to: 0.05, end: 10 } }));
    optimizer.setStep(4);
    expect(optimizer.learningRate()).toBeCloseTo(0.08, 12);
    optimizer.setStep(20);
    expect(optimizer.learningRate()).toBe(0.05);
  });
});

describe("scaleLearningRate", () => {
  it("scales the rate in force and every scheduled rate after it", () => {
    const optimizer = createOptimizer(spec({ kind: "sgd", lr: dropAtOne }));
    optimizer.scaleLearningRate(0.5);
    expect(optimizer.learningRate()).toBe(0.05);
    // lr 0.05 then 0.005: (1 - 0.15, -2 + 0.025) = (0.85, -1.975), then (0.835, -1.9725).
    expectClose(run(optimizer, [0, 1]), [
      [0.85, -1.975],
      [0.835, -1.9725],
    ]);
    optimizer.scaleLearningRate(0.5);
    expect(optimizer.learningRateScale()).toBe(0.25);
    expect(optimizer.learningRate()).toBe(0.0025);
    expect(() => optimizer.scaleLearningRate(0)).toThrow("learning-rate scale factor must be a finite number > 0, got 0");
  });
});

describe("saveState and restoreState", () => {
  /** A run that varies its gradients, so moments differ from step to step. */
  function steps(optimizer: ScheduledOptimizer, x: tf.Variable, from: number, to: number): void {
    for (let step = from; step < to; step++) {
      optimizer.setStep(step);
      const gradient = tf.tensor1d([Math.sin(step + 1), Math.cos(step) * 2]);
      tf.tidy(() => {
        optimizer.applyGradients({ [x.name]: gradient });
      });
      gradient.dispose();
    }
  }

  for (const input of [
    { kind: "adam", lr: 0.05 },
    { kind: "sgd", lr: 0.05, momentum: 0.5 },
    { kind: "sgd", lr: 0.05 },
    { kind: "rmsprop", lr: 0.05, momentum: 0.3 },
  ]) {
    it(`${input.kind}${"momentum" in input ? " with momentum" : ""}: a restored optimizer continues exactly as the original`, async () => {
      const original = createOptimizer(spec(input));
      const x = tf.variable(tf.tensor1d([1, -2]));
      steps(original, x, 0, 3);
      original.scaleLearningRate(0.5);
      const saved = await original.saveState();
      expect(saved.json).toEqual({ kind: input.kind, iterations: 3, learningRateScale: 0.5 });
      const json = JSON.parse(JSON.stringify(saved.json));
      const copies = saved.tensors.map(({ name, tensor }) => ({ name, tensor: tf.tensor(tensor.dataSync(), tensor.shape) }));

      const resumed = createOptimizer(spec(input));
      const y = tf.variable(tf.tensor1d(Array.from(x.dataSync())));
      resumed.setStep(3);
      await resumed.restoreState({ json, tensors: copies });
      for (const copy of copies) copy.tensor.dispose(); // the optimizer keeps its own
      expect(resumed.learningRate()).toBe(0.025);

      steps(original, x, 3, 6);
      steps(resumed, y, 3, 6);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
      original.dispose();
      resumed.dispose();
    });
  }

  it("adam: resumed after many updates, it stays bit-identical (the bias-correction powers are restored as accumulated)", async () => {
    // tfjs's setWeights recomputes beta^t with pow(), while an uninterrupted Adam multiplies
    // float32 scalars step by step; the two differ in the last bit for most t (0.999^t), and
    // so would every weight after a resume.
    for (const savedAt of [7, 25, 61]) {
      const original = createOptimizer(spec({ kind: "adam", lr: 0.01, beta1: 0.9, beta2: 0.999 }));
      const x = tf.variable(tf.tensor1d([1, -2]));
      steps(original, x, 0, savedAt);
      const saved = await original.saveState();
      const copies = saved.tensors.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) }));
      const resumed = createOptimizer(spec({ kind: "adam", lr: 0.01, beta1: 0.9, beta2: 0.999 }));
      const y = tf.variable(tf.clone(x));
      resumed.setStep(savedAt);
      await resumed.restoreState({ json: saved.json, tensors: copies });
      tf.dispose(copies.map((c) => c.tensor));
      steps(original, x, savedAt, savedAt + 30);
      steps(resumed, y, savedAt, savedAt + 30);
      expect(Array.from(y.dataSync()), `saved after ${savedAt} updates`).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, y]);
      original.dispose();
      resumed.dispose();
    }
  });

  it("frees the slots it replaces: restoring twice, and saving (the saved tensors are the caller's), leaves no tensor behind", async () => {
    const optimizer = createOptimizer(spec({ kind: "adam", lr: 0.01 }));
    const x = tf.variable(tf.tensor1d([1, 2]));
    steps(optimizer, x, 0, 2);
    const saved = await optimizer.saveState();
    await optimizer.restoreState(saved);
    const before = tf.memory().numTensors;
    await optimizer.restoreState(saved);
    steps(optimizer, x, 2, 3);
    tf.dispose((await optimizer.saveState()).tensors.map(({ tensor }) => tensor));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses the state of another kind of optimizer", async () => {
    const adam = createOptimizer(spec({ kind: "adam" }));
    const sgd = createOptimizer(spec({ kind: "sgd" }));
    await expect(sgd.restoreState(await adam.saveState())).rejects.toThrow(
      "the saved optimizer state is for adam, but this optimizer is sgd",
    );
  });
});

describe("defaults", () => {
  it("adam is the plan's default: lr 2e-4, beta1 0.5, beta2 0.999", () => {
    const optimizer = createOptimizer(spec({ kind: "adam" }));
    expect(optimizer.learningRate()).toBe(2e-4);
    expect(optimizer.optimizer.getConfig()).toMatchObject({ learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
  });
});
