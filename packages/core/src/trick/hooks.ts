/**
 * The runtime hooks a trick can register (DESIGN.md section 5). A trick's `setup` returns a
 * `TrickHooks` object; the training loop calls each hook at its place in the step.
 *
 * - waterfall hooks pass a value through every active trick in order and return it;
 * - first hooks let the first trick that returns a value decide;
 * - series hooks mark the life of a run;
 * - `state` lets a trick save and restore what it keeps across checkpoints.
 *
 * Tensors handed to a hook belong to the loop (it disposes them); tensors a hook returns
 * become the loop's. Waterfall hooks run inside the step's gradient tape, so whatever they
 * compute from their inputs is differentiated (a gradient penalty, instance noise).
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { JsonValue, NetworkName, Plan, Schedulable } from "@gan/plan";

/** Targets of the discriminator loss for the real and the fake batch: a number or one value per sample. */
export interface Labels {
  real: number | tf.Tensor;
  fake: number | tf.Tensor;
}

/** The batches the discriminator is about to see. */
export interface DiscriminatorInputs {
  real: tf.Tensor;
  fake: tf.Tensor;
}

/** What a discriminator-loss hook can use besides the loss itself. */
export interface DiscriminatorLossContext {
  /** Applies the discriminator (training mode) to a batch; differentiable. */
  discriminator: (x: tf.Tensor) => tf.Tensor;
  real: tf.Tensor;
  fake: tf.Tensor;
  realLogits: tf.Tensor;
  fakeLogits: tf.Tensor;
  labels: Labels;
}

export interface GeneratorLossContext {
  discriminator: (x: tf.Tensor) => tf.Tensor;
  fake: tf.Tensor;
  fakeLogits: tf.Tensor;
  latent: tf.Tensor;
}

/** What a series hook sees: the models, to read or change weights between updates. */
export interface RunContext {
  step: number;
  generator: import("@tensorflow/tfjs-layers").LayersModel;
  discriminator: import("@tensorflow/tfjs-layers").LayersModel;
}

export interface TrickState {
  /** A JSON value and named tensors (copied by the checkpoint writer). */
  save(): { json?: JsonValue; tensors?: Record<string, tf.Tensor> };
  restore(saved: { json?: JsonValue; tensors?: Record<string, tf.Tensor> }): void;
}

export interface TrickHooks {
  // waterfall
  discriminatorInputs?(inputs: DiscriminatorInputs, step: number): DiscriminatorInputs;
  labels?(labels: Labels, step: number): Labels;
  discriminatorLoss?(loss: tf.Scalar, context: DiscriminatorLossContext, step: number): tf.Scalar;
  generatorLoss?(loss: tf.Scalar, context: GeneratorLossContext, step: number): tf.Scalar;
  // first
  /** How many discriminator updates this step (undefined: let the next trick decide; default 1). */
  discriminatorUpdates?(step: number): number | undefined;
  /** How many generator updates this step (0 pauses G, e.g. while pretraining D; default 1). */
  generatorUpdates?(step: number): number | undefined;
  // series
  beforeTraining?(run: RunContext): void | Promise<void>;
  afterDiscriminatorStep?(run: RunContext): void;
  afterGeneratorStep?(run: RunContext): void;
  afterTraining?(run: RunContext): void | Promise<void>;
  // state
  state?: TrickState;
}

/** Everything `setup` gets. */
export interface TrickSetupContext<Options> {
  options: Options;
  plan: Plan;
  /** The tfjs instance the run uses (tricks must not import their own copy). */
  tf: typeof tf;
  /** The value of a number-or-schedule option at the current step. */
  at(value: Schedulable): number;
  /** The current training step (0-based). */
  step(): number;
  /** Logs a scalar into metrics.jsonl under the given name (e.g. "gp/penalty"). */
  log(name: string, value: number | tf.Scalar): void;
  /** Prints a warning on the progress line and into the run's log. */
  warn(message: string): void;
  /** A uniform [0, 1) generator seeded from the run's seed and the trick's position. */
  random(): number;
}

export type NetworkSelector = NetworkName | "both";
