/**
 * Discriminator rejection sampling: the acceptance rule against a worked example, the loop
 * on a made-up candidate source, and the draw from real (tiny) networks: deterministic, a
 * subsequence of the samples drawn without it, no tensor left behind.
 */
import { describe, expect, test } from "vitest";
import { tf } from "../tfjs.js";
import { tinyConditionalPlan, tinyPlan } from "../testing.js";
import { buildDiscriminator, buildGenerator } from "../model/conditional.js";
import { createRng } from "../random.js";
import { UserError } from "../errors.js";
import { drawRejectionSamples, generateSamples } from "./sample-run.js";
import {
  acceptanceProbabilities,
  checkRejectionSamplingPlan,
  percentile,
  rejectionSample,
  REJECTION_SAMPLING_DEFAULTS,
  unshiftedF,
  type CandidateSource,
} from "./rejection-sampling.js";

describe("the acceptance rule", () => {
  test("percentile is numpy's default (linear between the nearest ranks)", () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 95)).toBeCloseTo(3.85, 12);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
  });

  test("F and sigmoid(F - gamma) of a worked example, D*_M = 2, epsilon 1e-6, gamma the median", () => {
    // By hand: F = (d - M) - log(1 - exp(d - M - eps)).
    //   d = 2   (the maximum): -log(1 - exp(-1e-6)) = 13.815511 (about -log(eps))
    //   d = 0.5: -1.5 - log(1 - exp(-1.500001)) = -1.5 + 0.252482 = -1.247518
    //   d = -1:  -3 - log(1 - exp(-3.000001))   = -3 + 0.051069 = -2.948931
    //   d = -3:  -5 - log(1 - exp(-5.000001))   = -5 + 0.006761 = -4.993239
    // gamma = the median of the four = (-1.247518 - 2.948931) / 2 = -2.098224, and the two
    // middle samples sit symmetrically about it: sigmoid(+-0.850707) = 0.700715 and 0.299285.
    expect(unshiftedF(2, 2, 1e-6)).toBeCloseTo(13.815511, 5);
    expect(unshiftedF(0.5, 2, 1e-6)).toBeCloseTo(-1.247518, 5);
    const { probabilities, gamma } = acceptanceProbabilities([2, 0.5, -1, -3], 2, { percentile: 50, epsilon: 1e-6 });
    expect(gamma).toBeCloseTo(-2.098224, 5);
    const expected = [0.9999999, 0.700715, 0.299285, 0.052401];
    expected.forEach((p, i) => expect(probabilities[i]).toBeCloseTo(p, 5));
  });

  test("a higher percentile keeps every sample less often", () => {
    const logits = [1.5, 0.2, -0.7, -2, -4];
    const low = acceptanceProbabilities(logits, 1.5, { percentile: 50, epsilon: 1e-6 }).probabilities;
    const high = acceptanceProbabilities(logits, 1.5, { percentile: 95, epsilon: 1e-6 }).probabilities;
    low.forEach((p, i) => expect(high[i]).toBeLessThan(p));
  });
});

/** Candidates numbered 0, 1, 2, ...; every third is "real" (logit 3), the others "fake" (-3). */
function numbered(): { draw: CandidateSource; burnIns: number[] } {
  let next = 0;
  const burnIns: number[] = [];
  const draw: CandidateSource = (n, phase) => {
    if (phase === "burn-in") {
      burnIns.push(n);
      return { values: new Float32Array(n), logits: new Float32Array(n).fill(2) };
    }
    const values = Float32Array.from({ length: n }, (_, i) => next + i);
    const logits = values.map((v) => (v % 3 === 0 ? 3 : -3));
    next += n;
    return { values, logits };
  };
  return { draw, burnIns };
}

describe("rejectionSample", () => {
  test("keeps mostly what D rates real, deterministically, and counts what it examined", () => {
    // At the 80th percentile gamma is a real candidate's F: the real ones are kept half the
    // time, the fake ones (F lower by 6 plus 13.8 for being off the maximum) almost never.
    const options = { ...REJECTION_SAMPLING_DEFAULTS, percentile: 80, burnIn: 2500 };
    const first = numbered();
    const a = rejectionSample(first.draw, 200, 1, options, createRng(1));
    // The burn-in is drawn in whole batches (rounded up) and not kept.
    expect(first.burnIns).toEqual([1000, 1000, 1000]);
    const real = Array.from(a.values).filter((v) => v % 3 === 0).length;
    expect(real).toBe(200);
    expect(a.stats).toMatchObject({ accepted: 200, percentile: 80, burnIn: 2500, maxLogit: 3 });
    // Half of the third that is real: a sixth of the candidates.
    expect(a.stats.acceptance).toBeGreaterThan(0.12);
    expect(a.stats.acceptance).toBeLessThan(0.22);
    expect(a.stats.acceptance).toBeCloseTo(200 / a.stats.candidates, 12);
    // The values kept are in the order drawn.
    expect(Array.from(a.values)).toEqual(Array.from(a.values).sort((x, y) => x - y));
    const b = rejectionSample(numbered().draw, 200, 1, options, createRng(1));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(rejectionSample(numbered().draw, 200, 1, options, createRng(2)).values)).not.toEqual(Array.from(a.values));
  });

  test("with one logit per pack of m samples, packs are kept or dropped whole (pack r: samples r, r + n, ...)", () => {
    // 1,000 samples numbered from 0 in packs of 2: pack r holds samples r and r + 500; every third pack is "real".
    let next = 0;
    const draw: CandidateSource = (n) => {
      const values = Float32Array.from({ length: n }, (_, i) => next + i);
      next += n;
      const logits = Float32Array.from({ length: n / 2 }, (_, r) => (r % 3 === 0 ? 3 : -3));
      return { values, logits };
    };
    const { values, stats } = rejectionSample(draw, 100, 1, { ...REJECTION_SAMPLING_DEFAULTS, percentile: 80, burnIn: 1 }, createRng(3));
    // The burn-in drew the first batch (samples 0 to 999), the candidates come after.
    const kept = Array.from(values, (v) => v - 1000);
    for (let i = 0; i < kept.length; i += 2) {
      const r = kept[i]!;
      expect(r % 3).toBe(0);
      expect(kept[i + 1]).toBe(r + 500);
    }
    expect(stats.accepted).toBe(100);
    expect(stats.candidates % 2).toBe(0);
  });

  test("options out of range are refused, naming the option", () => {
    for (const [options, name] of [
      [{ ...REJECTION_SAMPLING_DEFAULTS, percentile: 101 }, "percentile"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, burnIn: 0 }, "burnIn"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, epsilon: 0 }, "epsilon"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationSteps: -1 }, "calibrationSteps"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationSteps: 2.5 }, "calibrationSteps"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationSteps: 10, calibrationRate: 0 }, "calibrationRate"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationFinalRate: -1e-5 }, "calibrationFinalRate"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationFinalRate: Number.NaN }, "calibrationFinalRate"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationBatch: 0 }, "calibrationBatch"],
      [{ ...REJECTION_SAMPLING_DEFAULTS, calibrationBatch: 12.5 }, "calibrationBatch"],
    ] as const) {
      const call = () => rejectionSample(numbered().draw, 10, 1, options, createRng(1));
      expect(call).toThrow(UserError);
      expect(call).toThrow(name);
    }
  });
});

describe("drawRejectionSamples on networks", () => {
  test("deterministic, a subsequence of the samples drawn without it, and no tensor left", async () => {
    const plan = tinyPlan();
    const generator = buildGenerator(plan, { seed: 3, tricks: [] });
    const discriminator = buildDiscriminator(plan, { seed: 4, tricks: [] });
    try {
      const options = { ...REJECTION_SAMPLING_DEFAULTS, burnIn: 500, calibrationSteps: 0 };
      await drawRejectionSamples(generator, discriminator, plan, 50, 0, options);
      const before = tf.memory().numTensors;
      const a = await drawRejectionSamples(generator, discriminator, plan, 50, 0, options);
      expect(tf.memory().numTensors).toBe(before);
      const b = await drawRejectionSamples(generator, discriminator, plan, 50, 0, options);
      expect(Array.from(b.values)).toEqual(Array.from(a.values));
      expect(a.stats.accepted).toBe(50);
      expect(a.stats.candidates).toBeGreaterThan(50);
      // The candidates are the samples generateSamples draws from the same seed: DRS keeps some, in order.
      const all = generateSamples(generator, plan, a.stats.candidates, 0).values;
      const rows = (values: Float32Array) => Array.from({ length: values.length / 2 }, (_, i) => `${values[2 * i]},${values[2 * i + 1]}`);
      const candidates = rows(all);
      let at = 0;
      for (const row of rows(a.values)) {
        at = candidates.indexOf(row, at) + 1;
        expect(at, `${row} is not among the candidates after the previous one kept`).toBeGreaterThan(0);
      }
    } finally {
      generator.dispose();
      discriminator.dispose();
    }
  });

  test("a conditional run is refused, naming why", () => {
    expect(() => checkRejectionSamplingPlan(tinyConditionalPlan())).toThrow(/conditional run/);
    expect(() => checkRejectionSamplingPlan(tinyPlan())).not.toThrow();
  });
});
