/**
 * What a loss kind implements: D's loss and G's loss, from D's logits. The built-in kinds
 * (absolute.ts, relativistic.ts) and a trick package's losses (`losses` on its definition)
 * implement the same interface; the declaration beside it (@gan/plan's LossDeclaration) says
 * what the loop must feed it.
 */
import type { LossDeclaration } from "@gan/plan";
import type { tf } from "../tfjs.js";

/** Targets of the discriminator loss, as the labels hook passes them. */
export interface LossLabels {
  real: number | tf.Tensor;
  fake: number | tf.Tensor;
}

export interface DiscriminatorLossInputs {
  /** The run's tfjs (a trick package must not use its own copy). */
  tf: typeof tf;
  /** D's logits on the real and on the fake batch (one row per sample, or per pack of samples). */
  realLogits: tf.Tensor;
  fakeLogits: tf.Tensor;
  /** Targets (1 and 0 unless a label trick changed them); a loss that does not take targets ignores them. */
  labels: LossLabels;
}

export interface GeneratorLossInputs {
  tf: typeof tf;
  /** D's logits on G's fake batch: G's gradient flows through them. */
  fakeLogits: tf.Tensor;
  /**
   * D's logits on a real batch drawn for this update, when the loss's declaration says
   * `generatorUsesRealLogits`; undefined otherwise (no real batch is drawn).
   */
  realLogits: tf.Tensor | undefined;
}

/**
 * The two losses, each a tensor of rank 0 (the loop refuses another rank, naming the loss):
 * typed as any tensor so that `tf.mean(...)` and the like need no cast.
 */
export interface LossImplementation {
  /** D's loss, differentiable in D's weights through the logits. */
  discriminator(inputs: DiscriminatorLossInputs): tf.Tensor;
  /** G's loss, differentiable in G's weights through `fakeLogits`. */
  generator(inputs: GeneratorLossInputs): tf.Tensor;
}

/** A loss that a trick package provides: its declaration and its implementation in one object. */
export interface TrickLossDefinition extends LossDeclaration, LossImplementation {}

/** D's logits on real data in G's update, which a loss that declares `generatorUsesRealLogits` always gets. */
export function realLogitsOf(inputs: GeneratorLossInputs, loss: string): tf.Tensor {
  if (inputs.realLogits === undefined) throw new Error(`the ${loss} loss needs D's logits on real data in G's update, and got none`);
  return inputs.realLogits;
}
