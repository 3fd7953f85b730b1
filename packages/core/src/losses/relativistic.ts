/**
 * The relativistic average losses (Jolicoeur-Martineau 2018, "The relativistic discriminator:
 * a key element missing from standard GAN", ICLR 2019; declarations in @gan/plan's losses.ts).
 * D estimates how much more realistic a real sample is than the fakes on average, and a fake
 * than the reals: with C(x) the logit,
 *
 *     r_i = C(real_i) - mean C(fake)        f_i = C(fake_i) - mean C(real)
 *
 * and with phi the penalty each loss puts on a logit that should be large,
 *
 *     L_D = (mean phi(r) + mean phi(-f)) / 2        L_G = (mean phi(-r) + mean phi(f)) / 2
 *
 * RaSGAN: phi(x) = BCE(x, 1) = softplus(-x); RaLSGAN: phi(x) = (x - 1)^2; RaHinge:
 * phi(x) = relu(1 - x). This is the paper's reference code (AlexiaJM/RelativisticGAN,
 * GAN_losses_iter.py, loss_D 6, 7 and 8) term for term, including its halving: unlike the
 * absolute losses' D loss (a sum, as in TF-GAN), the two terms are averaged. G's loss has a
 * gradient through both terms, since mean C(fake) enters r: G also lowers how real the reals
 * look. Neither takes targets: the label tricks refuse them.
 */
import { tf } from "../tfjs.js";
import { realLogitsOf, type LossImplementation } from "./implementation.js";
import { softplus } from "./targets.js";

type Penalty = (x: tf.Tensor) => tf.Tensor;

/** The relativistic average loss with penalty `phi`; `name` is the loss's spec word, for messages. */
function relativisticAverage(name: string, phi: Penalty): LossImplementation {
  const relative = (realLogits: tf.Tensor, fakeLogits: tf.Tensor) => ({
    r: tf.sub(realLogits, tf.mean(fakeLogits)),
    f: tf.sub(fakeLogits, tf.mean(realLogits)),
  });
  const halfSum = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.mul(0.5, tf.add(tf.mean(a), tf.mean(b)));
  return {
    discriminator({ realLogits, fakeLogits }) {
      const { r, f } = relative(realLogits, fakeLogits);
      return halfSum(phi(r), phi(tf.neg(f)));
    },
    generator(inputs) {
      const { r, f } = relative(realLogitsOf(inputs, name), inputs.fakeLogits);
      return halfSum(phi(tf.neg(r)), phi(f));
    },
  };
}

export const ragan = relativisticAverage("ragan", (x) => softplus(tf.neg(x)));
export const ralsgan = relativisticAverage("ralsgan", (x) => tf.square(tf.sub(x, 1)));
export const rahinge = relativisticAverage("rahinge", (x) => tf.relu(tf.sub(1, x)));
