/**
 * @gan/instance-noise: Gaussian noise of standard deviation `std` added to everything the
 * discriminator sees, real and fake, in discriminator and generator updates alike.
 *
 * Sønderby et al. 2016 ("Amortised MAP Inference for Image Super-resolution", section 3.3)
 * and Arjovsky & Bottou 2017: the data and the generator's distributions hardly overlap early
 * on, so a perfect discriminator exists and its gradients vanish; noise on both makes them
 * overlap. ganhacks #13 ("add noise to inputs, decay over time"): give `std` a schedule that
 * goes to 0, e.g. `linear(0.1 -> 0, until 10000)`.
 *
 * The fake batch of a generator update gets noise too: G must be judged by the discriminator
 * it is trained against, which has only ever seen noisy inputs.
 */
import { defineTrick, z, type Tensor } from "@gan/core";

const options = z.object({
  std: z.number().min(0).default(0.1).describe("standard deviation of the noise (a schedule to decay it)"),
});

export default defineTrick({
  name: "@gan/instance-noise",
  description: "Gaussian instance noise on D's inputs, real and fake, with a schedulable, decaying std (ganhacks #13).",
  options,
  setup({ options, at, tf, log, randomNormal }) {
    const noisy = (x: Tensor, std: number): Tensor => (std === 0 ? x : tf.add(x, randomNormal(x.shape, 0, std)));
    return {
      discriminatorInputs(inputs) {
        const std = at(options.std);
        log("instance-noise/std", std);
        return { real: noisy(inputs.real, std), fake: noisy(inputs.fake, std) };
      },
      discriminatorFakeInputs(fake) {
        return noisy(fake, at(options.std));
      },
    };
  },
});
