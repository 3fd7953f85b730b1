/**
 * The generator a checkpoint samples from: the one a trainer restored from it would sample
 * from (Trainer.samplingGenerator), without the trainer's data and optimizers.
 *
 * A checkpoint's generator/ holds the trained (raw) weights; a trick that samples from other
 * weights (@gan/ema's average) keeps them in its state, in tricks.bin. So the networks get the
 * checkpoint's weights, the plan's tricks are set up on a hook bus and given their saved
 * states, and the bus's samplingGenerator hook says which model to draw from: the same
 * definition as the in-training evals, samples/ and the final generator/ use.
 */
import path from "node:path";
import type { Plan } from "@gan/plan";
import { tf, type tfl } from "../tfjs.js";
import { buildDiscriminator, buildGenerator } from "../model/conditional.js";
import { createRng } from "../random.js";
import { HookBus } from "../trick/bus.js";
import type { Trick } from "../trick/define-trick.js";
import { withTrickStates } from "./checkpoint.js";
import { loadWeightsInto } from "./model-io.js";

export interface CheckpointSampling {
  /** The model to draw samples from (a trick's, or the restored generator). */
  generator: tfl.LayersModel;
  /** Frees the networks; the trick's model goes with the process, as a trainer's does. */
  dispose(): void;
}

/**
 * Restores the networks and the tricks' states of the verified checkpoint `dir` (of step
 * `step`) and returns the generator it samples from. `tricks` are the plan's trick modules,
 * aligned with plan.tricks.
 */
export async function checkpointSamplingGenerator(plan: Plan, dir: string, step: number, tricks: readonly Trick[], warn: (message: string) => void = () => {}): Promise<CheckpointSampling> {
  const seed = plan.train.seed;
  const generator = buildGenerator(plan, { seed, tricks });
  const discriminator = buildDiscriminator(plan, { seed, tricks });
  const dispose = () => {
    generator.dispose();
    discriminator.dispose();
  };
  try {
    await loadWeightsInto(generator, path.join(dir, "generator"));
    await loadWeightsInto(discriminator, path.join(dir, "discriminator"));
    const bus = HookBus.create({
      plan,
      tricks,
      tf,
      rng: createRng(seed),
      // Nothing is logged here; a trick's warning is still the user's to hear.
      sinks: { log: () => {}, warn: (trick, message) => warn(message.startsWith(`${trick}:`) ? message : `${trick}: ${message}`) },
    });
    // As Trainer.restoreLoopState: the bus stands at the checkpoint's step (the tricks' windows).
    bus.setStep(step);
    withTrickStates(dir, (states) => bus.restoreStates(states));
    return { generator: bus.samplingGenerator({ step, generator, discriminator }), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
