import { type FeatureMatrix, forEachSquaredDistanceBlock } from "./feature-matrix.js";

/**
 * Precision and recall of Kynkäänniemi et al. 2019 ("Improved Precision and Recall Metric
 * for Assessing Generative Models") and density and coverage of Naeem et al. 2020
 * ("Reliable Fidelity and Diversity Metrics for Generative Models"), on k-nearest-neighbour
 * balls around feature vectors. Each follows its authors' released code, ties included:
 *
 * - radius of a vector: the distance to its k-th nearest neighbour in its own set, itself
 *   not counted (both codes take the (k+1)-th smallest distance of a row that includes the
 *   zero to itself);
 * - precision: the fraction of generated vectors inside at least one real ball,
 *   `distance <= radius` (kynkaat/improved-precision-and-recall-metric, `ManifoldEstimator.evaluate`);
 * - recall: the fraction of real vectors inside at least one generated ball, `<=` likewise;
 * - density: the number of real balls that contain a generated vector, `distance < radius`,
 *   averaged over generated vectors and divided by k (clovaai/generative-evaluation-prdc);
 * - coverage: the fraction of real balls whose nearest generated vector lies inside,
 *   `distance < radius`.
 */
export const PRECISION_RECALL_K = 3;
export const DENSITY_COVERAGE_K = 5;

export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
}

export interface DensityCoverage {
  density: number;
  coverage: number;
  k: number;
}

/** Squared distance of every vector to its k-th nearest neighbour in its own set. */
export async function nearestNeighbourRadii(set: FeatureMatrix, k: number): Promise<Float64Array> {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (set.n <= k) throw new Error(`a k-nearest-neighbour radius with k = ${k} needs more than ${k} vectors, got ${set.n}`);
  const radii = new Float64Array(set.n);
  const smallest = new Float64Array(k + 1);
  await forEachSquaredDistanceBlock(set, set, (first, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const row = first + r;
      smallest.fill(Infinity);
      for (let j = 0; j < set.n; j++) {
        // The distance to itself is exactly 0; the float32 products may leave a trace.
        const value = j === row ? 0 : block[r * set.n + j]!;
        if (value >= smallest[k]!) continue;
        let at = k;
        while (at > 0 && smallest[at - 1]! > value) {
          smallest[at] = smallest[at - 1]!;
          at--;
        }
        smallest[at] = value;
      }
      radii[row] = smallest[k]!;
    }
  });
  return radii;
}

export async function precisionRecall(real: FeatureMatrix, generated: FeatureMatrix, k: number = PRECISION_RECALL_K): Promise<PrecisionRecall> {
  const realRadii = await nearestNeighbourRadii(real, k);
  const generatedRadii = await nearestNeighbourRadii(generated, k);
  const generatedInReal = new Uint8Array(generated.n);
  const realInGenerated = new Uint8Array(real.n);
  await forEachSquaredDistanceBlock(real, generated, (first, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const i = first + r;
      const radius = realRadii[i]!;
      for (let j = 0; j < generated.n; j++) {
        const distance = block[r * generated.n + j]!;
        if (distance <= radius) generatedInReal[j] = 1;
        if (distance <= generatedRadii[j]!) realInGenerated[i] = 1;
      }
    }
  });
  return { precision: fraction(generatedInReal), recall: fraction(realInGenerated), k };
}

export async function densityCoverage(real: FeatureMatrix, generated: FeatureMatrix, k: number = DENSITY_COVERAGE_K): Promise<DensityCoverage> {
  const realRadii = await nearestNeighbourRadii(real, k);
  let ballsContaining = 0;
  let covered = 0;
  await forEachSquaredDistanceBlock(real, generated, (first, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const radius = realRadii[first + r]!;
      let nearest = Infinity;
      for (let j = 0; j < generated.n; j++) {
        const distance = block[r * generated.n + j]!;
        if (distance < radius) ballsContaining++;
        if (distance < nearest) nearest = distance;
      }
      if (nearest < radius) covered++;
    }
  });
  return { density: ballsContaining / (k * generated.n), coverage: covered / real.n, k };
}

function fraction(flags: Uint8Array): number {
  let count = 0;
  for (const flag of flags) count += flag;
  return count / flags.length;
}
