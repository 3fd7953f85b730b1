/**
 * @gan/ncritic: `n` discriminator updates for each generator update.
 *
 * WGAN (Arjovsky et al. 2017, Algorithm 1) and WGAN-GP (Gulrajani et al. 2017, Algorithm 1)
 * train the critic n_critic = 5 times per generator step, so the generator always follows a
 * critic close to optimal; ganhacks #14 ("train the discriminator more, sometimes"). `n` takes
 * a schedule (rounded to a whole number at each step): WGAN's reference code trains the
 * critic 100 times per step for the first 25 generator steps, `n: step(100 -> 5 at 25)`.
 */
import { defineTrick, z } from "@gan/core";

const options = z.object({
  n: z.number().int().min(1).default(5).describe("discriminator updates per generator update"),
});

export default defineTrick({
  name: "@gan/ncritic",
  description: "n discriminator updates per generator update (default 5, as WGAN and WGAN-GP); schedulable.",
  options,
  setup({ options, at }) {
    return {
      discriminatorUpdates: () => Math.max(1, Math.round(at(options.n))),
    };
  },
});
