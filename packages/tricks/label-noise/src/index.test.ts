import { describe, expect, test } from "vitest";
import { BUILTIN_LOSSES, builtinLoss, type JsonValue, type Tensor } from "@gan/core";
import { createTrickHarness, tinyPlan } from "@gan/core/testing";
import labelNoise from "./index.js";

const BATCH = 64;

async function setup(options: Record<string, JsonValue>, seed = 7) {
  return createTrickHarness(labelNoise, { plan: tinyPlan({ train: { steps: 1000, batch: BATCH, seed, backend: "cpu" } }), options });
}

function values(target: number | Tensor): number[] {
  return typeof target === "number" ? [target] : Array.from(target.dataSync());
}

describe("@gan/label-noise: flips", () => {
  test("the flip rate over many draws lies within a binomial bound of p", async () => {
    const harness = await setup({ flip: 0.1 });
    const draws = 200;
    let flippedReal = 0;
    let flippedFake = 0;
    for (let step = 0; step < draws; step++) {
      harness.setStep(step);
      harness.tf.tidy(() => {
        const labels = harness.hooks.labels!({ real: 1, fake: 0 }, step);
        const real = values(labels.real);
        const fake = values(labels.fake);
        expect(real).toHaveLength(BATCH);
        // A flipped target is exactly the other side's: nothing in between.
        expect(real.every((t) => t === 0 || t === 1)).toBe(true);
        flippedReal += real.filter((t) => t === 0).length;
        flippedFake += fake.filter((t) => t === 1).length;
      });
    }
    const n = draws * BATCH;
    // 4.5 standard deviations of Binomial(n, 0.1): a correct trick fails once in ~150,000 seeds.
    const bound = 4.5 * Math.sqrt(n * 0.1 * 0.9);
    for (const flipped of [flippedReal, flippedFake]) {
      expect(Math.abs(flipped - 0.1 * n)).toBeLessThan(bound);
    }
    expect(harness.logs.filter((l) => l.name === "label-noise/flipped")).toHaveLength(draws);
  });

  test("flip takes a schedule: no flips at its end value 0", async () => {
    const harness = await setup({ flip: { schedule: "linear", from: 0.5, to: 0, start: 0, end: 10 } });
    harness.setStep(10);
    const labels = harness.hooks.labels!({ real: 1, fake: 0 }, 10);
    expect(values(labels.real).every((t) => t === 1)).toBe(true);
    harness.setStep(0);
    const early = harness.hooks.labels!({ real: 1, fake: 0 }, 0);
    const flipped = values(early.real).filter((t) => t === 0).length;
    expect(flipped).toBeGreaterThan(BATCH * 0.5 - 4.5 * Math.sqrt(BATCH * 0.25));
  });

  test("the same seed draws the same flips; another seed others", async () => {
    const a = values((await setup({ flip: 0.3 }, 1)).hooks.labels!({ real: 1, fake: 0 }, 0).real);
    const b = values((await setup({ flip: 0.3 }, 1)).hooks.labels!({ real: 1, fake: 0 }, 0).real);
    const c = values((await setup({ flip: 0.3 }, 2)).hooks.labels!({ real: 1, fake: 0 }, 0).real);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe("@gan/label-noise: soft labels", () => {
  test("soft targets lie in the ganhacks ranges and fill them", async () => {
    const harness = await setup({ soft: true, flip: 0 });
    const real: number[] = [];
    const fake: number[] = [];
    for (let step = 0; step < 50; step++) {
      const labels = harness.hooks.labels!({ real: 1, fake: 0 }, step);
      real.push(...values(labels.real));
      fake.push(...values(labels.fake));
    }
    expect(Math.min(...real)).toBeGreaterThanOrEqual(0.7);
    expect(Math.max(...real)).toBeLessThan(1.2);
    expect(Math.min(...fake)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...fake)).toBeLessThan(0.3);
    // Uniform: mean at the middle, within 4.5 standard errors (std of U[a, b] is (b - a) / sqrt(12)).
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean(real) - 0.95)).toBeLessThan((4.5 * 0.5) / Math.sqrt(12 * real.length));
    expect(Math.abs(mean(fake) - 0.15)).toBeLessThan((4.5 * 0.3) / Math.sqrt(12 * fake.length));
  });

  test("custom ranges are checked", async () => {
    await expect(setup({ soft: true, real: [1.2, 0.8] })).rejects.toThrow("the range must be [low, high] with low <= high");
  });
});

describe("@gan/label-noise: compile time", () => {
  test("a loss without labels is refused", () => {
    const plan = tinyPlan({ loss: { kind: "wasserstein" } });
    const use = { package: "@gan/label-noise", version: "0.1.0", options: {}, window: {} };
    expect(() => labelNoise.rewrite!(plan, { options: {} as never, use, loss: builtinLoss("wasserstein") })).toThrow(
      "the wasserstein loss has no labels to make noisy: remove @gan/label-noise or use a loss with targets (minimax, nonsaturating, least-squares)",
    );
    // Every built-in loss that takes targets is accepted, and every other one refused, from its declaration.
    for (const loss of BUILTIN_LOSSES) {
      const rewrite = () => labelNoise.rewrite!(tinyPlan({ loss: { kind: loss.kind } }), { options: {} as never, use, loss });
      if (loss.takesTargets) expect(rewrite().rewrites).toEqual([]);
      else expect(rewrite).toThrow(`the ${loss.kind} loss has no labels to make noisy`);
    }
  });
});
