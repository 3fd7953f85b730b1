/**
 * The losses that judge each sample on its own (their declarations: @gan/plan's losses.ts).
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
import { tf } from "../tfjs.js";
import type { DiscriminatorLossInputs, LossImplementation } from "./implementation.js";
import { sigmoidCrossEntropy, softplus, squaredError } from "./targets.js";

/** D's loss of the sigmoid losses, minimax and nonsaturating alike: BCE against the targets. */
function sigmoidDiscriminator({ realLogits, fakeLogits, labels }: DiscriminatorLossInputs): tf.Tensor {
  return tf.add(tf.mean(sigmoidCrossEntropy(realLogits, labels.real)), tf.mean(sigmoidCrossEntropy(fakeLogits, labels.fake)));
}

/** G's loss of the losses whose D scores are unbounded: raise D's mean score on fakes. */
function meanFakeScore({ fakeLogits }: { fakeLogits: tf.Tensor }): tf.Tensor {
  return tf.neg(tf.mean(fakeLogits));
}

export const minimax: LossImplementation = {
  discriminator: sigmoidDiscriminator,
  // log(1 - sigmoid(x)) = -softplus(x).
  generator: ({ fakeLogits }) => tf.neg(tf.mean(softplus(fakeLogits))),
};

export const nonsaturating: LossImplementation = {
  discriminator: sigmoidDiscriminator,
  // BCE(x, 1) = softplus(-x).
  generator: ({ fakeLogits }) => tf.mean(softplus(tf.neg(fakeLogits))),
};

export const wasserstein: LossImplementation = {
  discriminator: ({ realLogits, fakeLogits }) => tf.sub(tf.mean(fakeLogits), tf.mean(realLogits)),
  generator: meanFakeScore,
};

export const hinge: LossImplementation = {
  discriminator: ({ realLogits, fakeLogits }) => tf.add(tf.mean(tf.relu(tf.sub(1, realLogits))), tf.mean(tf.relu(tf.add(1, fakeLogits)))),
  generator: meanFakeScore,
};

export const leastSquares: LossImplementation = {
  discriminator: ({ realLogits, fakeLogits, labels }) =>
    tf.mul(0.5, tf.add(tf.mean(squaredError(realLogits, labels.real)), tf.mean(squaredError(fakeLogits, labels.fake)))),
  generator: ({ fakeLogits }) => tf.mul(0.5, tf.mean(squaredError(fakeLogits, 1))),
};
