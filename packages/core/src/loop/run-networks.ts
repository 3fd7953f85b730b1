/**
 * A plan's two networks and the hook bus its tricks are set up on: what a trainer trains, and
 * what a checkpoint's weights and trick states are restored into (restoreNetworksAndTricks in
 * run/checkpoint.ts), by a resumed trainer or by a sampler of the checkpoint
 * (run/checkpoint-sampling.ts).
 *
 * Built here for both, so that a sampler's networks and tricks are the trainer's: the same
 * seeded layers, the same trick streams (`rng.split` depends on the stream's seed and label
 * only, never on what was drawn before), the same warnings.
 */
import type { Plan } from "@gan/plan";
import { tf, type tfl } from "../tfjs.js";
import { buildDiscriminator, buildGenerator } from "../model/conditional.js";
import type { Rng } from "../random.js";
import { HookBus } from "../trick/bus.js";
import type { Trick } from "../trick/define-trick.js";

export interface RunNetworks {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  /** The plan's tricks, set up and standing at step 0. */
  readonly bus: HookBus;
}

export interface RunNetworksOptions {
  /** The trick modules, aligned with plan.tricks. */
  tricks: readonly Trick[];
  /** The run's root stream, createRng(plan.train.seed): each trick's stream is split from it. */
  rng: Rng;
  /**
   * The stream dropout masks are drawn from, for networks applied in training mode (the
   * trainer's); a sampler applies them in inference mode and needs none.
   */
  dropoutRng?: () => Rng;
  /** Where the tricks' logged scalars go (the trainer's step scalars); nowhere when absent. */
  log?(name: string, value: number | tf.Scalar): void;
  /** Where the tricks' warnings go, each starting with the trick's name. */
  warn?(message: string): void;
}

/** Builds the networks (weights from plan.train.seed) and sets the plan's tricks up on a hook bus. */
export function buildRunNetworks(plan: Plan, options: RunNetworksOptions): RunNetworks {
  const { tricks, rng } = options;
  const build = { seed: plan.train.seed, tricks, ...(options.dropoutRng ? { dropoutRng: options.dropoutRng } : {}) };
  const generator = buildGenerator(plan, build);
  const discriminator = buildDiscriminator(plan, build);
  const log = options.log ?? (() => {});
  const warn = options.warn ?? (() => {});
  try {
    const bus = HookBus.create({
      plan,
      tricks,
      tf,
      rng,
      sinks: {
        log,
        // Some tricks name themselves in their messages already.
        warn: (trick, message) => warn(message.startsWith(`${trick}:`) ? message : `${trick}: ${message}`),
      },
    });
    return { generator, discriminator, bus };
  } catch (error) {
    // A trick whose options or setup fail leaves no networks behind.
    generator.dispose();
    discriminator.dispose();
    throw error;
  }
}
