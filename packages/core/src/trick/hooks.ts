/**
 * The runtime hooks a trick can register (docs/ARCHITECTURE.md, "Life of a spec", step 9). A trick's `setup` returns a
 * `TrickHooks` object; the training loop calls each hook at its place in the step.
 *
 * - waterfall hooks pass a value through every active trick in order and return it;
 * - first hooks let the first trick that returns a value decide;
 * - series hooks mark the life of a run;
 * - `state` lets a trick save and restore what it keeps across checkpoints.
 *
 * Order: tricks with `order: "pre"` first, then the others, then `order: "post"`, each group
 * in the order of the spec's `use` lines. A trick's step hooks (waterfall, first,
 * afterDiscriminatorStep, afterGeneratorStep) run only inside its window (`from` ≤ step <
 * `until`); beforeTraining and afterTraining always run.
 *
 * Tensors handed to a hook belong to the loop (it disposes them); tensors a hook returns
 * become the loop's. Waterfall hooks run inside the step's gradient tape and inside a
 * `tf.tidy`, so whatever they compute from their inputs is differentiated (a gradient
 * penalty, instance noise) and every intermediate tensor is freed at the end of the update.
 * A trick that keeps a tensor across steps (EMA weights, a replay buffer) must `tf.keep` or
 * clone it, dispose it itself when it replaces it, and save it through `state`.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { JsonValue, NetworkName, Plan, Schedulable } from "@gan/plan";
import type { RejectionSamplingOptions } from "../run/rejection-sampling.js";

/** Targets of the discriminator loss for the real and the fake batch: a number or one value per sample. */
export interface Labels {
  real: number | tf.Tensor;
  fake: number | tf.Tensor;
}

/** The batches the discriminator is about to see in a discriminator update. */
export interface DiscriminatorInputs {
  real: tf.Tensor;
  fake: tf.Tensor;
}

/**
 * The classes of a conditional run's batches (`condition classes`): one int32 per sample,
 * shape [batch], and an auxiliary head's class logits ([batch, classes], @gan/acgan's head).
 */
export interface ClassBatch {
  /** The number of classes. */
  count: number;
  /** The real batch's classes (in a generator update, only when the loss drew a real batch). */
  real: tf.Tensor | undefined;
  /** The classes the fake batch was generated for, drawn uniformly. */
  fake: tf.Tensor;
  realClassLogits: tf.Tensor | undefined;
  fakeClassLogits: tf.Tensor | undefined;
}

/** What a discriminator-loss hook can use besides the loss itself. */
export interface DiscriminatorLossContext {
  /**
   * Applies the discriminator (training mode) to a batch; differentiable. Under a projection
   * head, with the real batch's classes (a gradient penalty's interpolates take those).
   */
  discriminator: (x: tf.Tensor) => tf.Tensor;
  /** The batches as the discriminator saw them (after the discriminatorInputs hooks). */
  real: tf.Tensor;
  fake: tf.Tensor;
  /**
   * D's outputs: one row per sample, or one per pack of samples when D packs its input
   * (@gan/pack: n = batch / m rows, sample s in row s mod n).
   */
  realLogits: tf.Tensor;
  fakeLogits: tf.Tensor;
  labels: Labels;
  /** The batches' classes in a conditional run; undefined otherwise. */
  classes?: ClassBatch;
}

export interface GeneratorLossContext {
  /** Applies the discriminator; under a projection head, with the fake batch's classes. */
  discriminator: (x: tf.Tensor) => tf.Tensor;
  /** The fake batch as the discriminator saw it (after the discriminatorFakeInputs hooks). */
  fake: tf.Tensor;
  /** D's logits on the fake batch as G's loss read them (after the generatorLogits hooks: maybe a subset of the rows). */
  fakeLogits: tf.Tensor;
  /**
   * A real batch drawn for this update and D's logits on it, when the run's loss uses them
   * (its declaration's `generatorUsesRealLogits`: the relativistic losses); undefined
   * otherwise, so that the other losses' updates cost what they always did.
   */
  real: tf.Tensor | undefined;
  realLogits: tf.Tensor | undefined;
  latent: tf.Tensor;
  /** The batches' classes in a conditional run; undefined otherwise. */
  classes?: ClassBatch;
}

/** What a series hook sees: the models, to read or change weights between updates. */
export interface RunContext {
  /** The current step (0-based); in beforeTraining the first step to run (after a resume, > 0). */
  step: number;
  generator: tfl.LayersModel;
  discriminator: tfl.LayersModel;
}

/** What a trick keeps across a checkpoint: a JSON value and named tensors. */
export interface SavedTrickState {
  json?: JsonValue;
  tensors?: Record<string, tf.Tensor>;
}

export interface TrickState {
  /** The tensors returned stay the trick's: the checkpoint writer only reads them. */
  save(): SavedTrickState;
  /** The tensors given are the loop's and are disposed after the call: clone what you keep. */
  restore(saved: SavedTrickState): void;
}

export interface TrickHooks {
  // waterfall
  /** The real and the fake batch of a discriminator update (instance noise, replay). */
  discriminatorInputs?(inputs: DiscriminatorInputs, step: number): DiscriminatorInputs;
  /** The fake batch the discriminator sees in a generator update (instance noise must match). */
  discriminatorFakeInputs?(fake: tf.Tensor, step: number): tf.Tensor;
  /** Targets of the discriminator loss (label smoothing, label noise). */
  labels?(labels: Labels, step: number): Labels;
  /** The discriminator's loss (gradient penalties). */
  discriminatorLoss?(loss: tf.Scalar, context: DiscriminatorLossContext, step: number): tf.Scalar;
  /**
   * D's logits on the fake batch of a generator update, as G's loss will read them: one row
   * per sample (per pack under @gan/pack). A trick may return a subset of the rows, at least
   * one, in the same column layout (top-k training keeps the k rows D rates most real); G's
   * loss is then the loss of those rows alone.
   */
  generatorLogits?(fakeLogits: tf.Tensor, step: number): tf.Tensor;
  generatorLoss?(loss: tf.Scalar, context: GeneratorLossContext, step: number): tf.Scalar;
  // first
  /** How many discriminator updates this step (undefined: let the next trick decide; default 1). */
  discriminatorUpdates?(step: number): number | undefined;
  /** How many generator updates this step (0 pauses G, e.g. while pretraining D; default 1). */
  generatorUpdates?(step: number): number | undefined;
  /**
   * The generator to draw samples and the final generator from (EMA weights); undefined: the
   * trained generator. The loop does not dispose the model returned.
   */
  samplingGenerator?(run: RunContext): tfl.LayersModel | undefined;
  /**
   * Discriminator rejection sampling of the run's samples (@gan/drs): the options of
   * run/rejection-sampling.ts with which its evaluations and `gan eval` / `gan sample` filter
   * the sampling generator's samples through D; undefined: samples are drawn as they come.
   */
  rejectionSampling?(step: number): RejectionSamplingOptions | undefined;
  // series
  beforeTraining?(run: RunContext): void | Promise<void>;
  afterDiscriminatorStep?(run: RunContext): void;
  afterGeneratorStep?(run: RunContext): void;
  afterTraining?(run: RunContext): void | Promise<void>;
  // state
  state?: TrickState;
}

export type WaterfallHookName = "discriminatorInputs" | "discriminatorFakeInputs" | "labels" | "discriminatorLoss" | "generatorLogits" | "generatorLoss";
export type FirstHookName = "discriminatorUpdates" | "generatorUpdates" | "samplingGenerator" | "rejectionSampling";
export type SeriesHookName = "beforeTraining" | "afterDiscriminatorStep" | "afterGeneratorStep" | "afterTraining";
export type HookName = WaterfallHookName | FirstHookName | SeriesHookName;

/** Everything `setup` gets. */
export interface TrickSetupContext<Options> {
  /** Validated options; a schedule stays a schedule object: read numbers with `at`. */
  options: Options;
  plan: Plan;
  /** The tfjs instance the run uses (tricks must not import their own copy). */
  tf: typeof tf;
  /** The value of a number-or-schedule option at the current step. */
  at(value: Schedulable): number;
  /** The current training step (0-based). */
  step(): number;
  /**
   * Logs a scalar into metrics.jsonl under the given name (e.g. "gp/penalty"). On steps that
   * are not logged the call costs nothing: a tensor is neither kept nor read.
   */
  log(name: string, value: number | tf.Scalar): void;
  /** Prints a warning on the progress line and into the run's log. */
  warn(message: string): void;
  /** A uniform [0, 1) number from the trick's own stream (seeded by the run's seed and the trick; saved in checkpoints). */
  random(): number;
  /** A tensor of normal values from the trick's stream (unlike tf.randomNormal, reproducible across a resume). */
  randomNormal(shape: number[], mean?: number, std?: number): tf.Tensor;
  /** A tensor of values uniform in [lo, hi) from the trick's stream. */
  randomUniform(shape: number[], lo?: number, hi?: number): tf.Tensor;
}

/** What a trick's layer factory gets besides the layer's own options. */
export interface TrickLayerContext {
  tf: typeof tf;
  /** The tfjs-layers instance the run uses: subclass `layers.Layer` from it, not from your own copy. */
  layers: typeof tfl;
  network: NetworkName;
  /** Index of the layer in its network. */
  index: number;
  /** The name the layer must be given (unique in the model, stable across runs: checkpoints use it). */
  name: string;
  /** Shape of the layer's input, without the batch dimension. */
  inputShape: number[];
  /** A seed for the layer's initialisers, derived from the run's seed. */
  seed: number;
}

/** Builds the tfjs layer for a plan layer `{ type: "trick", trick: <package>, name: <key> }`. */
export type TrickLayerFactory = (options: Record<string, JsonValue>, context: TrickLayerContext) => tfl.layers.Layer;

export type NetworkSelector = NetworkName | "both";
