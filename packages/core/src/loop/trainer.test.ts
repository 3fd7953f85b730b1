import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { discriminatorLoss } from "../losses/index.js";
import { defineTrick, z, type Trick } from "../trick/define-trick.js";
import type { TrickHooks } from "../trick/hooks.js";
import { tensorReadCount } from "./tensor-reads.js";
import { tinyRingPlan, useOf } from "./test-plan.js";
import { Trainer } from "./trainer.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

function fixture(name: string, setup: (ctx: Parameters<NonNullable<Trick["setup"]>>[0]) => TrickHooks, order?: "pre" | "post"): Trick {
  return defineTrick({ name, options: z.object({}).passthrough(), ...(order ? { order } : {}), setup });
}

async function losses(trainer: Trainer, steps: number): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  for (let i = 0; i < steps; i++) {
    const values = await trainer.runStep();
    if (values) out.push(values);
  }
  return out;
}

describe("the training step", () => {
  test("the tensor count is the same after step 10 and after step 200", async () => {
    const plan = tinyRingPlan({ train: { steps: 200, logEvery: 7 } });
    const trainer = await Trainer.create(plan);
    await losses(trainer, 10);
    const after10 = tf.memory().numTensors;
    await losses(trainer, 190);
    expect(trainer.step).toBe(200);
    expect(tf.memory().numTensors).toBe(after10);
    trainer.dispose();
  });

  test("nothing is read back on steps that log nothing; a logged step reads once", async () => {
    const logger = fixture("logger", ({ log, tf }) => ({
      discriminatorLoss: (loss) => {
        log("logger/d", tf.mul(loss, 2) as tf.Scalar);
        return loss;
      },
    }));
    const plan = tinyRingPlan({ train: { steps: 20, logEvery: 5 }, tricks: [useOf("logger")] });
    const trainer = await Trainer.create(plan, { tricks: [logger] });
    const before = tensorReadCount();
    for (let i = 0; i < 4; i++) expect(await trainer.runStep()).toBeUndefined();
    expect(tensorReadCount()).toBe(before);
    const logged = await trainer.runStep();
    expect(tensorReadCount()).toBe(before + 1);
    expect(Object.keys(logged!).sort()).toEqual(["d_acc", "d_loss", "d_lr", "g_grad_norm", "g_loss", "g_lr", "logger/d"]);
    expect(logged!["logger/d"]).toBeCloseTo(2 * logged!.d_loss!, 5);
    // A fraction of a batch of 16 real and 16 fake samples, each batch weighing half.
    expect(Number.isInteger(logged!.d_acc! * 32)).toBe(true);
    expect(logged!.d_acc).toBeGreaterThanOrEqual(0);
    expect(logged!.d_acc).toBeLessThanOrEqual(1);
    trainer.dispose();
  });

  test("the learning rates logged are the schedule's at each step", async () => {
    const base = tinyRingPlan({ train: { steps: 12, logEvery: 4 } });
    const plan = {
      ...base,
      optimizers: {
        ...base.optimizers,
        discriminator: { kind: "adam" as const, lr: { schedule: "linear" as const, from: 1e-3, to: 0, start: 0, end: 10 }, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
      },
    };
    const trainer = await Trainer.create(plan);
    const logged = await losses(trainer, 12);
    // Steps 4, 8, 12 are logged after step indices 3, 7, 11.
    expect(logged.map((v) => v.d_lr)).toEqual([1e-3 * 0.7, 1e-3 * 0.3, 0].map((v) => expect.closeTo(v, 12)));
    expect(logged.map((v) => v.g_lr)).toEqual([1e-3, 1e-3, 1e-3]);
    trainer.dispose();
  });

  test("the same plan and seed give identical losses twice; another seed other losses", async () => {
    const run = async (seed: number) => {
      const trainer = await Trainer.create(tinyRingPlan({ train: { seed, steps: 15, logEvery: 1 } }));
      const values = await losses(trainer, 15);
      trainer.dispose();
      return values.map((v) => [v.d_loss, v.g_loss]);
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
  });

  test("hooks are called in their places, in order, with the step's values", async () => {
    const calls: string[] = [];
    let checked = 0;
    const recorder = fixture("recorder", ({ tf }) => ({
      discriminatorUpdates: (step) => (calls.push(`discriminatorUpdates@${step}`), undefined),
      generatorUpdates: (step) => (calls.push(`generatorUpdates@${step}`), undefined),
      discriminatorInputs: (inputs, step) => {
        calls.push(`discriminatorInputs@${step}`);
        expect(inputs.real.shape).toEqual([16, 2]);
        expect(inputs.fake.shape).toEqual([16, 2]);
        return inputs;
      },
      labels: (labels, step) => {
        calls.push(`labels@${step}`);
        expect(labels).toEqual({ real: 1, fake: 0 });
        return { real: 0.9, fake: 0 };
      },
      discriminatorLoss: (loss, context, step) => {
        calls.push(`discriminatorLoss@${step}`);
        // The loss handed in is the plan's loss of these logits with the labels the labels hook chose.
        expect(context.labels).toEqual({ real: 0.9, fake: 0 });
        const recomputed = discriminatorLoss("nonsaturating", context.realLogits, context.fakeLogits, context.labels);
        expect(loss.dataSync()[0]).toBeCloseTo(recomputed.dataSync()[0]!, 6);
        // D is the run's discriminator: applied again to the real batch it gives the same logits.
        expect(Array.from(context.discriminator(context.real).dataSync())).toEqual(Array.from(context.realLogits.dataSync()));
        checked++;
        return loss;
      },
      discriminatorFakeInputs: (fake, step) => (calls.push(`discriminatorFakeInputs@${step}`), fake),
      generatorLogits: (fakeLogits, step) => (calls.push(`generatorLogits@${step}`), fakeLogits),
      generatorLoss: (loss, context, step) => {
        calls.push(`generatorLoss@${step}`);
        expect(context.latent.shape).toEqual([16, 4]);
        expect(context.fakeLogits.shape).toEqual([16, 1]);
        return tf.add(loss, 0) as tf.Scalar;
      },
      afterDiscriminatorStep: (run) => void calls.push(`afterDiscriminatorStep@${run.step}`),
      afterGeneratorStep: (run) => void calls.push(`afterGeneratorStep@${run.step}`),
      beforeTraining: () => void calls.push("beforeTraining"),
    }));
    const plan = tinyRingPlan({ train: { steps: 2 }, tricks: [useOf("recorder")] });
    const trainer = await Trainer.create(plan, { tricks: [recorder] });
    await trainer.bus.lifecycle("beforeTraining", trainer.runContext());
    await losses(trainer, 2);
    const step = (s: number) => [
      `discriminatorUpdates@${s}`,
      `generatorUpdates@${s}`,
      `discriminatorInputs@${s}`,
      `labels@${s}`,
      `discriminatorLoss@${s}`,
      `afterDiscriminatorStep@${s}`,
      `discriminatorFakeInputs@${s}`,
      `generatorLogits@${s}`,
      `generatorLoss@${s}`,
      `afterGeneratorStep@${s}`,
    ];
    expect(calls).toEqual(["beforeTraining", ...step(0), ...step(1)]);
    expect(checked).toBe(2);
    trainer.dispose();
  });

  test("first hooks set the number of updates; a zero pauses the generator", async () => {
    let dSteps = 0;
    let gSteps = 0;
    const ncritic = fixture("ncritic", () => ({
      discriminatorUpdates: () => 3,
      generatorUpdates: (step) => (step < 2 ? 0 : undefined),
      afterDiscriminatorStep: () => void dSteps++,
      afterGeneratorStep: () => void gSteps++,
    }));
    const plan = tinyRingPlan({ train: { steps: 4 }, tricks: [useOf("ncritic")] });
    const trainer = await Trainer.create(plan, { tricks: [ncritic] });
    const before = trainer.generator.getWeights().map((w) => Array.from(w.dataSync()));
    const values = await losses(trainer, 2);
    // Paused: the generator's weights have not moved, and its loss is not logged.
    expect(trainer.generator.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(values[0]!.g_loss).toBeUndefined();
    await losses(trainer, 2);
    expect([dSteps, gSteps]).toEqual([12, 2]);
    trainer.dispose();
  });

  test("a waterfall hook's change reaches the loss: the logged D loss is the hook's", async () => {
    const first = async (tricks: Trick[]) => {
      const plan = tinyRingPlan({ train: { steps: 1 }, tricks: tricks.map((t) => useOf(t.name)) });
      const trainer = await Trainer.create(plan, { tricks });
      const [values] = await losses(trainer, 1);
      trainer.dispose();
      return values!;
    };
    const plus = fixture("plus-ten", ({ tf }) => ({ discriminatorLoss: (loss) => tf.add(loss, 10) as tf.Scalar }));
    const base = await first([]);
    const changed = await first([plus]);
    expect(changed.d_loss).toBeCloseTo(base.d_loss! + 10, 5);
  });

  test("generatorLogits: G's loss is the loss of the rows a trick keeps, and the loss hook sees those rows", async () => {
    let checked = 0;
    const firstFour = fixture("first-four", ({ tf }) => ({
      generatorLogits: (fakeLogits) => tf.slice(fakeLogits, [0, 0], [4, 1]),
      generatorLoss: (loss, { fakeLogits }) => {
        expect(fakeLogits.shape).toEqual([4, 1]);
        // The non-saturating G loss by hand: mean of softplus(-logit) over the 4 rows kept.
        const kept = Array.from(fakeLogits.dataSync());
        expect(loss.dataSync()[0]).toBeCloseTo(kept.reduce((sum, x) => sum + Math.log1p(Math.exp(-x)), 0) / 4, 5);
        checked++;
        return loss;
      },
    }));
    const plan = tinyRingPlan({ train: { steps: 2 }, tricks: [useOf("first-four")] });
    const trainer = await Trainer.create(plan, { tricks: [firstFour] });
    await losses(trainer, 2);
    expect(checked).toBe(2);
    trainer.dispose();
  });

  test("a trick window: the hook acts only from `from` until `until`", async () => {
    const seen: number[] = [];
    const windowed = fixture("windowed", () => ({ labels: (labels, step) => (seen.push(step), labels) }));
    const plan = tinyRingPlan({ train: { steps: 6 }, tricks: [useOf("windowed", {}, { from: 2, until: 5 })] });
    const trainer = await Trainer.create(plan, { tricks: [windowed] });
    await losses(trainer, 6);
    expect(seen).toEqual([2, 3, 4]);
    trainer.dispose();
  });

  test("a hook that returns the wrong shape is named", async () => {
    const cases: [string, TrickHooks, string][] = [
      ["crop", { discriminatorInputs: (inputs) => ({ real: tf.slice(inputs.real, [0, 0], [8, 2]), fake: inputs.fake }) },
        "trick 'crop' failed in hook 'discriminatorInputs' at step 0: it returned a tensor of shape [8, 2] for the real batch, which has shape [16, 2]"],
      ["vector-loss", { generatorLoss: (loss, { fakeLogits }) => tf.add(loss, fakeLogits) as tf.Scalar },
        "trick 'vector-loss' failed in hook 'generatorLoss' at step 0: it returned a loss of shape [16, 1]: a loss is a scalar (reduce it with tf.mean)"],
      ["widen", { generatorLogits: (fakeLogits) => tf.concat([fakeLogits, fakeLogits], 1) },
        "trick 'widen' failed in hook 'generatorLogits' at step 0: it returned a tensor of shape [16, 2] for D's logits on the fake batch, which has shape [16, 1]: keep 1 to 16 of its rows"],
      ["none-left", { generatorLogits: (fakeLogits) => tf.slice(fakeLogits, [0, 0], [0, 1]) },
        "trick 'none-left' failed in hook 'generatorLogits' at step 0: it returned a tensor of shape [0, 1] for D's logits on the fake batch, which has shape [16, 1]: keep 1 to 16 of its rows"],
      ["labels-3", { labels: (labels) => ({ ...labels, real: tf.ones([3]) }) },
        "trick 'labels-3' failed in hook 'labels' at step 0: its real labels have shape [3]: give one number, or one value per sample (16)"],
    ];
    for (const [name, hooks, message] of cases) {
      const plan = tinyRingPlan({ train: { steps: 2 }, tricks: [useOf(name)] });
      const trainer = await Trainer.create(plan, { tricks: [fixture(name, () => hooks)] });
      await expect(trainer.runStep()).rejects.toThrow(message);
      trainer.dispose();
    }
  });

  test("a trick that throws inside the step is named with its hook and step, and leaks nothing", async () => {
    const faulty = fixture("@gan/x", () => ({
      labels: (labels, step) => {
        if (step === 3) throw new Error("label tensor has the wrong shape");
        return labels;
      },
    }));
    const plan = tinyRingPlan({ train: { steps: 6 }, tricks: [useOf("@gan/x")] });
    const trainer = await Trainer.create(plan, { tricks: [faulty] });
    await losses(trainer, 3);
    const tensors = tf.memory().numTensors;
    await expect(trainer.runStep()).rejects.toThrow("trick '@gan/x' failed in hook 'labels' at step 3: label tensor has the wrong shape");
    expect(tf.memory().numTensors).toBe(tensors);
    trainer.dispose();
  });
});
