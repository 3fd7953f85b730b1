/**
 * @gan/gp: a gradient penalty added to the discriminator's loss,
 *
 *     penalty = weight * mean_i (||grad_x D(x_i)||_2 - target)^2
 *
 * with the points x_i and the defaults of each kind:
 *
 * - `wgan-gp` (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", eq. 3):
 *   x = e * real + (1 - e) * fake with e ~ U[0, 1) per sample; target 1, weight lambda = 10.
 * - `r1` (Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?",
 *   eq. 9): x = real; target 0, weight gamma / 2 with gamma = `lambda` = 10.
 * - `r2` (ibid.): x = fake; target 0, weight lambda / 2.
 * - `dragan` (Kodali et al. 2017, "On Convergence and Stability of GANs"): x = a * real +
 *   (1 - a) * (real + noise * std(real) * u), a ~ U[0, 1) per sample, u ~ U[0, 1) per value;
 *   target 1, weight lambda = 10.
 *
 * `every` > 1 is the lazy regularisation of StyleGAN2 (Karras et al. 2020, section 3.1): the
 * penalty is computed on one step in `every`, multiplied by `every`, which keeps its average
 * weight and saves most of its cost.
 *
 * The penalty is differentiated with respect to D's weights, so it needs gradients of
 * gradients (double backprop); @gan/core registers the gradients that needs (through pooling
 * and upsampling layers too).
 *
 * When D judges several samples at once (@gan/pack: n = batch / m outputs, sample s in
 * judgement s mod n), a point is a whole pack: the weights e and a are drawn per judgement,
 * and the norm is that of the gradient with respect to all of the judgement's samples.
 */
import { defineTrick, z, type DiscriminatorLossContext, type Scalar, type Tensor } from "@gan/core";

const KINDS = ["wgan-gp", "r1", "r2", "dragan"] as const;
type Kind = (typeof KINDS)[number];

const options = z.object({
  kind: z.enum(KINDS).default("wgan-gp").describe("wgan-gp (interpolates), r1 (reals), r2 (fakes) or dragan (perturbed reals)"),
  lambda: z.number().min(0).default(10).describe("penalty weight (r1 and r2: gamma, the penalty is weighted gamma / 2)"),
  target: z.number().min(0).optional().describe("gradient norm aimed at (default: 1 for wgan-gp and dragan, 0 for r1 and r2)"),
  every: z.number().int().min(1).default(1).describe("apply the penalty every N steps, scaled by N (lazy regularisation)"),
  noise: z.number().gt(0).default(0.5).describe("dragan: size of the perturbation, in standard deviations of the real batch"),
});

const DEFAULT_TARGET: Record<Kind, number> = { "wgan-gp": 1, r1: 0, r2: 0, dragan: 1 };
/** R1 and R2 are written gamma / 2 * E||grad||^2 in their paper. */
const WEIGHT_FACTOR: Record<Kind, number> = { "wgan-gp": 1, r1: 0.5, r2: 0.5, dragan: 1 };

/** Avoids an infinite derivative of the norm at a zero gradient; far below float32 resolution of any real norm. */
const NORM_EPSILON = 1e-12;

export default defineTrick({
  name: "@gan/gp",
  description: "Gradient penalty on D: wgan-gp (interpolates), r1 (reals), r2 (fakes), dragan (perturbed reals); lambda, target, every.",
  options,
  setup({ options, at, tf, log, randomUniform }) {
    const kind = options.kind;
    const target = options.target ?? DEFAULT_TARGET[kind];

    /**
     * Weights in [0, 1), one per judgement of D, shaped to broadcast over a batch like `like`:
     * sample s gets judgement s mod n's weight (one per sample when D judges samples one by one).
     */
    const perJudgement = (like: Tensor, judgements: number): Tensor => {
      const [batch, ...features] = like.shape as number[];
      const weights = randomUniform([judgements, ...features.map(() => 1)]);
      return judgements === batch ? weights : tf.tile(weights, [batch! / judgements, ...features.map(() => 1)]);
    };

    function points(context: DiscriminatorLossContext, judgements: number): Tensor {
      const { real, fake } = context;
      switch (kind) {
        case "r1":
          return real;
        case "r2":
          return fake;
        case "wgan-gp": {
          if (real.shape[0] !== fake.shape[0]) {
            throw new Error(`wgan-gp interpolates real and fake samples pairwise, but the batches have ${real.shape[0]} and ${fake.shape[0]} samples`);
          }
          const e = perJudgement(real, judgements);
          return tf.add(tf.mul(e, real), tf.mul(tf.sub(1, e), fake));
        }
        case "dragan": {
          const std = tf.sqrt(tf.moments(real).variance);
          const perturbed = tf.add(real, tf.mul(tf.mul(at(options.noise), std), randomUniform(real.shape)));
          const a = perJudgement(real, judgements);
          return tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), perturbed));
        }
      }
    }

    return {
      discriminatorLoss(loss, context, step) {
        const every = Math.max(1, Math.round(at(options.every)));
        const lambda = at(options.lambda);
        if (step % every !== 0 || lambda === 0) return loss;
        const batch = context.real.shape[0]!;
        const judgements = context.realLogits.shape[0]!;
        if (batch % judgements !== 0) {
          throw new Error(`the discriminator gave ${judgements} outputs for a batch of ${batch} samples: a penalty needs one output per sample or per pack of samples`);
        }
        const x = points(context, judgements);
        // D's outputs are independent per judgement, so the gradient of their sum is each one's own gradient.
        const gradient = tf.grad((input: Tensor) => tf.sum(context.discriminator(input)))(x);
        const axes = gradient.shape.slice(1).map((_, i) => i + 1);
        const perSampleSquares = tf.sum(tf.square(gradient), axes);
        // A judgement's squared norm sums over its samples s, s + n, ...: rows of a [batch / n, n] matrix.
        const squaredNorms = judgements === batch ? perSampleSquares : tf.sum(tf.reshape(perSampleSquares, [batch / judgements, judgements]), 0);
        const deviation =
          target === 0 ? squaredNorms : tf.square(tf.sub(tf.sqrt(tf.add(squaredNorms, NORM_EPSILON)), target));
        const penalty = tf.mul(lambda * WEIGHT_FACTOR[kind], tf.mean(deviation)) as Scalar;
        log("gp/penalty", penalty);
        log("gp/grad_norm", tf.mean(tf.sqrt(tf.add(squaredNorms, NORM_EPSILON))) as Scalar);
        return tf.add(loss, tf.mul(penalty, every)) as Scalar;
      },
    };
  },
});
