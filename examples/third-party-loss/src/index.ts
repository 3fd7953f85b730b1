/**
 * gan-loss-rsgan: the relativistic standard GAN (RSGAN) of Jolicoeur-Martineau 2018 ("The
 * relativistic discriminator: a key element missing from standard GAN", ICLR 2019), as a loss
 * that a trick package provides. D estimates the probability that a real sample is more
 * realistic than a fake one, pairing the i-th of each batch:
 *
 *     L_D = mean_i BCE(C(real_i) - C(fake_i), 1) = mean_i softplus(C(fake_i) - C(real_i))
 *     L_G = mean_i BCE(C(fake_i) - C(real_i), 1) = mean_i softplus(C(real_i) - C(fake_i))
 *
 * (the reference code's loss_D 5, AlexiaJM/RelativisticGAN). G's loss needs D's logits on a
 * real batch, so the declaration says `generatorUsesRealLogits`. The relativistic *average*
 * losses are built in (`loss ragan`); this pairwise one is the example of a loss outside gan.
 *
 * It uses only the public API of @gan/core (defineTrick, z and the loss types), taken as a peer
 * dependency, and the tfjs the loss is given.
 */
import { defineTrick, z, type TrickLossDefinition } from "@gan/core";

export const rsgan: TrickLossDefinition = {
  doc: "relativistic standard GAN (RSGAN, Jolicoeur-Martineau 2018): BCE of C(real_i) - C(fake_i) against 1 for D, of C(fake_i) - C(real_i) for G",
  takesTargets: false,
  generatorUsesRealLogits: true,
  // D is right about a pair when the real sample's logit is above the fake's: as for the average
  // losses, real above the fakes' mean and fake below the reals' mean.
  accuracy: { kind: "relativistic" },
  // At the equilibrium every difference is 0 and the loss is softplus(0) = ln 2; the bound keeps
  // the built-in relativistic losses' ratio (36% of it).
  winning: { equilibrium: Math.log(2), below: 0.25 },
  discriminator: ({ tf, realLogits, fakeLogits }) => tf.mean(tf.softplus(tf.sub(fakeLogits, realLogits))),
  generator: ({ tf, realLogits, fakeLogits }) => {
    if (realLogits === undefined) throw new Error("RSGAN's generator loss needs D's logits on real data");
    return tf.mean(tf.softplus(tf.sub(realLogits, fakeLogits)));
  },
};

export default defineTrick({
  name: "gan-loss-rsgan",
  description: "The relativistic standard GAN loss (RSGAN): select it with `loss rsgan`.",
  options: z.object({}),
  losses: { rsgan },
});
