/**
 * The models of a checkpoint that samples are drawn from and judged by: the generator a
 * trainer resumed from it would sample from (Trainer.samplingGenerator), and its
 * discriminator, without the trainer's data and optimizers.
 *
 * A checkpoint's generator/ holds the trained (raw) weights; a trick that samples from other
 * weights (@gan/ema's average) keeps them in its state, in tricks.bin. So the networks and the
 * tricks are built as the trainer builds them (buildRunNetworks), restored as a resume restores
 * them (restoreNetworksAndTricks), and the bus's samplingGenerator hook says which model to
 * draw from: the same definition as the in-training evals, samples/ and the final generator/ use.
 */
import type { Plan } from "@gan/plan";
import type { tfl } from "../tfjs.js";
import { createRng } from "../random.js";
import { buildRunNetworks } from "../loop/run-networks.js";
import type { Trick } from "../trick/define-trick.js";
import { restoreNetworksAndTricks } from "./checkpoint.js";
import type { RejectionSamplingOptions } from "./rejection-sampling.js";

export interface CheckpointSampling {
  /** The model to draw samples from (a trick's, or the restored generator). */
  generator: tfl.LayersModel;
  /** The checkpoint's discriminator (discriminator rejection sampling scores samples with it). */
  discriminator: tfl.LayersModel;
  /** The rejection sampling a trick of the plan asks for (@gan/drs) at the checkpoint's step. */
  rejectionSampling?: RejectionSamplingOptions;
  /** Frees the networks; the trick's model goes with the process, as a trainer's does. */
  dispose(): void;
}

/**
 * Restores the networks and the tricks' states of the verified checkpoint `dir` (of step
 * `step`) and returns the generator it samples from and its discriminator. `tricks` are the
 * plan's trick modules, aligned with plan.tricks; `warn` hears the tricks' warnings.
 */
export async function restoreCheckpointForSampling(plan: Plan, dir: string, step: number, tricks: readonly Trick[], warn: (message: string) => void = () => {}): Promise<CheckpointSampling> {
  // Nothing is logged here; a trick's warning is still the user's to hear.
  const networks = buildRunNetworks(plan, { tricks, rng: createRng(plan.train.seed), warn });
  const { generator, discriminator, bus } = networks;
  const dispose = () => {
    generator.dispose();
    discriminator.dispose();
  };
  try {
    await restoreNetworksAndTricks(dir, step, networks);
    const rejectionSampling = bus.rejectionSampling();
    return { generator: bus.samplingGenerator({ step, generator, discriminator }), discriminator, ...(rejectionSampling && { rejectionSampling }), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
