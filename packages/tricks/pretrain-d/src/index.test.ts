import { describe, expect, test } from "vitest";
import type { LayersModel } from "@gan/core";
import { createTrickTrainer, tinyPlan } from "@gan/core/testing";
import pretrainD from "./index.js";

function weights(model: LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

describe("@gan/pretrain-d", () => {
  test("G's weights are unchanged during the pretraining steps, D's change; then G trains", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: pretrainD, options: { steps: 4 } }]);
    const g0 = weights(trainer.generator);
    let d = weights(trainer.discriminator);
    for (let step = 0; step < 4; step++) {
      await trainer.runStep();
      expect(weights(trainer.generator)).toEqual(g0);
      const next = weights(trainer.discriminator);
      expect(next).not.toEqual(d);
      d = next;
    }
    await trainer.runStep();
    expect(weights(trainer.generator)).not.toEqual(g0);
    trainer.dispose();
  });

  test("the default is 100 steps", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: pretrainD }]);
    expect(trainer.bus.count("generatorUpdates", 1)).toBe(0);
    trainer.bus.setStep(99);
    expect(trainer.bus.count("generatorUpdates", 1)).toBe(0);
    trainer.bus.setStep(100);
    expect(trainer.bus.count("generatorUpdates", 1)).toBe(1);
    trainer.dispose();
  });
});
