import { type FeatureMatrix, forEachDotBlock, selectRows } from "./feature-matrix.js";
import { chooseWithoutReplacement, uniformSource } from "./seeded-random.js";

/**
 * Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the squared
 * maximum mean discrepancy between two feature sets under the cubic polynomial kernel
 * k(x, y) = (x . y / d + 1)^3, estimated without bias, averaged over random subsets.
 * The same estimator, kernel and defaults as clean-fid's `kernel_distance` and
 * torch-fidelity's `kid` (100 subsets of at most 1,000 vectors each).
 */
export interface KidOptions {
  /** Subsets to average over (default 100). */
  subsets?: number;
  /** Vectors drawn from each set for a subset (default 1,000; fewer when a set is smaller). */
  subsetSize?: number;
  /** Seed of the subset draws (default 0). */
  seed?: number;
}

export interface KidResult {
  /** The mean of the subsets' unbiased MMD^2 estimates: the KID. */
  mean: number;
  /**
   * Standard deviation of the subset estimates (population, numpy's np.std), the ± that
   * torch-fidelity reports as kernel_inception_distance_std; null with a single subset.
   */
  std: number | null;
  /**
   * The standard error of the mean over subsets, std / sqrt(subsets): how far the KID itself
   * would move with other subset draws of these two sets (the subsets overlap, so it speaks
   * for this pair of sets, not for a fresh sample of them); null with a single subset.
   */
  standardError: number | null;
  subsets: number;
  subsetSize: number;
}

export const KID_SUBSETS = 100;
export const KID_SUBSET_SIZE = 1000;

/**
 * The unbiased estimate of MMD^2 between two sets of m vectors each:
 *   sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2
 * (the "unbiased" estimator of Bińkowski et al.'s code, torch-fidelity's mmd2 and clean-fid).
 */
export async function polynomialMmd(x: FeatureMatrix, y: FeatureMatrix): Promise<number> {
  if (x.n !== y.n) throw new Error(`polynomialMmd: the sets must have as many vectors, got ${x.n} and ${y.n}`);
  const m = x.n;
  if (m < 2) throw new Error(`polynomialMmd: needs at least 2 vectors a set, got ${m}`);
  const d = x.d;
  const kernelSum = async (a: FeatureMatrix, b: FeatureMatrix, skipDiagonal: boolean): Promise<number> => {
    let sum = 0;
    await forEachDotBlock(a, b, (first, rows, dots) => {
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < b.n; j++) {
          if (skipDiagonal && first + r === j) continue;
          const base = dots[r * b.n + j]! / d + 1;
          sum += base * base * base;
        }
      }
    });
    return sum;
  };
  const within = (await kernelSum(x, x, true)) + (await kernelSum(y, y, true));
  const across = await kernelSum(x, y, false);
  return within / (m * (m - 1)) - (2 * across) / (m * m);
}

/** KID of two feature sets, with the spread of its subset estimates. */
export async function kernelInceptionDistance(real: FeatureMatrix, generated: FeatureMatrix, options: KidOptions = {}): Promise<KidResult> {
  const subsets = options.subsets ?? KID_SUBSETS;
  if (!Number.isInteger(subsets) || subsets < 1) throw new Error(`kernelInceptionDistance: subsets must be a positive integer, got ${subsets}`);
  const requested = options.subsetSize ?? KID_SUBSET_SIZE;
  if (!Number.isInteger(requested) || requested < 2) throw new Error(`kernelInceptionDistance: subsetSize must be an integer of at least 2, got ${requested}`);
  const subsetSize = Math.min(requested, real.n, generated.n);
  if (subsetSize < 2) throw new Error(`kernelInceptionDistance: needs at least 2 vectors in each set, got ${real.n} and ${generated.n}`);
  const uniform = uniformSource(options.seed ?? 0);
  const estimates: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const x = selectRows(generated, chooseWithoutReplacement(generated.n, subsetSize, uniform));
    const y = selectRows(real, chooseWithoutReplacement(real.n, subsetSize, uniform));
    estimates.push(await polynomialMmd(x, y));
  }
  const { mean, std } = meanAndStd(estimates);
  return { mean, std, standardError: std === null ? null : std / Math.sqrt(subsets), subsets, subsetSize };
}

export function meanAndStd(values: readonly number[]): { mean: number; std: number | null } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  return { mean, std: Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length) };
}
