import { describe, expect, test } from "vitest";
import type { JsonValue } from "@gan/core";
import { createTrickHarness, createTrickTrainer, probeTrick, tinyPlan } from "@gan/core/testing";
import topk, { keptCount, topIndices } from "./index.js";

/** The non-saturating G loss of a list of logits, in float64: mean of softplus(-x). */
const nonsaturating = (logits: number[]) => logits.reduce((sum, x) => sum + Math.log1p(Math.exp(-x)), 0) / logits.length;

/**
 * Trains `steps` steps of the tiny ring GAN (batch 16) with @gan/topk between two probes: the
 * first records D's logits on the whole fake batch, the second G's loss and the rows it read.
 */
async function trainWithProbes(options: Record<string, JsonValue>, steps: number) {
  const seen: { all: number[]; kept: number[]; loss: number }[] = [];
  const before = probeTrick({ generatorLogits: (fakeLogits) => (seen.push({ all: Array.from(fakeLogits.dataSync()), kept: [], loss: NaN }), fakeLogits) }, "probe-before");
  const after = probeTrick({
    generatorLoss(loss, { fakeLogits }) {
      Object.assign(seen.at(-1)!, { kept: Array.from(fakeLogits.dataSync()), loss: loss.dataSync()[0]! });
      return loss;
    },
  }, "probe-after");
  const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: before }, { trick: topk, options }, { trick: after }]);
  const logged: Record<string, number>[] = [];
  for (let step = 0; step < steps; step++) logged.push((await trainer.runStep())!);
  trainer.dispose();
  return { seen, logged };
}

describe("@gan/topk: G's loss is the hand-computed loss of the k fakes D rates most real", () => {
  test("fraction 0.5 of a batch of 16: the 8 largest logits, and the loss of those alone", async () => {
    const { seen } = await trainWithProbes({ fraction: 0.5 }, 3);
    expect(seen).toHaveLength(3);
    for (const { all, kept, loss } of seen) {
      const largest = [...all].sort((a, b) => b - a).slice(0, 8);
      expect(kept).toEqual(largest);
      expect(loss).toBeCloseTo(nonsaturating(largest), 5);
      // Not the loss of the whole batch: the dropped fakes are the ones D rates as fake, whose loss is larger.
      expect(nonsaturating(all)).toBeGreaterThan(loss + 1e-4);
    }
  });

  test("a schedule anneals k from the whole batch: linear(1 -> 0.5, until 4) keeps 16, 14, 12, 10, 8, 8", async () => {
    const fraction = { schedule: "linear", from: 1, to: 0.5, start: 0, end: 4 };
    const { seen, logged } = await trainWithProbes({ fraction }, 6);
    expect(seen.map(({ kept }) => kept.length)).toEqual([16, 14, 12, 10, 8, 8]);
    expect(logged.map((values) => values["topk/k"])).toEqual([16, 14, 12, 10, 8, 8]);
    // With the whole batch kept, the loss is the plain loss of every fake.
    expect(seen[0]!.loss).toBeCloseTo(nonsaturating(seen[0]!.all), 5);
  });
});

describe("@gan/topk: a training run", () => {
  test("the tensor count is flat across steps, and the same seed gives the same losses", async () => {
    const { tf } = await createTrickHarness(topk, { plan: tinyPlan() });
    const run = async () => {
      const { trainer } = await createTrickTrainer(tinyPlan({ train: { ...tinyPlan().train, steps: 30 } }), [{ trick: topk, options: { fraction: 0.25 } }]);
      const losses: number[] = [];
      let afterThree = 0;
      for (let step = 0; step < 30; step++) {
        const values = (await trainer.runStep())!;
        losses.push(values.g_loss!, values.d_loss!);
        if (step === 2) afterThree = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(afterThree);
      trainer.dispose();
      return losses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    // And the trick changes training: without it the same seed gives other G losses.
    const { trainer } = await createTrickTrainer(tinyPlan(), []);
    await trainer.runStep();
    const plain = (await trainer.runStep())!.g_loss!;
    trainer.dispose();
    expect(plain).not.toBeCloseTo(first[2]!, 4);
  });
});

describe("@gan/topk: choosing the rows", () => {
  test("k is ceil(fraction * rows), at least 1 and at most the batch; ties go to the lower index", () => {
    expect(keptCount(0.5, 16)).toBe(8);
    expect(keptCount(0.7, 100)).toBe(70);
    expect(keptCount(0.01, 16)).toBe(1);
    expect(keptCount(1, 16)).toBe(16);
    expect(topIndices([0.5, 2, -1, 2, 0.5], 3)).toEqual([1, 3, 0]);
  });

  test("the hook returns the rows in descending order, and the whole batch when k is the batch", async () => {
    const harness = await createTrickHarness(topk, { plan: tinyPlan(), options: { fraction: 0.5 } });
    const logits = harness.tf.tensor2d([[0.1], [3], [-2], [1]]);
    expect(Array.from(harness.hooks.generatorLogits!(logits, 0).dataSync())).toEqual([3, 1]);
    const whole = await createTrickHarness(topk, { plan: tinyPlan(), options: { fraction: 1 } });
    expect(whole.hooks.generatorLogits!(logits, 0)).toBe(logits);
  });

  test("a fraction outside (0, 1] is refused, naming the trick", async () => {
    await expect(createTrickHarness(topk, { plan: tinyPlan(), options: { fraction: 0 } })).rejects.toThrow("@gan/topk: invalid options: fraction:");
    await expect(createTrickHarness(topk, { plan: tinyPlan(), options: { fraction: 1.5 } })).rejects.toThrow("@gan/topk: invalid options: fraction:");
  });
});
