/**
 * @gan/weight-clip: after each discriminator update, every trainable weight of the
 * discriminator is clipped to [-c, c].
 *
 * The original WGAN (Arjovsky et al. 2017, Algorithm 1, c = 0.01): clipping keeps the critic in
 * a compact set of functions, hence K-Lipschitz for some K, which the Wasserstein estimate
 * needs. WGAN-GP (@gan/gp) replaced it with a gradient penalty, which trains better; use this
 * one to reproduce WGAN. Combine with `loss wasserstein`, `@gan/ncritic` and RMSProp
 * (`optimizer discriminator rmsprop { lr: 5e-5 }`), as the paper does.
 */
import { defineTrick, z } from "@gan/core";

const options = z.object({
  c: z.number().gt(0).default(0.01).describe("clipping bound: weights end in [-c, c]"),
});

export default defineTrick({
  name: "@gan/weight-clip",
  description: "Clips the discriminator's weights to [-c, c] after each discriminator update (the original WGAN).",
  options,
  setup({ options, at, tf }) {
    return {
      afterDiscriminatorStep({ discriminator }) {
        const c = at(options.c);
        tf.tidy(() => {
          for (const weight of discriminator.trainableWeights) weight.write(tf.clipByValue(weight.read(), -c, c));
        });
      },
    };
  },
});
