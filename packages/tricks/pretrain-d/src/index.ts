/**
 * @gan/pretrain-d: the first `steps` training steps update the discriminator only; the
 * generator starts after them.
 *
 * A discriminator that already tells data from the generator's first outputs gives the
 * generator useful gradients from its first update (ganhacks #14, "train the discriminator
 * more, sometimes"; the pretraining of D in Goodfellow et al. 2014's reference code). The
 * pretraining steps are steps of the run: they count towards `train.steps`, and checkpoints
 * and logs carry on through them.
 */
import { defineTrick, z } from "@gan/core";

const options = z.object({
  steps: z.number().int().min(1).default(100).describe("steps during which only the discriminator is trained"),
});

export default defineTrick({
  name: "@gan/pretrain-d",
  description: "Trains the discriminator alone for the first N steps before the generator starts.",
  options,
  setup({ options, at }) {
    return {
      generatorUpdates: (step) => (step < Math.round(at(options.steps)) ? 0 : undefined),
    };
  },
});
