import { describe, expect, test } from "vitest";
import type { Tensor } from "@gan/core";
import { applyRewrite, createTrickTrainer, probeTrick, tinyConditionalPlan, tinyConditionalSource, tinyPlan } from "@gan/core/testing";
import acgan from "./index.js";

const values = (t: Tensor) => Array.from(t.dataSync());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** -log sigmoid(x) and -log(1 - sigmoid(x)), in float64: the nonsaturating loss's halves. */
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
/** Mean softmax cross-entropy of rows of `logits` against `classes`, in float64. */
function crossEntropy(logits: number[], classes: number[], count: number): number {
  return mean(
    classes.map((c, i) => {
      const row = logits.slice(i * count, (i + 1) * count);
      const top = Math.max(...row);
      return Math.log(row.reduce((sum, v) => sum + Math.exp(v - top), 0)) + top - row[c]!;
    }),
  );
}

describe("@gan/acgan: the rewrite", () => {
  test("turns the projection head into an auxiliary classifier, and says so", () => {
    const { plan, rewrites } = applyRewrite(acgan, tinyConditionalPlan());
    expect(plan.condition!.discriminator).toBe("auxiliary");
    expect(rewrites).toEqual([expect.objectContaining({ trick: "@gan/acgan", network: "discriminator", action: "other", description: expect.stringContaining("auxiliary classifier (dense 3") })]);
  });

  test("refuses a spec without classes, saying what to add", () => {
    expect(() => applyRewrite(acgan, tinyPlan())).toThrow("an auxiliary classifier needs classes: add 'condition classes' to the spec");
  });
});

describe("@gan/acgan: the losses equal the hand-computed ones", () => {
  test("D: adversarial + weight x (cross-entropy on real + on fake); G: adversarial + weight x cross-entropy on fake", async () => {
    const seen: { who: "d" | "g"; loss: number; expected: number }[] = [];
    const probe = probeTrick({
      discriminatorLoss(loss, context) {
        const c = context.classes!;
        const adversarial = mean(values(context.realLogits).map((x) => softplus(-x))) + mean(values(context.fakeLogits).map(softplus));
        const classification = crossEntropy(values(c.realClassLogits!), values(c.real!), c.count) + crossEntropy(values(c.fakeClassLogits!), values(c.fake), c.count);
        seen.push({ who: "d", loss: values(loss)[0]!, expected: adversarial + 0.5 * classification });
        return loss;
      },
      generatorLoss(loss, context) {
        const c = context.classes!;
        const adversarial = mean(values(context.fakeLogits).map((x) => softplus(-x)));
        seen.push({ who: "g", loss: values(loss)[0]!, expected: adversarial + 0.5 * crossEntropy(values(c.fakeClassLogits!), values(c.fake), c.count) });
        return loss;
      },
    });
    const { plan } = applyRewrite(acgan, tinyConditionalPlan());
    const { trainer } = await createTrickTrainer(plan, [{ trick: acgan, options: { weight: 0.5 } }, { trick: probe }], { dataSource: tinyConditionalSource() });
    const logged = await trainer.runStep();
    await trainer.runStep();
    trainer.dispose();
    expect(seen.map((s) => s.who)).toEqual(["d", "g", "d", "g"]);
    for (const { loss, expected } of seen) expect(loss).toBeCloseTo(expected, 5);
    expect(Object.keys(logged!)).toEqual(expect.arrayContaining(["acgan/d_class_loss_real", "acgan/d_class_loss_fake", "acgan/g_class_loss"]));
  });

  test("a plan whose D has no auxiliary head (written by hand) is named as the fault", async () => {
    const { trainer } = await createTrickTrainer(tinyConditionalPlan(), [{ trick: acgan }], { dataSource: tinyConditionalSource() });
    await expect(trainer.runStep()).rejects.toThrow(/the discriminator gave no class logits for the real batch: the plan's condition must say discriminator "auxiliary"/);
    trainer.dispose();
  });
});
