import { multiplySquare, sqrtSymmetricPsd, symmetricEigen } from "./symmetric-eigen.js";

/** Mean and covariance of a set of feature vectors; `cov` is row-major d x d. */
export interface GaussianStatistics {
  mean: ArrayLike<number>;
  cov: ArrayLike<number>;
}

export interface FeatureStatistics extends GaussianStatistics {
  mean: Float64Array;
  cov: Float64Array;
  /** How many vectors the statistics were computed from. */
  n: number;
  d: number;
}

/**
 * Mean and unbiased (n - 1) covariance of n feature vectors of dimension d, stored
 * row after row; the convention of `numpy.cov` that pytorch-fid and TF-GAN use.
 * Accumulated in float64 with the mean subtracted first, so float32 features of large
 * magnitude lose nothing to cancellation.
 */
export function featureStatistics(features: Float64Array | Float32Array, n: number, d: number): FeatureStatistics {
  if (!Number.isInteger(n) || !Number.isInteger(d) || d < 1) throw new Error(`featureStatistics: n and d must be integers (d >= 1), got n=${n}, d=${d}`);
  if (n < 2) throw new Error(`featureStatistics: a covariance needs at least 2 vectors, got ${n}`);
  if (features.length !== n * d) throw new Error(`featureStatistics: expected n*d = ${n}*${d} = ${n * d} values, got ${features.length}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += features[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;

  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = features[i * d + j]! - mean[j]!;
    for (let j = 0; j < d; j++) {
      const cj = centred[j]!;
      if (cj === 0) continue;
      for (let k = j; k < d; k++) cov[j * d + k]! += cj * centred[k]!;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const value = cov[j * d + k]! / (n - 1);
      cov[j * d + k] = value;
      cov[k * d + j] = value;
    }
  }
  return { mean, cov, n, d };
}

/**
 * Fréchet distance between two Gaussians (Dowson and Landau 1982; the FID of Heusel et al. 2017):
 *
 *   ||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)).
 *
 * C1 C2 is not symmetric, and taking its square root directly (scipy's sqrtm) can return
 * complex values and needs an epsilon fudge on singular covariances. Instead this uses
 * Tr((C1 C2)^(1/2)) = Tr((S C2 S)^(1/2)) with S = C1^(1/2): C1 C2 = S (S C2 S) S^-1 is
 * similar to S C2 S, which is symmetric PSD, so its eigenvalues are real and non-negative
 * and Jacobi computes them to working precision in float64, singular or not.
 */
export function frechetDistance(a: GaussianStatistics, b: GaussianStatistics): number {
  const d = a.mean.length;
  if (b.mean.length !== d) throw new Error(`frechetDistance: the means have different dimensions (${d} and ${b.mean.length})`);
  if (a.cov.length !== d * d) throw new Error(`frechetDistance: the first covariance has ${a.cov.length} entries, expected ${d}x${d} = ${d * d}`);
  if (b.cov.length !== d * d) throw new Error(`frechetDistance: the second covariance has ${b.cov.length} entries, expected ${d}x${d} = ${d * d}`);

  let meanTerm = 0;
  for (let i = 0; i < d; i++) {
    const diff = a.mean[i]! - b.mean[i]!;
    meanTerm += diff * diff;
  }
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a.cov[i * d + i]! + b.cov[i * d + i]!;

  const sqrtA = sqrtSymmetricPsd(a.cov, d);
  const middle = multiplySquare(multiplySquare(sqrtA, b.cov, d), sqrtA, d);
  const { values } = symmetricEigen(symmetrizeInPlace(middle, d), d);
  let traceSqrt = 0;
  for (const value of values) traceSqrt += Math.sqrt(Math.max(0, value));

  const distance = meanTerm + traces - 2 * traceSqrt;
  if (!Number.isFinite(distance)) throw new Error("frechetDistance: the statistics contain NaN or infinite values");
  // The true value is never negative; rounding leaves about 1e-12 * trace below zero for equal inputs.
  return Math.max(0, distance);
}

function symmetrizeInPlace(matrix: Float64Array, d: number): Float64Array {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const value = (matrix[i * d + j]! + matrix[j * d + i]!) / 2;
      matrix[i * d + j] = value;
      matrix[j * d + i] = value;
    }
  }
  return matrix;
}
