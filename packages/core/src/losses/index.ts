/**
 * The losses at run time: one implementation registered per loss kind that @gan/plan declares
 * (a `Record` over LossKind, so a declared kind without an implementation does not compile),
 * and the loss of a plan resolved to its declaration and implementation, whether built in or
 * provided by a trick package.
 */
import { TRICK_LOSS_KIND, builtinLoss, describeLoss, type Loss, type LossDeclaration, type LossKind } from "@gan/plan";
import { UserError } from "../errors.js";
import { tf } from "../tfjs.js";
import type { Trick } from "../trick/define-trick.js";
import { hinge, leastSquares, minimax, nonsaturating, wasserstein } from "./absolute.js";
import type { LossImplementation, LossLabels } from "./implementation.js";
import { ragan, rahinge, ralsgan } from "./relativistic.js";

export type { LossKind };
export type { DiscriminatorLossInputs, GeneratorLossInputs, LossImplementation, LossLabels, TrickLossDefinition } from "./implementation.js";
export { sigmoidCrossEntropy } from "./targets.js";

export const BUILTIN_LOSS_IMPLEMENTATIONS: Readonly<Record<LossKind, LossImplementation>> = {
  minimax,
  nonsaturating,
  wasserstein,
  hinge,
  "least-squares": leastSquares,
  ragan,
  ralsgan,
  rahinge,
};

/** A plan's loss, ready to run: what it is called in messages, what it declares, and what it computes. */
export interface RunLoss {
  name: string;
  /** The trick package that provides the loss, for a loss that is not built in. */
  trick?: string;
  declaration: LossDeclaration;
  implementation: LossImplementation;
}

/**
 * The plan's loss with its declaration and implementation. A trick's loss comes from the
 * run's tricks; a plan naming a trick the run has not loaded, or a loss the trick does not
 * provide, is the user's error (a hand-edited plan: the compiler refuses both).
 */
export function resolveLoss(loss: Loss, tricks: readonly Trick[]): RunLoss {
  const name = describeLoss(loss);
  if (loss.kind !== TRICK_LOSS_KIND) {
    return { name, declaration: builtinLoss(loss.kind), implementation: BUILTIN_LOSS_IMPLEMENTATIONS[loss.kind] };
  }
  const trick = tricks.find((candidate) => candidate.name === loss.trick);
  if (!trick) throw new UserError(`the loss '${loss.name}' comes from trick '${loss.trick}', which this run has not loaded: add 'use "${loss.trick}"' to the spec`);
  const definition = trick.losses?.[loss.name];
  if (!definition) throw new UserError(`trick '${loss.trick}' provides no loss named '${loss.name}'`);
  return { name, trick: loss.trick, declaration: definition, implementation: definition };
}

/**
 * Computes one of a loss's two values inside tf.tidy and checks that it is a scalar. A trick's
 * loss that throws or forgets to reduce is the trick's fault: the error names it (no stack trace).
 */
function evaluate(loss: RunLoss, network: "D" | "G", compute: () => tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    let value: tf.Tensor;
    let problem: string | undefined;
    try {
      value = compute();
      if (!(value instanceof tf.Tensor)) problem = "it returned something that is not a tensor";
      else if (value.rank !== 0) problem = `it returned a tensor of shape [${value.shape.join(", ")}]: a loss is a scalar (reduce it with tf.mean)`;
    } catch (error) {
      if (loss.trick === undefined) throw error;
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem === undefined) return value! as tf.Scalar;
    const message = `${network}'s ${loss.name} loss failed: ${problem}`;
    throw loss.trick === undefined ? new Error(message) : new UserError(`trick '${loss.trick}': ${message}`);
  });
}

/** D's loss of a run's loss, as one scalar (intermediates freed). */
export function runDiscriminatorLoss(loss: RunLoss, realLogits: tf.Tensor, fakeLogits: tf.Tensor, labels: LossLabels): tf.Scalar {
  return evaluate(loss, "D", () => loss.implementation.discriminator({ tf, realLogits, fakeLogits, labels }));
}

/** G's loss of a run's loss; `realLogits` as its declaration asks (`generatorUsesRealLogits`). */
export function runGeneratorLoss(loss: RunLoss, fakeLogits: tf.Tensor, realLogits: tf.Tensor | undefined): tf.Scalar {
  return evaluate(loss, "G", () => loss.implementation.generator({ tf, fakeLogits, realLogits }));
}

function builtin(kind: LossKind): RunLoss {
  return resolveLoss({ kind }, []);
}

/** The discriminator's loss of a built-in kind for a real and a fake batch of logits. */
export function discriminatorLoss(kind: LossKind, realLogits: tf.Tensor, fakeLogits: tf.Tensor, labels: LossLabels): tf.Scalar {
  return runDiscriminatorLoss(builtin(kind), realLogits, fakeLogits, labels);
}

/** The generator's loss of a built-in kind; the relativistic kinds also need D's logits on a real batch. */
export function generatorLoss(kind: LossKind, fakeLogits: tf.Tensor, realLogits?: tf.Tensor): tf.Scalar {
  return runGeneratorLoss(builtin(kind), fakeLogits, realLogits);
}

/**
 * The discriminator's accuracy on a real and a fake batch, as the loss's declaration judges it
 * (`accuracy`): the fraction of the two batches' samples on the right side (real above, fake
 * below), each batch weighing half. With a threshold, the sides are split by a fixed value
 * (a logit's 0; least squares' 0.5 midway between its targets); for a relativistic loss, by the
 * other batch's mean logit. Judged against what each sample is, not against the targets a label
 * trick gave it. Undefined for a loss without one (Wasserstein).
 */
export function discriminatorAccuracy(loss: LossKind | LossDeclaration, realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar | undefined {
  const accuracy = (typeof loss === "string" ? builtinLoss(loss) : loss).accuracy;
  if (accuracy === undefined) return undefined;
  return tf.tidy(() => {
    const relativistic = accuracy.kind === "relativistic";
    const realRight = tf.mean(tf.cast(tf.greater(realLogits, relativistic ? tf.mean(fakeLogits) : accuracy.at), "float32"));
    const fakeRight = tf.mean(tf.cast(tf.less(fakeLogits, relativistic ? tf.mean(realLogits) : accuracy.at), "float32"));
    return tf.mul(0.5, tf.add(realRight, fakeRight)) as tf.Scalar;
  });
}
