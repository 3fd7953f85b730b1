/**
 * Discriminator rejection sampling (DRS; Azadi, Olsson, Darrell, Goodfellow and Odena,
 * "Discriminator Rejection Sampling", ICLR 2019): the trained D filters G's samples after
 * training. The one definition of the algorithm, used by `gan eval --drs`, `gan sample --drs`
 * and a spec's `use "@gan/drs"` (its in-training evaluations and its `gan eval`).
 *
 * A D trained to optimality on real data against G outputs D*(x) = log(p_data(x) / p_g(x))
 * as its logit, so accepting a sample of G with probability p_data(x) / (M p_g(x)), where M
 * bounds the ratio, would give exact samples of the data. DRS does this approximately:
 *
 *   1. burn-in: D's largest logit over `burnIn` samples of G estimates log M (D*_M);
 *   2. for each candidate x, with D~ its logit and D*_M raised to D~ whenever D~ exceeds it,
 *        F(x) = D~ - D*_M - log(1 - exp(D~ - D*_M - epsilon)) - gamma
 *      (the logit of the acceptance probability exp(D~ - D*_M), kept away from 1 by epsilon);
 *   3. accept x when sigmoid(F(x)) > u, u uniform in [0, 1).
 *
 * gamma shifts every F by the same amount. Without it nearly every sample is rejected (D*_M
 * is the largest of thousands of logits); the paper sets it per batch to a percentile of F,
 * as the reference implementations do (Uber's MH-GAN code, `rejection_sample`, 95 by default):
 * at percentile P, the sample at the P-th percentile of a batch is kept with probability 1/2,
 * those above more often, those below less. A higher percentile rejects more.
 *
 * Before the burn-in, D can be trained further with G frozen (`calibrationSteps`, the paper's
 * "KeepTraining", to bring D closer to D*; `calibrationRate` falling to `calibrationFinalRate`, on
 * batches of `calibrationBatch`): discriminator-calibration.ts. With 0 steps the
 * checkpoint's D is used as it is, like the reference code for the 2-D mixtures.
 *
 * DRS changes which samples are drawn, never G: the cost is more G and D forward passes per
 * sample kept (1 / the acceptance rate, plus the burn-in).
 *
 * A packing D (@gan/pack, PacGAN) gives one logit per pack of m samples: its optimum is the
 * log ratio of the m samples' joint densities, data against G, so the same rule applied to
 * whole packs samples the m-fold product of the data approximately, and each sample of a
 * kept pack is approximately a sample of the data. DRS keeps or drops packs whole.
 */
import type { Plan } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";

export interface RejectionSamplingOptions {
  /** gamma is this percentile (0 to 100) of F over each batch of candidates. */
  percentile: number;
  /** Samples of G drawn first to estimate D*_M, the largest logit (not kept). */
  burnIn: number;
  /** Keeps 1 - exp(D~ - D*_M - epsilon) above 0 for the sample at the maximum. */
  epsilon: number;
  /** D updates with G frozen before the burn-in (discriminator-calibration.ts); 0: D as trained. */
  calibrationSteps: number;
  /** Adam's learning rate at the first of those updates. */
  calibrationRate: number;
  /** The rate at the last update, reached from calibrationRate along half a cosine (equal to it: a constant rate). */
  calibrationFinalRate: number;
  /** Real samples, and as many of G's, per calibration update; absent: the plan's batch size. */
  calibrationBatch?: number | undefined;
}

/**
 * The defaults: the 95th percentile and epsilon 1e-6 of the reference code, a burn-in of
 * 10,000 samples, and D recalibrated for 5,000 Adam steps from 1e-3 first: on the 25-Gaussian
 * grid (bench/QUALITY.md) that took high quality from 69-90% with the checkpoint's D to 94-96%
 * over 8 runs, where 2,000 steps gave 90-95% and a rate of 1e-4 barely moved D. The rate falls
 * to 1e-5 by the last update: held at 1e-3 it left D's logits a few tenths of noise away from
 * settled, and the falling rate lowered the reverse KL on all 5 grid seeds measured (0.131 to
 * 0.104 on average) and the ring's worst seed from 0.093 to 0.020. The calibration's batch is
 * the plan's by default (calibrationBatch unset): 500 on the grid costs three times the time.
 */
export const REJECTION_SAMPLING_DEFAULTS: RejectionSamplingOptions = {
  percentile: 95,
  burnIn: 10_000,
  epsilon: 1e-6,
  calibrationSteps: 5000,
  calibrationRate: 1e-3,
  calibrationFinalRate: 1e-5,
};

/** What a rejection-sampled draw cost: the figures `gan eval` reports beside its metrics. */
export interface RejectionSamplingStats {
  percentile: number;
  burnIn: number;
  epsilon: number;
  /** D updates with G frozen before the draw (0: D as trained; absent in reports written before calibration existed). */
  calibrationSteps: number;
  calibrationRate: number;
  /** The calibration's rate at its last update (absent in reports written before it could fall: a constant rate). */
  calibrationFinalRate?: number | undefined;
  /** Present when the calibration's batch was not the plan's. */
  calibrationBatch?: number | undefined;
  /** Candidate samples examined after the burn-in (each one G forward pass, and D's on its pack). */
  candidates: number;
  /** Samples kept: the count asked for. */
  accepted: number;
  /** The share of candidates kept (of packs, with a packing D): samples examined per sample kept is 1 / acceptance. */
  acceptance: number;
  /** D*_M at the end: the largest logit seen, burn-in and candidates together. */
  maxLogit: number;
}

/** The trick whose `use` line in a spec asks for DRS (its options are RejectionSamplingOptions). */
export const REJECTION_SAMPLING_TRICK = "@gan/drs";

/**
 * About n samples of G (`values`, sample after sample) and D's logits on them, for the
 * burn-in or as candidates: a source may draw the two from different streams. One logit per
 * sample, or, when D judges packs of m samples (@gan/pack), one per pack: with u logits, pack
 * r holds samples r, r + u, ..., r + (m - 1) u (@gan/pack's layout), and DRS keeps or drops a
 * pack whole.
 */
export type CandidateSource = (n: number, phase: "burn-in" | "candidates") => { values: Float32Array; logits: Float32Array };

/** Candidates drawn (and scored by D) at a time, by default. */
export const CANDIDATE_BATCH = 1000;

/**
 * Gives up when this many candidates per sample asked for were examined: D rejects nearly
 * everything, and more draws would only spend time.
 */
const MAX_CANDIDATES_PER_SAMPLE = 1000;

/** numpy's default percentile (linear between the two nearest ranks) of `values`, p in [0, 100]. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (rank - below) * (sorted[above]! - sorted[below]!);
}

/**
 * F(x) before the shift by gamma, for logits at most `maxLogit`:
 * D~ - D*_M - log(1 - exp(D~ - D*_M - epsilon)). log1p keeps the term exact where
 * exp(...) is small (logits far below the maximum), where it is nearly 0.
 */
export function unshiftedF(logit: number, maxLogit: number, epsilon: number): number {
  const delta = logit - maxLogit;
  return delta - Math.log1p(-Math.exp(delta - epsilon));
}

/**
 * The acceptance probability sigmoid(F(x)) of each of a batch's logits, gamma being the
 * `percentile` of the batch's F; every logit must be at most `maxLogit` (raise D*_M first).
 */
export function acceptanceProbabilities(logits: ArrayLike<number>, maxLogit: number, options: Pick<RejectionSamplingOptions, "percentile" | "epsilon">): { probabilities: Float64Array; gamma: number } {
  const f = Float64Array.from(logits, (logit) => unshiftedF(logit, maxLogit, options.epsilon));
  const gamma = percentile(f, options.percentile);
  const probabilities = f.map((value) => 1 / (1 + Math.exp(-(value - gamma))));
  return { probabilities, gamma };
}

/** A message for options out of range, naming the option; undefined when they are valid. */
export function rejectionSamplingProblem(options: RejectionSamplingOptions): string | undefined {
  if (!(Number.isFinite(options.percentile) && options.percentile >= 0 && options.percentile <= 100)) return `percentile must be a number from 0 to 100, got ${options.percentile}`;
  if (!(Number.isInteger(options.burnIn) && options.burnIn >= 1)) return `burnIn must be a whole number of samples, at least 1, got ${options.burnIn}`;
  if (!(Number.isFinite(options.epsilon) && options.epsilon > 0)) return `epsilon must be a positive number, got ${options.epsilon}`;
  if (!(Number.isInteger(options.calibrationSteps) && options.calibrationSteps >= 0)) return `calibrationSteps must be a whole number of D updates, 0 or more, got ${options.calibrationSteps}`;
  if (!(Number.isFinite(options.calibrationRate) && options.calibrationRate > 0)) return `calibrationRate must be a positive number, got ${options.calibrationRate}`;
  if (!(Number.isFinite(options.calibrationFinalRate) && options.calibrationFinalRate > 0)) return `calibrationFinalRate must be a positive number, got ${options.calibrationFinalRate}`;
  if (options.calibrationBatch !== undefined && !(Number.isInteger(options.calibrationBatch) && options.calibrationBatch >= 1)) return `calibrationBatch must be a whole number of samples, at least 1, got ${options.calibrationBatch}`;
  return undefined;
}

/**
 * Discriminator rejection sampling works on a D that scores samples without a class:
 * refused, naming why, for a conditional run.
 */
export function checkRejectionSamplingPlan(plan: Plan): void {
  if (plan.condition !== undefined) {
    throw new UserError(`discriminator rejection sampling (--drs, ${REJECTION_SAMPLING_TRICK}) is not supported for the conditional run ${plan.name}: its samples would no longer keep the classes asked for`);
  }
}

function maxOf(values: Float32Array, start: number): number {
  let max = start;
  for (const value of values) {
    if (Number.isNaN(value)) throw new UserError("discriminator rejection sampling: D gave a NaN logit; the checkpoint's discriminator is broken");
    if (value > max) max = value;
  }
  return max;
}

/**
 * `count` samples of `perSample` numbers drawn from `draw` and kept by DRS; `uniform` gives
 * the u of each acceptance test. Deterministic for a deterministic `draw` and `uniform`.
 * `batch` samples are drawn at a time, the burn-in included (which is rounded up to whole
 * batches): with a packing D it must be a multiple of the pack size.
 */
export function rejectionSample(
  draw: CandidateSource,
  count: number,
  perSample: number,
  options: RejectionSamplingOptions,
  uniform: Rng,
  batch = CANDIDATE_BATCH,
): { values: Float32Array; stats: RejectionSamplingStats } {
  const problem = rejectionSamplingProblem(options);
  if (problem !== undefined) throw new UserError(`discriminator rejection sampling: ${problem}`);
  let maxLogit = -Infinity;
  for (let done = 0; done < options.burnIn; done += batch) {
    maxLogit = maxOf(draw(batch, "burn-in").logits, maxLogit);
  }
  const values = new Float32Array(count * perSample);
  let accepted = 0;
  let candidates = 0;
  let unitsExamined = 0;
  let unitsKept = 0;
  while (accepted < count) {
    if (candidates >= count * MAX_CANDIDATES_PER_SAMPLE) {
      throw new UserError(
        `discriminator rejection sampling kept ${accepted} of ${candidates} candidates (${count} asked for): ` +
          `D rejects nearly every sample of G; a lower percentile (now ${options.percentile}) keeps more`,
      );
    }
    const drawn = draw(batch, "candidates");
    const units = drawn.logits.length;
    const m = drawn.values.length / perSample / units;
    if (!Number.isInteger(m) || m < 1) throw new Error(`a candidate batch of ${drawn.values.length / perSample} samples came with ${units} logits`);
    // The paper's running maximum: D*_M rises as soon as a candidate exceeds it.
    maxLogit = maxOf(drawn.logits, maxLogit);
    const { probabilities } = acceptanceProbabilities(drawn.logits, maxLogit, options);
    for (let r = 0; r < units && accepted < count; r++) {
      unitsExamined++;
      candidates += m;
      if (!(probabilities[r]! > uniform.next())) continue;
      unitsKept++;
      for (let k = 0; k < m && accepted < count; k++) {
        const sample = r + k * units;
        values.set(drawn.values.subarray(sample * perSample, (sample + 1) * perSample), accepted * perSample);
        accepted++;
      }
    }
  }
  return {
    values,
    stats: { ...options, candidates, accepted, acceptance: unitsKept / unitsExamined, maxLogit },
  };
}
