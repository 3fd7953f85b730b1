/**
 * @gan/label-smoothing: the discriminator's targets for real samples become `real` (0.9)
 * instead of 1, and optionally those for fakes `fake` instead of 0.
 *
 * Salimans et al. 2016 ("Improved Techniques for Training GANs", section 3.4) smooth only the
 * real side: smoothing the fake side too rewards the generator for staying where the data is
 * not. ganhacks #6 ("use soft and noisy labels"). Both targets take schedules.
 */
import { defineTrick, describeLoss, lossesWithTargets, z, type Labels, type Tensor } from "@gan/core";

const options = z.object({
  real: z.number().min(0).max(1).default(0.9).describe("target for real samples"),
  fake: z.number().min(0).max(1).default(0).describe("target for fakes (0: one-sided smoothing)"),
});

export default defineTrick({
  name: "@gan/label-smoothing",
  description: "One-sided label smoothing: real targets 0.9 (optionally fake targets above 0), schedulable (ganhacks #6).",
  options,
  // Nothing to rewrite: this refuses, at compile time, a loss on which smoothing would do nothing.
  // A loss's declaration says whether it compares D's outputs with targets; the others ignore labels.
  rewrite(plan, { loss }) {
    if (!loss.takesTargets) {
      throw new Error(`the ${describeLoss(plan.loss)} loss has no labels to smooth: remove @gan/label-smoothing or use a loss with targets (${lossesWithTargets()})`);
    }
    return { plan, rewrites: [] };
  },
  setup({ options, at, tf, log }) {
    return {
      labels(labels: Labels): Labels {
        const real = at(options.real);
        const fake = at(options.fake);
        log("label-smoothing/real", real);
        // Maps 1 to `real` and 0 to `fake`, linearly: composes with tricks that flip or draw labels before this one.
        const smooth = (target: number | Tensor): number | Tensor =>
          typeof target === "number" ? fake + target * (real - fake) : tf.add(fake, tf.mul(target, real - fake));
        return { real: smooth(labels.real), fake: smooth(labels.fake) };
      },
    };
  },
});
