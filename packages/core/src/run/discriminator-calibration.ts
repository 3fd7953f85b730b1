/**
 * D's recalibration before discriminator rejection sampling: the paper's "KeepTraining" step
 * (Azadi et al. 2019, section 4). DRS reads D's logit as D*(x) = log(p_data(x) / p_g(x)),
 * which only a D trained to optimality against the G it filters gives. A run's last D is not
 * that: it was trained a step at a time against a moving G, and usually with a penalty (WGAN-GP's
 * pulls |grad D| toward 1, so its logit can barely change between a mode's centre and a sample
 * a fraction of a unit away). So before sampling, D is trained further with G frozen:
 *
 *   - for `steps` updates, each on a batch (the plan's batch size) of fresh real data from the
 *     plan's data source (a stream of its own: the run's stream is not advanced) and a batch of
 *     G's samples (the sampling generator in inference mode, the samples DRS will filter);
 *   - with the plain sigmoid cross-entropy loss (the nonsaturating loss's D loss, whatever the
 *     plan's loss is), no penalty, no trick: its optimum is exactly log(p_data / p_g), the
 *     quantity DRS needs; a hinge or Wasserstein D's optimum is not, and a penalty holds D away
 *     from it;
 *   - with Adam (beta1 0.5, beta2 0.999) at `rate`, through the same optimizer the trainer uses,
 *     or, with `finalRate`, at a rate falling from `rate` to `finalRate` along half a cosine over
 *     the updates: at a constant rate D's last weights are one noisy Adam step from the next, and
 *     its logits move by a few tenths from step to step, as much as a mode's weight error that
 *     DRS is meant to correct; a falling rate lets them settle;
 *   - on batches of `batch` real and `batch` fake samples (the plan's batch size by default): a
 *     larger batch lowers the noise of each gradient the same way;
 *   - D applied in inference mode, as it is when it scores candidates (no dropout masks;
 *     batch normalisation with its moving statistics, which are left as they are).
 *
 * D's weights are trained in place: drawRejectionSamples goes through withCalibratedDiscriminator,
 * which sets them back after the draw (for sampleRun, the D restored from the checkpoint, which
 * is never written back to disk; for a run's evaluations, the trainer's own D). Seeded and
 * deterministic: the same seed gives the same real and fake batches, so the same weights.
 */
import type { Plan } from "@gan/plan";
import { openDataSource } from "../data/loaders.js";
import { discriminatorLoss } from "../losses/index.js";
import { sampleLatent } from "../loop/latent.js";
import { trainableVariables } from "../model/build-network.js";
import { applyDiscriminator, applyGenerator } from "../model/conditional.js";
import { createOptimizer } from "../optimizers.js";
import type { Rng } from "../random.js";
import { tf, type tfl } from "../tfjs.js";

export interface CalibrationOptions {
  /** D updates with G frozen; 0: none. */
  steps: number;
  /** Adam's learning rate (at the first update, with `finalRate`). */
  rate: number;
  /** The rate at the last update, reached along half a cosine from `rate`; absent: `rate` throughout. */
  finalRate?: number | undefined;
  /** Real samples, and as many fake, per update; absent: the plan's batch size. */
  batch?: number | undefined;
}

/** What calibration did: its loss before the first and after the last update. */
export interface CalibrationStats {
  steps: number;
  rate: number;
  finalRate: number;
  batch: number;
  /** D's cross-entropy on the first batches, before any update, and on the last batches, before the last update. */
  firstLoss: number;
  lastLoss: number;
}

/**
 * Trains `discriminator` (in place) `options.steps` times against `generator`'s samples, real
 * batches from a fresh source of the plan's data on `rng`'s stream, latent vectors from
 * `rng` too. Frees everything it made.
 */
export async function calibrateDiscriminator(
  plan: Plan,
  generator: tfl.LayersModel,
  discriminator: tfl.LayersModel,
  options: CalibrationOptions,
  rng: Rng,
): Promise<CalibrationStats> {
  const data = await openDataSource(plan.data, { rng: rng.split("data") });
  const latentRng = rng.split("latent");
  const batch = options.batch ?? plan.train.batch;
  const finalRate = options.finalRate ?? options.rate;
  // Update k (0-based) of n runs at the cosine's value at k / (n - 1): the first at `rate`, the last at `finalRate`.
  const lr = finalRate === options.rate ? options.rate : { schedule: "cosine" as const, from: options.rate, to: finalRate, start: 0, end: Math.max(1, options.steps - 1) };
  const optimizer = createOptimizer({ kind: "adam", lr, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
  const variables = trainableVariables(discriminator);
  let firstLoss = NaN;
  let lastLoss = NaN;
  try {
    for (let step = 0; step < options.steps; step++) {
      optimizer.setStep(step);
      const realValues = data.nextBatch(batch);
      const latent = sampleLatent(plan.latent, batch, latentRng);
      const loss = tf.tidy(() => {
        const real = tf.tensor(realValues, [batch, ...plan.data.shape]);
        // Made outside the tape: G is frozen.
        const fake = applyGenerator(generator, tf.tensor2d(latent, [batch, plan.latent.size]), undefined, false);
        const { value, grads } = tf.variableGrads(() => {
          const realLogits = applyDiscriminator(discriminator, plan, real, undefined, false).logits;
          const fakeLogits = applyDiscriminator(discriminator, plan, fake, undefined, false).logits;
          return discriminatorLoss("nonsaturating", realLogits, fakeLogits, { real: 1, fake: 0 });
        }, variables);
        optimizer.applyGradients(grads);
        return value;
      });
      // Read back only the two losses reported: a read is a sync with the backend.
      if (step === 0) firstLoss = loss.dataSync()[0]!;
      if (step === options.steps - 1) lastLoss = loss.dataSync()[0]!;
      loss.dispose();
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: options.steps, rate: options.rate, finalRate, batch, firstLoss, lastLoss };
}

/**
 * Runs `use` with `discriminator` calibrated, then sets its trainable weights back to what
 * they were: for a D that must not change (a trainer's, between its evaluations).
 */
export async function withCalibratedDiscriminator<T>(
  plan: Plan,
  generator: tfl.LayersModel,
  discriminator: tfl.LayersModel,
  options: CalibrationOptions,
  rng: Rng,
  use: (stats: CalibrationStats) => T,
): Promise<T> {
  const variables = trainableVariables(discriminator);
  const saved = variables.map((variable) => variable.clone());
  try {
    return use(await calibrateDiscriminator(plan, generator, discriminator, options, rng));
  } finally {
    variables.forEach((variable, i) => variable.assign(saved[i]!));
    saved.forEach((tensor) => tensor.dispose());
  }
}
