/**
 * D's recalibration before rejection sampling: on a tiny ring GAN whose G is untrained (its
 * samples a blob near the centre, far from the ring), training D with G frozen must raise its
 * logits on the ring and lower them on G's samples; the same seed gives the same D; nothing
 * is left behind; a falling rate and a larger batch leave D's logits less dependent on the
 * calibration's own batches; and a draw with calibration sets D's weights back and is deterministic.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { tf, type tfl } from "../tfjs.js";
import { selectBackend } from "../backend/select-backend.js";
import { tinyPlan } from "../testing.js";
import { openDataSource } from "../data/loaders.js";
import { applyDiscriminator, buildDiscriminator, buildGenerator } from "../model/conditional.js";
import { createRng } from "../random.js";
import { calibrateDiscriminator, type CalibrationOptions } from "./discriminator-calibration.js";
import { REJECTION_SAMPLING_DEFAULTS } from "./rejection-sampling.js";
import { drawRejectionSamples, generateSamples } from "./sample-run.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

const weights = (model: tfl.LayersModel) => model.getWeights().map((weight) => Array.from(weight.dataSync()));

function logitsOf(discriminator: tfl.LayersModel, plan: ReturnType<typeof tinyPlan>, values: Float32Array): Float32Array {
  return tf.tidy(() => applyDiscriminator(discriminator, plan, tf.tensor2d(values, [values.length / 2, 2]), undefined, false).logits.dataSync() as Float32Array);
}

function meanLogit(discriminator: tfl.LayersModel, plan: ReturnType<typeof tinyPlan>, values: Float32Array): number {
  return tf.tidy(() => {
    const logits = applyDiscriminator(discriminator, plan, tf.tensor2d(values, [values.length / 2, 2]), undefined, false).logits;
    return tf.mean(logits).dataSync()[0]!;
  });
}

describe("calibrateDiscriminator", () => {
  test("raises D's logits on real data and lowers them on G's samples; deterministic; no tensor left", async () => {
    const plan = tinyPlan();
    const generator = buildGenerator(plan, { seed: 3, tricks: [] });
    const made = () => buildDiscriminator(plan, { seed: 4, tricks: [] });
    const a = made();
    const b = made();
    try {
      const real = (await openDataSource(plan.data, { rng: createRng(9) })).nextBatch(400);
      const fake = generateSamples(generator, plan, 400, 7).values;
      const gapBefore = meanLogit(a, plan, real) - meanLogit(a, plan, fake);
      const before = tf.memory().numTensors;
      const stats = await calibrateDiscriminator(plan, generator, a, { steps: 200, rate: 1e-2 }, createRng(5));
      expect(tf.memory().numTensors).toBe(before);
      const gapAfter = meanLogit(a, plan, real) - meanLogit(a, plan, fake);
      // An untrained D barely tells them apart; calibrated, it puts the ring well above G's blob.
      expect(Math.abs(gapBefore)).toBeLessThan(0.5);
      expect(gapAfter).toBeGreaterThan(2);
      expect(stats.lastLoss).toBeLessThan(stats.firstLoss);
      expect(stats).toMatchObject({ steps: 200, rate: 1e-2 });
      await calibrateDiscriminator(plan, generator, b, { steps: 200, rate: 1e-2 }, createRng(5));
      expect(weights(b)).toEqual(weights(a));
    } finally {
      generator.dispose();
      a.dispose();
      b.dispose();
    }
  });

  test("a falling rate and a larger batch make D's logits depend less on the calibration's own draws", async () => {
    // Two calibrations that differ only in their stream of real and fake batches end with D's
    // logits apart by the noise of their last updates; a rate falling to near 0, or batches of
    // 8 times the plan's, must bring them closer together than the constant rate on the plan's
    // batch does.
    const plan = tinyPlan();
    const generator = buildGenerator(plan, { seed: 3, tricks: [] });
    const real = (await openDataSource(plan.data, { rng: createRng(9) })).nextBatch(200);
    const fake = generateSamples(generator, plan, 200, 7).values;
    const probe = Float32Array.from([...real, ...fake]);
    const spread = async (options: CalibrationOptions) => {
      const [a, b] = await Promise.all(
        [5, 6].map(async (seed) => {
          const discriminator = buildDiscriminator(plan, { seed: 4, tricks: [] });
          try {
            const stats = await calibrateDiscriminator(plan, generator, discriminator, options, createRng(seed));
            expect(stats).toMatchObject({ finalRate: options.finalRate ?? options.rate, batch: options.batch ?? plan.train.batch });
            return logitsOf(discriminator, plan, probe);
          } finally {
            discriminator.dispose();
          }
        }),
      );
      return a!.reduce((sum, value, i) => sum + Math.abs(value - b![i]!), 0) / a!.length;
    };
    try {
      const before = tf.memory().numTensors;
      const constant = await spread({ steps: 200, rate: 1e-2 });
      const falling = await spread({ steps: 200, rate: 1e-2, finalRate: 1e-5 });
      const larger = await spread({ steps: 200, rate: 1e-2, batch: plan.train.batch * 8 });
      expect(tf.memory().numTensors).toBe(before);
      expect(falling).toBeLessThan(constant * 0.7);
      expect(larger).toBeLessThan(constant * 0.7);
    } finally {
      generator.dispose();
    }
  });

  test("a draw with calibration is deterministic, differs from one without, and sets D's weights back", async () => {
    const plan = tinyPlan();
    const generator = buildGenerator(plan, { seed: 3, tricks: [] });
    const discriminator = buildDiscriminator(plan, { seed: 4, tricks: [] });
    try {
      const trained = weights(discriminator);
      const options = { ...REJECTION_SAMPLING_DEFAULTS, burnIn: 500, percentile: 50, calibrationSteps: 50, calibrationRate: 1e-2 };
      await drawRejectionSamples(generator, discriminator, plan, 50, 0, options);
      const before = tf.memory().numTensors;
      const a = await drawRejectionSamples(generator, discriminator, plan, 50, 0, options);
      expect(tf.memory().numTensors).toBe(before);
      expect(weights(discriminator)).toEqual(trained);
      const b = await drawRejectionSamples(generator, discriminator, plan, 50, 0, options);
      expect(Array.from(b.values)).toEqual(Array.from(a.values));
      expect(a.stats).toMatchObject({ calibrationSteps: 50, calibrationRate: 1e-2, accepted: 50 });
      const plain = await drawRejectionSamples(generator, discriminator, plan, 50, 0, { ...options, calibrationSteps: 0 });
      expect(Array.from(plain.values)).not.toEqual(Array.from(a.values));
    } finally {
      generator.dispose();
      discriminator.dispose();
    }
  });
});
