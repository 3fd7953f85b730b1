/**
 * @gan/label-noise: noisy targets for the discriminator (ganhacks #6, "use soft and noisy
 * labels"): each sample's target is swapped with the other side's with probability `flip`
 * ("occasionally flip the labels when training the discriminator"), and with `soft: true` the
 * targets are first drawn uniformly from ranges ("replace the label with a random number
 * between 0.7 and 1.2" for reals, "between 0.0 and 0.3" for fakes, Salimans et al. 2016).
 *
 * Targets become one value per sample. Draws come from the trick's own seeded stream, so a
 * resumed run draws what an uninterrupted one would.
 */
import { defineTrick, describeLoss, lossesWithTargets, z, type Labels, type Scalar, type Tensor } from "@gan/core";

const range = (lo: number, hi: number) =>
  z
    .tuple([z.number(), z.number()])
    .refine(([a, b]) => a <= b, "the range must be [low, high] with low <= high")
    .default([lo, hi]);

const options = z.object({
  flip: z.number().min(0).max(1).default(0.05).describe("probability that a sample's target is swapped with the other side's"),
  soft: z.boolean().default(false).describe("draw targets uniformly from the real and fake ranges"),
  real: range(0.7, 1.2).describe("range of soft targets for real samples"),
  fake: range(0, 0.3).describe("range of soft targets for fakes"),
});

export default defineTrick({
  name: "@gan/label-noise",
  description: "Flips D's labels with probability p, or draws soft labels from ranges (ganhacks #6); schedulable.",
  options,
  // Nothing to rewrite: this refuses, at compile time, a loss on which noisy labels would do nothing.
  rewrite(plan, { loss }) {
    if (!loss.takesTargets) {
      throw new Error(`the ${describeLoss(plan.loss)} loss has no labels to make noisy: remove @gan/label-noise or use a loss with targets (${lossesWithTargets()})`);
    }
    return { plan, rewrites: [] };
  },
  setup({ options, plan, at, tf, log, randomUniform }) {
    const batch = plan.train.batch;
    /** The targets of a side as a [batch] tensor: drawn from its range when soft, else the ones given. */
    const targets = (given: number | Tensor, soft: readonly [number, number]): Tensor =>
      options.soft ? randomUniform([batch], at(soft[0]), at(soft[1])) : typeof given === "number" ? tf.fill([batch], given) : tf.reshape(given, [batch]);
    return {
      labels(labels: Labels): Labels {
        const real = targets(labels.real, options.real);
        const fake = targets(labels.fake, options.fake);
        const p = at(options.flip);
        if (p === 0) return { real, fake };
        // A flipped real sample gets the target of a fake, and the other way round.
        const flipReal = tf.cast(tf.less(randomUniform([batch]), p), "float32");
        const flipFake = tf.cast(tf.less(randomUniform([batch]), p), "float32");
        log("label-noise/flipped", tf.mean(tf.concat([flipReal, flipFake])) as Scalar);
        return {
          real: tf.add(tf.mul(real, tf.sub(1, flipReal)), tf.mul(fake, flipReal)),
          fake: tf.add(tf.mul(fake, tf.sub(1, flipFake)), tf.mul(real, flipFake)),
        };
      },
    };
  },
});
