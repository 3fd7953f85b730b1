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

/**
 * Radii already computed, by set and k: a reference set measured again (every `eval every`
 * of a run compares with the same real features) costs one n x n pass once, not each time.
 */
const radiiCache = new WeakMap<FeatureMatrix, Map<number, Float64Array>>();

/** Squared distance of every vector to its k-th nearest neighbour in its own set. */
export async function nearestNeighbourRadii(set: FeatureMatrix, k: number): Promise<Float64Array> {
  return (await radiiForEach(set, [k])).get(k)!;
}

/** The radii for several k in one pass over the n x n distances (cached per set and k). */
async function radiiForEach(set: FeatureMatrix, ks: readonly number[]): Promise<Map<number, Float64Array>> {
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
    if (set.n <= k) throw new Error(`a k-nearest-neighbour radius with k = ${k} needs more than ${k} vectors, got ${set.n}`);
  }
  const cached = radiiCache.get(set) ?? new Map<number, Float64Array>();
  radiiCache.set(set, cached);
  const missing = [...new Set(ks)].filter((k) => !cached.has(k));
  if (missing.length > 0) {
    const largest = Math.max(...missing);
    const radii = missing.map(() => new Float64Array(set.n));
    const smallest = new Float64Array(largest + 1);
    await forEachSquaredDistanceBlock(set, set, (first, rows, block) => {
      for (let r = 0; r < rows; r++) {
        const row = first + r;
        smallest.fill(Infinity);
        for (let j = 0; j < set.n; j++) {
          // The distance to itself is exactly 0; the float32 products may leave a trace.
          const value = j === row ? 0 : block[r * set.n + j]!;
          if (value >= smallest[largest]!) continue;
          let at = largest;
          while (at > 0 && smallest[at - 1]! > value) {
            smallest[at] = smallest[at - 1]!;
            at--;
          }
          smallest[at] = value;
        }
        missing.forEach((k, i) => (radii[i]![row] = smallest[k]!));
      }
    });
    missing.forEach((k, i) => cached.set(k, radii[i]!));
  }
  return cached;
}

export interface NeighbourMetrics extends Partial<PrecisionRecall & DensityCoverage> {
  precisionRecallK?: number;
  densityCoverageK?: number;
}

/**
 * Precision and recall (when `precisionRecallK` is given) and density and coverage (when
 * `densityCoverageK` is), from one pass over the real x generated distances.
 */
export async function neighbourMetrics(real: FeatureMatrix, generated: FeatureMatrix, ks: { precisionRecallK?: number; densityCoverageK?: number }): Promise<NeighbourMetrics> {
  const { precisionRecallK: kPr, densityCoverageK: kDc } = ks;
  const realRadii = await radiiForEach(real, [kPr, kDc].filter((k): k is number => k !== undefined));
  const realPr = kPr === undefined ? undefined : realRadii.get(kPr)!;
  const realDc = kDc === undefined ? undefined : realRadii.get(kDc)!;
  const generatedPr = kPr === undefined ? undefined : await nearestNeighbourRadii(generated, kPr);
  const generatedInReal = new Uint8Array(generated.n);
  const realInGenerated = new Uint8Array(real.n);
  let ballsContaining = 0;
  let covered = 0;
  await forEachSquaredDistanceBlock(real, generated, (first, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const i = first + r;
      const row = block.subarray(r * generated.n, (r + 1) * generated.n);
      if (realPr !== undefined && generatedPr !== undefined) {
        const radius = realPr[i]!;
        for (let j = 0; j < generated.n; j++) {
          const distance = row[j]!;
          if (distance <= radius) generatedInReal[j] = 1;
          if (distance <= generatedPr[j]!) realInGenerated[i] = 1;
        }
      }
      if (realDc !== undefined) {
        const radius = realDc[i]!;
        let nearest = Infinity;
        for (let j = 0; j < generated.n; j++) {
          const distance = row[j]!;
          if (distance < radius) ballsContaining++;
          if (distance < nearest) nearest = distance;
        }
        if (nearest < radius) covered++;
      }
    }
  });
  return {
    ...(kPr !== undefined ? { precision: fraction(generatedInReal), recall: fraction(realInGenerated), precisionRecallK: kPr } : {}),
    ...(kDc !== undefined ? { density: ballsContaining / (kDc * generated.n), coverage: covered / real.n, densityCoverageK: kDc } : {}),
  };
}

export async function precisionRecall(real: FeatureMatrix, generated: FeatureMatrix, k: number = PRECISION_RECALL_K): Promise<PrecisionRecall> {
  const { precision, recall } = await neighbourMetrics(real, generated, { precisionRecallK: k });
  return { precision: precision!, recall: recall!, k };
}

export async function densityCoverage(real: FeatureMatrix, generated: FeatureMatrix, k: number = DENSITY_COVERAGE_K): Promise<DensityCoverage> {
  const { density, coverage } = await neighbourMetrics(real, generated, { densityCoverageK: k });
  return { density: density!, coverage: coverage!, k };
}

function fraction(flags: Uint8Array): number {
  let count = 0;
  for (const flag of flags) count += flag;
  return count / flags.length;
}
