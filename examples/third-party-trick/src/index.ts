/**
 * gan-trick-consistency: consistency regularisation of the discriminator. A sample and a
 * slightly perturbed copy of it should get the same score, so the discriminator's loss gets
 *
 *     real * mean_i (D(x_i + e_i) - D(x_i))^2   over the real batch, and
 *     fake * mean_i (D(y_i + e_i) - D(y_i))^2   over the fake batch,
 *
 * with e ~ N(0, std^2) drawn per value. Zhang et al. 2020 ("Consistency Regularization for
 * Generative Adversarial Networks", ICLR) regularise the reals only, weight 10; the balanced
 * variant (bCR, Zhao et al. 2021, "Improved Consistency Regularization for GANs", AAAI) adds
 * the fakes with the same weight. The papers augment images with flips and shifts; Gaussian
 * noise is the augmentation that means something for every kind of data, 2-D points included.
 *
 * This package is the example of a trick published by someone other than the gan project: it
 * uses only the public API of @gan/core (defineTrick, z and the hook types), which it takes as
 * a peer dependency so that it runs on the user's own @gan/core.
 */
import { defineTrick, z, type Scalar, type Tensor } from "@gan/core";

const options = z.object({
  real: z.number().min(0).default(10).describe("weight of the consistency term on real samples"),
  fake: z.number().min(0).default(0).describe("weight of the term on fakes (bCR: the same as real)"),
  std: z.number().gt(0).default(0.05).describe("standard deviation of the Gaussian noise that augments a sample"),
});

export default defineTrick({
  name: "gan-trick-consistency",
  description: "Consistency regularisation: D scores a sample and its noisy copy alike (CR / bCR, weights real and fake, noise std).",
  options,
  setup({ options, at, tf, log, randomNormal }) {
    return {
      discriminatorLoss(loss, context) {
        const std = at(options.std);
        /** Mean squared change of D's score when `batch` is perturbed; differentiable in D's weights. */
        const inconsistency = (batch: Tensor, logits: Tensor): Scalar => {
          const perturbed = tf.add(batch, randomNormal(batch.shape, 0, std));
          return tf.mean(tf.square(tf.sub(context.discriminator(perturbed), logits)));
        };
        let total: Scalar = loss;
        for (const [side, batch, logits] of [
          ["real", context.real, context.realLogits],
          ["fake", context.fake, context.fakeLogits],
        ] as const) {
          const weight = at(options[side]);
          if (weight === 0) continue;
          const term = inconsistency(batch, logits);
          log(`consistency/${side}`, term);
          total = tf.add(total, tf.mul(weight, term));
        }
        return total;
      },
    };
  },
});
