/**
 * @gan/diffaugment: Differentiable Augmentation (Zhao et al. 2020, "Differentiable
 * Augmentation for Data-Efficient GAN Training"). Every batch the discriminator sees, real
 * and fake, in discriminator and generator updates alike, goes through the same random,
 * differentiable transformations T; D learns on T(x) and T(G(z)), and G's gradient flows back
 * through T. Augmenting the reals alone would teach G to make augmented images; augmenting
 * both in D's update only would let G be judged on images D never saw (section 3 of the paper).
 *
 * The policies, in the order of the reference DiffAugment_pytorch.py (mit-han-lab/
 * data-efficient-gans), each with draws per sample:
 *
 * - `color`: brightness x + (u - 0.5); saturation (x - mean_c) * 2u + mean_c, mean_c over the
 *   channels; contrast (x - mean) * (u + 0.5) + mean, mean over the whole image; u ~ U[0, 1).
 * - `translation`: a shift by whole pixels in [-r*H, r*H] x [-r*W, r*W] (r = 1/8, rounded),
 *   the uncovered border zero.
 * - `cutout`: a rectangle of (r*H, r*W) (r = 1/2, rounded) set to zero, its centre anywhere in the
 *   image (clipped at the border).
 *
 * Images are NHWC (the batch as the loop hands it: [batch, height, width, channels]); data of
 * any other rank is refused at compile time. The random draws come from the trick's stream,
 * seeded by the run's seed and saved in checkpoints: the same seed gives the same losses.
 */
import { defineTrick, z, type Tensor, type TrickSetupContext } from "@gan/core";

type Tf = TrickSetupContext<unknown>["tf"];

export const POLICIES = ["color", "translation", "cutout"] as const;
export type Policy = (typeof POLICIES)[number];

const options = z.object({
  policy: z
    .array(z.enum(POLICIES))
    .min(1)
    .refine((policy) => new Set(policy).size === policy.length, { message: "each policy may be named once" })
    .default([...POLICIES])
    .describe("the augmentations (color, translation, cutout), applied in the order given"),
  translation: z.number().gt(0).max(1).default(0.125).describe("largest shift, as a fraction of the image's height and width"),
  cutout: z.number().gt(0).max(1).default(0.5).describe("sides of the rectangle cut out, as a fraction of the image's height and width"),
});
export type DiffAugmentOptions = z.output<typeof options>;

/** What an augmentation draws from: the trick's seeded stream. */
export interface AugmentRandom {
  /** A uniform [0, 1) number. */
  random(): number;
  /** A tensor of values uniform in [lo, hi). */
  randomUniform(shape: number[], lo?: number, hi?: number): Tensor;
}

/** Why examples of `shape` cannot be augmented (`what` names them), or undefined for images. */
function notImages(shape: readonly number[], what: string): string | undefined {
  if (shape.length === 3) return undefined;
  return `@gan/diffaugment augments images of shape [height, width, channels], but ${what} of shape [${shape.join(", ")}]: remove @gan/diffaugment or train on images`;
}

/** A whole number uniform in [0, n). */
function randomInt(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** `round(size * ratio)` as the reference computes it, `int(size * ratio + 0.5)`. */
function roundedFraction(size: number, ratio: number): number {
  return Math.floor(size * ratio + 0.5);
}

/**
 * For each sample, the [size, size] matrix that shifts a line of `size` pixels by `shift`:
 * row i picks pixel i + shift, or nothing when that falls outside (zero padding).
 */
function shiftMatrices(shifts: number[], size: number): Float32Array {
  const values = new Float32Array(shifts.length * size * size);
  shifts.forEach((shift, sample) => {
    for (let i = 0; i < size; i++) {
      const source = i + shift;
      if (source >= 0 && source < size) values[sample * size * size + i * size + source] = 1;
    }
  });
  return values;
}

/** Applies `policy` to a batch of NHWC images; every operation is differentiable in `x`. */
export function diffAugment(tf: Tf, x: Tensor, settings: DiffAugmentOptions, draw: AugmentRandom): Tensor {
  const problem = notImages(x.shape.slice(1), "the batch has examples");
  if (problem) throw new Error(problem);
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const perSample = () => draw.randomUniform([batch, 1, 1, 1]);

  const color = (image: Tensor): Tensor => {
    const bright = tf.add(image, tf.sub(perSample(), 0.5));
    const channelMean = tf.mean(bright, 3, true);
    const saturated = tf.add(tf.mul(tf.sub(bright, channelMean), tf.mul(perSample(), 2)), channelMean);
    const imageMean = tf.mean(saturated, [1, 2, 3], true);
    return tf.add(tf.mul(tf.sub(saturated, imageMean), tf.add(perSample(), 0.5)), imageMean);
  };

  // A shift by whole pixels is a product with 0/1 matrices: exact, differentiable, and made
  // of matMul and transpose, which every backend differentiates (a gather's gradient is not).
  const translation = (image: Tensor): Tensor => {
    const maxRows = roundedFraction(height, settings.translation);
    const maxColumns = roundedFraction(width, settings.translation);
    const rowShifts = Array.from({ length: batch }, () => randomInt(draw.random, 2 * maxRows + 1) - maxRows);
    const columnShifts = Array.from({ length: batch }, () => randomInt(draw.random, 2 * maxColumns + 1) - maxColumns);
    const rows = tf.tensor3d(shiftMatrices(rowShifts, height), [batch, height, height]);
    const columns = tf.tensor3d(shiftMatrices(columnShifts, width), [batch, width, width]);
    const shiftedRows = tf.matMul(rows, tf.reshape(image, [batch, height, width * channels]));
    const byColumn = tf.reshape(tf.transpose(tf.reshape(shiftedRows, [batch, height, width, channels]), [0, 2, 1, 3]), [batch, width, height * channels]);
    const shifted = tf.reshape(tf.matMul(columns, byColumn), [batch, width, height, channels]);
    return tf.transpose(shifted, [0, 2, 1, 3]);
  };

  const cutout = (image: Tensor): Tensor => {
    const cutRows = roundedFraction(height, settings.cutout);
    const cutColumns = roundedFraction(width, settings.cutout);
    const mask = new Float32Array(batch * height * width).fill(1);
    for (let sample = 0; sample < batch; sample++) {
      // The reference's offsets: a centre in [0, size], or [0, size) for an odd side.
      const top = randomInt(draw.random, height + 1 - (cutRows % 2)) - Math.floor(cutRows / 2);
      const left = randomInt(draw.random, width + 1 - (cutColumns % 2)) - Math.floor(cutColumns / 2);
      for (let i = Math.max(0, top); i < Math.min(height, top + cutRows); i++) {
        mask.fill(0, sample * height * width + i * width + Math.max(0, left), sample * height * width + i * width + Math.min(width, left + cutColumns));
      }
    }
    return tf.mul(image, tf.tensor4d(mask, [batch, height, width, 1]));
  };

  const augmentations: Record<Policy, (image: Tensor) => Tensor> = { color, translation, cutout };
  return settings.policy.reduce((image, policy) => augmentations[policy](image), x);
}

export default defineTrick({
  name: "@gan/diffaugment",
  description: "Differentiable augmentation of real and fake images seen by D, in D and G updates: color, translation, cutout (Zhao et al. 2020).",
  options,
  // Nothing to rewrite: this refuses, at compile time, data that is not a batch of images.
  rewrite(plan) {
    const problem = notImages(plan.data.shape, `the ${plan.data.kind} data has examples`);
    if (problem) throw new Error(problem);
    return { plan, rewrites: [] };
  },
  setup({ options, tf, random, randomUniform }) {
    const draw: AugmentRandom = { random, randomUniform };
    const augment = (x: Tensor) => diffAugment(tf, x, options, draw);
    return {
      discriminatorInputs: (inputs) => ({ real: augment(inputs.real), fake: augment(inputs.fake) }),
      discriminatorFakeInputs: augment,
    };
  },
});
