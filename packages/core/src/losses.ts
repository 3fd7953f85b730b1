/**
 * GAN losses on the discriminator's logits (D has no output sigmoid: the sigmoid lives in
 * the loss, where it can be computed stably).
 *
 * - minimax (Goodfellow et al. 2014): D minimises BCE(real, 1) + BCE(fake, 0); G minimises
 *   log(1 - D(G(z))) = mean(log(1 - sigmoid(fake))), which saturates when D wins early.
 * - nonsaturating: the same D; G minimises BCE(fake, 1) = -mean(log D(G(z))).
 * - wasserstein (WGAN): D (the critic) minimises mean(fake) - mean(real); G minimises -mean(fake).
 * - hinge (Miyato et al. / SAGAN): D minimises mean(relu(1 - real)) + mean(relu(1 + fake));
 *   G minimises -mean(fake).
 * - least-squares (LSGAN, Mao et al. 2017, with a = 0, b = 1, c = 1): D minimises
 *   0.5 mean((real - b)^2) + 0.5 mean((fake - a)^2); G minimises 0.5 mean((fake - c)^2).
 *
 * Labels are the targets: `real` is b and `fake` is a for BCE and least-squares (1 and 0
 * unless a trick such as label smoothing or label noise changes them; a tensor gives one
 * target per sample). wasserstein and hinge have no targets and ignore them.
 *
 * The discriminator loss is the sum of its real and fake terms, as in TF-GAN (not their
 * mean, as some PyTorch code does): with Adam the factor of 2 hardly matters, but it sets
 * what a reported D loss means: ln 4 = 1.386 at the BCE equilibrium D = 1/2.
 */
import { tf } from "./tfjs.js";
import type { LossKind } from "@gan/plan";

export type { LossKind };

/** Targets of the discriminator loss, as the labels hook passes them. */
export interface LossLabels {
  real: number | tf.Tensor;
  fake: number | tf.Tensor;
}

/**
 * Numerically stable binary cross-entropy from logits, per element:
 * max(x, 0) - x t + log(1 + exp(-|x|)). Never exponentiates a large positive number, so
 * logits of +-1e4 give finite losses and gradients.
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, targets: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = asTargets(targets, logits);
    return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, t)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  });
}

/** log(1 + exp(x)), stably: max(x, 0) + log(1 + exp(-|x|)). */
function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/**
 * A target tensor with one value per sample is reshaped to the logits' shape: a [batch]
 * tensor against [batch, 1] logits would otherwise broadcast into a [batch, batch] loss.
 */
function asTargets(targets: number | tf.Tensor, logits: tf.Tensor): number | tf.Tensor {
  if (typeof targets === "number") return targets;
  if (targets.size === logits.size && !sameShape(targets.shape, logits.shape)) return tf.reshape(targets, logits.shape);
  return targets;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

function squaredError(x: tf.Tensor, target: number | tf.Tensor): tf.Tensor {
  return tf.square(tf.sub(x, asTargets(target, x)));
}

/** The discriminator's loss for a real and a fake batch of logits. */
export function discriminatorLoss(
  kind: LossKind,
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  labels: LossLabels,
): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case "minimax":
      case "nonsaturating":
        return tf.add(
          tf.mean(sigmoidCrossEntropy(realLogits, labels.real)),
          tf.mean(sigmoidCrossEntropy(fakeLogits, labels.fake)),
        ) as tf.Scalar;
      case "wasserstein":
        return tf.sub(tf.mean(fakeLogits), tf.mean(realLogits)) as tf.Scalar;
      case "hinge":
        return tf.add(
          tf.mean(tf.relu(tf.sub(1, realLogits))),
          tf.mean(tf.relu(tf.add(1, fakeLogits))),
        ) as tf.Scalar;
      case "least-squares":
        return tf.mul(
          0.5,
          tf.add(tf.mean(squaredError(realLogits, labels.real)), tf.mean(squaredError(fakeLogits, labels.fake))),
        ) as tf.Scalar;
      default:
        throw unknownLoss(kind);
    }
  });
}

/** The generator's loss for the discriminator's logits on a fake batch. */
export function generatorLoss(kind: LossKind, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case "minimax":
        // log(1 - sigmoid(x)) = -softplus(x).
        return tf.neg(tf.mean(softplus(fakeLogits))) as tf.Scalar;
      case "nonsaturating":
        // BCE(x, 1) = softplus(-x).
        return tf.mean(softplus(tf.neg(fakeLogits))) as tf.Scalar;
      case "wasserstein":
      case "hinge":
        return tf.neg(tf.mean(fakeLogits)) as tf.Scalar;
      case "least-squares":
        return tf.mul(0.5, tf.mean(squaredError(fakeLogits, 1))) as tf.Scalar;
      default:
        throw unknownLoss(kind);
    }
  });
}

/**
 * Where the discriminator's output splits "real" from "fake" for a loss, or undefined when it
 * has no such point: a logit's 0 (probability 1/2; hinge's margin is centred on it too), and
 * least-squares' midway 0.5 between its targets 0 and 1. A Wasserstein critic's scores mean
 * something only as differences, so it has no accuracy.
 */
export function decisionThreshold(kind: LossKind): number | undefined {
  switch (kind) {
    case "minimax":
    case "nonsaturating":
    case "hinge":
      return 0;
    case "least-squares":
      return 0.5;
    case "wasserstein":
      return undefined;
    default:
      throw unknownLoss(kind);
  }
}

/**
 * The discriminator's accuracy on a real and a fake batch: the fraction of the two batches'
 * samples on the right side of the loss's decision threshold (real above, fake below), each
 * batch weighing half. Judged against what each sample is, not against the targets a label
 * trick gave it. Undefined for the wasserstein loss.
 */
export function discriminatorAccuracy(kind: LossKind, realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar | undefined {
  const threshold = decisionThreshold(kind);
  if (threshold === undefined) return undefined;
  return tf.tidy(() => {
    const realRight = tf.mean(tf.cast(tf.greater(realLogits, threshold), "float32"));
    const fakeRight = tf.mean(tf.cast(tf.less(fakeLogits, threshold), "float32"));
    return tf.mul(0.5, tf.add(realRight, fakeRight)) as tf.Scalar;
  });
}

function unknownLoss(kind: never): Error {
  return new Error(`unknown loss '${String(kind)}': expected one of minimax, nonsaturating, wasserstein, hinge, least-squares`);
}
