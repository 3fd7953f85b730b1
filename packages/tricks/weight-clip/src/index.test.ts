import { describe, expect, test } from "vitest";
import type { LayersModel } from "@gan/core";
import { createTrickTrainer, tinyPlan } from "@gan/core/testing";
import weightClip from "./index.js";

function largest(model: LayersModel): number {
  return Math.max(...model.trainableWeights.map((w) => Math.max(...Array.from(w.read().dataSync(), Math.abs))));
}

describe("@gan/weight-clip", () => {
  test("every weight of D lies inside [-c, c] after a step; G is not clipped", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan({ loss: { kind: "wasserstein" } }), [{ trick: weightClip, options: { c: 0.05 } }]);
    // Glorot-initialised weights of an 8-unit layer reach well beyond 0.05: clipping has work to do.
    expect(largest(trainer.discriminator)).toBeGreaterThan(0.3);
    for (let step = 0; step < 3; step++) {
      await trainer.runStep();
      expect(largest(trainer.discriminator)).toBeLessThanOrEqual(Math.fround(0.05));
    }
    // The bound is a float32 number in the tensors. At least one weight sits on the bound (clipped), and G keeps its large weights.
    const all = trainer.discriminator.trainableWeights.flatMap((w) => Array.from(w.read().dataSync(), Math.abs));
    expect(all.some((value) => Math.abs(value - 0.05) < 1e-7)).toBe(true);
    expect(largest(trainer.generator)).toBeGreaterThan(0.3);
    trainer.dispose();
  });

  test("the default bound is WGAN's 0.01", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: weightClip }]);
    await trainer.runStep();
    expect(largest(trainer.discriminator)).toBeLessThanOrEqual(Math.fround(0.01));
    trainer.dispose();
  });
});
