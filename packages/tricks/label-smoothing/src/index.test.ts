import { describe, expect, test } from "vitest";
import { builtinLoss, type JsonValue } from "@gan/core";
import { createTrickHarness, createTrickTrainer, probeTrick, tinyPlan } from "@gan/core/testing";
import labelSmoothing from "./index.js";

/** Binary cross-entropy of a logit against a target, in float64: what the smoothed loss must be. */
function bce(logit: number, target: number): number {
  const p = 1 / (1 + Math.exp(-logit));
  return -(target * Math.log(p) + (1 - target) * Math.log(1 - p));
}
const mean = (xs: number[]) => xs.reduce((a, c) => a + c, 0) / xs.length;

/** Trains two steps; a probe after the trick computes D's loss by hand from the logits with targets t1 (real) and t0 (fake). */
async function trainTwoSteps(options: Record<string, JsonValue>, [t1, t0]: [number, number], loss: "nonsaturating" | "least-squares" = "nonsaturating") {
  const seen: { loss: number; expected: number }[] = [];
  const probe = probeTrick({
    discriminatorLoss(value, context) {
      const real = Array.from(context.realLogits.dataSync());
      const fake = Array.from(context.fakeLogits.dataSync());
      const expected =
        loss === "nonsaturating"
          ? mean(real.map((x) => bce(x, t1))) + mean(fake.map((x) => bce(x, t0)))
          : 0.5 * (mean(real.map((x) => (x - t1) ** 2)) + mean(fake.map((x) => (x - t0) ** 2)));
      seen.push({ loss: value.dataSync()[0]!, expected });
      return value;
    },
  });
  const { trainer } = await createTrickTrainer(tinyPlan({ loss: { kind: loss } }), [{ trick: labelSmoothing, options }, { trick: probe }]);
  await trainer.runStep();
  await trainer.runStep();
  trainer.dispose();
  return seen;
}

describe("@gan/label-smoothing: D's loss equals the hand-computed smoothed loss", () => {
  test("one-sided by default: real targets 0.9, fake 0", async () => {
    const seen = await trainTwoSteps({}, [0.9, 0]);
    expect(seen).toHaveLength(2);
    for (const { loss, expected } of seen) expect(loss).toBeCloseTo(expected, 5);
    // The smoothed loss is not the plain one: with targets 1 and 0 the numbers would differ.
    const harness = await createTrickHarness(labelSmoothing, { plan: tinyPlan() });
    expect(harness.hooks.labels!({ real: 1, fake: 0 }, 0)).toEqual({ real: 0.9, fake: 0 });
  });

  test("two-sided with a fake target, on the least-squares loss", async () => {
    const seen = await trainTwoSteps({ real: 0.8, fake: 0.1 }, [0.8, 0.1], "least-squares");
    for (const { loss, expected } of seen) expect(loss).toBeCloseTo(expected, 5);
  });
});

describe("@gan/label-smoothing: targets", () => {
  test("a schedule moves the real target over training", async () => {
    const harness = await createTrickHarness(labelSmoothing, {
      plan: tinyPlan(),
      options: { real: { schedule: "linear", from: 0.7, to: 1, start: 0, end: 100 } },
    });
    harness.setStep(50);
    expect(harness.hooks.labels!({ real: 1, fake: 0 }, 50).real).toBeCloseTo(0.85, 12);
    harness.setStep(200);
    expect(harness.hooks.labels!({ real: 1, fake: 0 }, 200).real).toBe(1);
  });

  test("per-sample targets from an earlier trick are mapped: 1 to real, 0 to fake", async () => {
    const harness = await createTrickHarness(labelSmoothing, { plan: tinyPlan(), options: { real: 0.9, fake: 0.2 } });
    const { tf } = harness;
    const labels = harness.hooks.labels!({ real: tf.tensor1d([1, 0, 1]), fake: tf.tensor1d([0, 1, 0]) }, 0);
    expect(Array.from((labels.real as import("@gan/core").Tensor).dataSync()).map((x) => Number(x.toFixed(6)))).toEqual([0.9, 0.2, 0.9]);
    expect(Array.from((labels.fake as import("@gan/core").Tensor).dataSync()).map((x) => Number(x.toFixed(6)))).toEqual([0.2, 0.9, 0.2]);
  });

  test("a loss without labels is refused at compile time; targets above 1 by the schema", async () => {
    expect(() =>
      labelSmoothing.rewrite!(tinyPlan({ loss: { kind: "hinge" } }), {
        options: {} as never,
        use: { package: "@gan/label-smoothing", version: "0.1.0", options: {}, window: {} },
        loss: builtinLoss("hinge"),
      }),
    ).toThrow("the hinge loss has no labels to smooth: remove @gan/label-smoothing or use a loss with targets (minimax, nonsaturating, least-squares)");
    await expect(createTrickHarness(labelSmoothing, { plan: tinyPlan(), options: { real: 1.1 } })).rejects.toThrow("@gan/label-smoothing: invalid options: real:");
  });
});
