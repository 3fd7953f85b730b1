import { describe, expect, test } from "vitest";
import { REJECTION_SAMPLING_DEFAULTS } from "@gan/core";
import { createTrickTrainer, tinyConditionalPlan, tinyConditionalSource, tinyPlan } from "@gan/core/testing";
import drs from "./index.js";

describe("@gan/drs", () => {
  test("the run's bus answers the spec's options, the defaults filled in; training is unchanged", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: drs, options: { percentile: 80 } }]);
    try {
      expect(trainer.bus.rejectionSampling()).toEqual({ ...REJECTION_SAMPLING_DEFAULTS, percentile: 80 });
      const { trainer: plain } = await createTrickTrainer(tinyPlan(), []);
      try {
        expect(plain.bus.rejectionSampling()).toBeUndefined();
        // No hook of the training step: both runs train to the same weights.
        for (let i = 0; i < 2; i++) {
          await trainer.runStep();
          await plain.runStep();
        }
        const weights = (t: typeof trainer) => [...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
        expect(weights(trainer)).toEqual(weights(plain));
      } finally {
        plain.dispose();
      }
    } finally {
      trainer.dispose();
    }
  });

  test("calibrate and calibrateRate are the draw's D recalibration", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: drs, options: { calibrate: 500, calibrateRate: 1e-3 } }]);
    try {
      expect(trainer.bus.rejectionSampling()).toEqual({ ...REJECTION_SAMPLING_DEFAULTS, calibrationSteps: 500, calibrationRate: 1e-3 });
    } finally {
      trainer.dispose();
    }
  });

  test("calibrateFinalRate and calibrateBatch are the calibration's falling rate and its batch", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: drs, options: { calibrateFinalRate: 1e-5, calibrateBatch: 500 } }]);
    try {
      expect(trainer.bus.rejectionSampling()).toEqual({ ...REJECTION_SAMPLING_DEFAULTS, calibrationFinalRate: 1e-5, calibrationBatch: 500 });
    } finally {
      trainer.dispose();
    }
  });

  test("calibrateFinalRate and calibrateBatch out of range are refused, naming the option", async () => {
    for (const [options, name] of [
      [{ calibrateFinalRate: 0 }, "calibrateFinalRate"],
      [{ calibrateBatch: 0 }, "calibrateBatch"],
      [{ calibrateBatch: 1.5 }, "calibrateBatch"],
    ] as const) {
      await expect(createTrickTrainer(tinyPlan(), [{ trick: drs, options }])).rejects.toThrow(name);
    }
  });

  test("a conditional run is refused at setup, saying why", async () => {
    await expect(createTrickTrainer(tinyConditionalPlan(), [{ trick: drs }], { dataSource: tinyConditionalSource() })).rejects.toThrow(/conditional run/);
  });
});
