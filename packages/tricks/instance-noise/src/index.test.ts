import { describe, expect, test } from "vitest";
import type { JsonValue, Tensor } from "@gan/core";
import { createTrickHarness, tinyPlan } from "@gan/core/testing";
import instanceNoise from "./index.js";

async function setup(options: Record<string, JsonValue>) {
  return createTrickHarness(instanceNoise, { plan: tinyPlan(), options });
}

/** Mean and standard deviation of the noise: the difference between what D sees and the batch. */
function noiseStats(seen: Tensor, clean: Tensor): { mean: number; std: number } {
  const cleanValues = clean.dataSync();
  const noise = Array.from(seen.dataSync(), (value, i) => value - cleanValues[i]!);
  const mean = noise.reduce((a, c) => a + c, 0) / noise.length;
  const std = Math.sqrt(noise.reduce((a, c) => a + (c - mean) ** 2, 0) / noise.length);
  return { mean, std };
}

describe("@gan/instance-noise", () => {
  test("the noise std measured at several steps follows a decaying schedule, in D and G updates", async () => {
    const harness = await setup({ std: { schedule: "linear", from: 0.5, to: 0, start: 0, end: 100 } });
    const { tf } = harness;
    const real = tf.randomUniform([4096, 2], -1, 1, "float32", 3);
    const fake = tf.randomUniform([4096, 2], -1, 1, "float32", 4);
    for (const [step, std] of [
      [0, 0.5],
      [40, 0.3],
      [80, 0.1],
    ] as const) {
      harness.setStep(step);
      const seen = harness.hooks.discriminatorInputs!({ real, fake }, step);
      const generatorSide = harness.hooks.discriminatorFakeInputs!(fake, step);
      for (const [noisy, clean] of [
        [seen.real, real],
        [seen.fake, fake],
        [generatorSide, fake],
      ] as const) {
        const stats = noiseStats(noisy, clean);
        // 8192 draws: the sample std is within 3% of the true one, the mean within 4.5 standard errors of 0.
        expect(stats.std / std).toBeGreaterThan(0.97);
        expect(stats.std / std).toBeLessThan(1.03);
        expect(Math.abs(stats.mean)).toBeLessThan((4.5 * std) / Math.sqrt(8192));
      }
    }
    expect(harness.logs.map((l) => [l.step, l.name, Number(l.value.toFixed(12))])).toEqual([
      [0, "instance-noise/std", 0.5],
      [40, "instance-noise/std", 0.3],
      [80, "instance-noise/std", 0.1],
    ]);
  });

  test("at std 0 the batches pass unchanged; real and fake get independent noise", async () => {
    const harness = await setup({ std: { schedule: "step", initial: 0.2, changes: [{ at: 10, value: 0 }] } });
    const { tf } = harness;
    const batch = tf.zeros([8, 2]);
    harness.setStep(10);
    const late = harness.hooks.discriminatorInputs!({ real: batch, fake: batch }, 10);
    expect(late.real).toBe(batch);
    expect(late.fake).toBe(batch);
    harness.setStep(0);
    const early = harness.hooks.discriminatorInputs!({ real: batch, fake: batch }, 0);
    expect(Array.from(early.real.dataSync())).not.toEqual(Array.from(early.fake.dataSync()));
  });
});
