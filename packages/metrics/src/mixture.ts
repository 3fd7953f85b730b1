/**
 * Mode coverage of a 2-D Gaussian mixture, with the definitions of the mode-collapse
 * benchmarks (VEEGAN, Srivastava et al. 2017, section 5.1; PacGAN, Lin et al. 2018,
 * section 5 and its appendix on the synthetic experiments).
 *
 * Every sample is assigned to its nearest mean (Euclidean; the components are isotropic
 * with one shared standard deviation, so this is also the nearest mean in units of the
 * standard deviation, the distance PacGAN's code measures).
 *
 * - high quality: the distance to that nearest mean is under 3 standard deviations
 *   (VEEGAN's rule, which PacGAN adopts unchanged; both draw 2,500 samples).
 * - mode captured: at least one high-quality sample has that mean as its nearest mean.
 * - reverse KL: KL(p || u) = sum_i p_i log(p_i K), where u is uniform over the K modes
 *   and p is the histogram over modes of the HIGH-QUALITY samples only, normalised by
 *   their number (not by the number of all samples); bins with p_i = 0 are skipped.
 *   That is which samples enter the histogram in PacGAN's released evaluation code
 *   (github.com/fjxmlzn/PacGAN, synthetic_data_experiments/PacGAN/pacgan/extensions.py,
 *   MetricLogger: `detail_of_coverage` counts a sample only when `min_dis < dis_thre`
 *   with `dis_thre = 3`, then divides by its own sum; its `KLD` helper skips p = 0).
 *   Off-mode samples therefore lower the high-quality fraction, never the reverse KL.
 *   The paper's prose names the two distributions (generated histogram over modes,
 *   uniform target) without saying which samples are binned; the code settles it.
 *   VEEGAN reports modes and high-quality percentage only; reverse KL is PacGAN's.
 *
 * With no high-quality sample at all the histogram is empty and the reverse KL is
 * undefined: it is reported as NaN rather than as an invented number.
 */
export interface MixtureMetrics {
  /** Modes with at least one high-quality sample nearest to them. */
  modes: number;
  /** K, the number of means of the mixture. */
  totalModes: number;
  /** Fraction (0..1) of all samples within 3 standard deviations of their nearest mean. */
  highQuality: number;
  /** KL(histogram of high-quality samples over modes || uniform); NaN without any. */
  reverseKL: number;
  /** High-quality samples per mode, in the order of `means`. */
  counts: number[];
}

/** How many standard deviations from its nearest mean a sample may lie and still count. */
export const HIGH_QUALITY_STDS = 3;

export function mixtureMetrics(samples: Float32Array | Float64Array | ArrayLike<number>, means: ReadonlyArray<readonly [number, number]>, std: number): MixtureMetrics {
  if (samples.length % 2 !== 0) {
    throw new Error(`mixtureMetrics: samples hold ${samples.length} numbers, not a whole number of (x, y) pairs`);
  }
  if (means.length === 0) throw new Error("mixtureMetrics: the mixture has no means");
  if (!(std > 0) || !Number.isFinite(std)) throw new Error(`mixtureMetrics: std must be a positive number, got ${std}`);
  const sampleCount = samples.length / 2;
  if (sampleCount === 0) throw new Error("mixtureMetrics: no samples to measure");

  const threshold = HIGH_QUALITY_STDS * std;
  const thresholdSquared = threshold * threshold;
  const counts = new Array<number>(means.length).fill(0);
  let highQualityCount = 0;
  for (let s = 0; s < sampleCount; s++) {
    const x = samples[2 * s]!;
    const y = samples[2 * s + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue; // a NaN sample is near no mode
    let nearest = 0;
    let nearestSquared = Infinity;
    for (let m = 0; m < means.length; m++) {
      const dx = x - means[m]![0];
      const dy = y - means[m]![1];
      const squared = dx * dx + dy * dy;
      if (squared < nearestSquared) {
        nearestSquared = squared;
        nearest = m;
      }
    }
    if (nearestSquared < thresholdSquared) {
      counts[nearest]! += 1;
      highQualityCount += 1;
    }
  }

  const modes = counts.filter((c) => c > 0).length;
  const reverseKL = highQualityCount === 0 ? Number.NaN : reverseKLToUniform(counts);
  return { modes, totalModes: means.length, highQuality: highQualityCount / sampleCount, reverseKL, counts };
}

/** KL(p || uniform) for the histogram `counts`, empty bins skipped (0 log 0 = 0). */
export function reverseKLToUniform(counts: readonly number[]): number {
  const total = counts.reduce((sum, c) => sum + c, 0);
  if (total <= 0) return Number.NaN;
  const k = counts.length;
  let kl = 0;
  for (const c of counts) {
    if (c <= 0) continue;
    const p = c / total;
    kl += p * Math.log(p * k);
  }
  // Rounding can leave -1e-17 for a perfectly uniform histogram; KL is never negative.
  return Math.max(0, kl);
}

/** `modes` means evenly spaced on a circle of `radius` around the origin, the first at angle 0. */
export function ringMeans(modes: number, radius: number): [number, number][] {
  if (!Number.isInteger(modes) || modes < 1) throw new Error(`ringMeans: modes must be a positive integer, got ${modes}`);
  const means: [number, number][] = [];
  for (let i = 0; i < modes; i++) {
    const angle = (2 * Math.PI * i) / modes;
    means.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
  }
  return means;
}

/**
 * A side x side grid centred on the origin, `spacing` apart: side 5, spacing 2 gives
 * {-4, -2, 0, 2, 4}^2, the 25-Gaussian grid of VEEGAN and PacGAN. Row-major, x varying fastest.
 */
export function gridMeans(side: number, spacing: number): [number, number][] {
  if (!Number.isInteger(side) || side < 1) throw new Error(`gridMeans: side must be a positive integer, got ${side}`);
  const offset = ((side - 1) * spacing) / 2;
  const means: [number, number][] = [];
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) means.push([col * spacing - offset, row * spacing - offset]);
  }
  return means;
}
