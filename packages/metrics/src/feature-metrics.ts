import { EVAL_METRICS } from "@gan/plan";
import { type FeatureMatrix } from "./feature-matrix.js";
import { featureStatistics, frechetDistance } from "./frechet.js";
import { kernelInceptionDistance, type KidOptions, type KidResult } from "./kid.js";
import { DENSITY_COVERAGE_K, neighbourMetrics, PRECISION_RECALL_K } from "./prdc.js";

/**
 * The metrics that compare two feature sets, by the names specs and tables use. Which
 * features they were computed on is part of every figure (see FeatureExtractor).
 */
export const FEATURE_METRICS = EVAL_METRICS.features;
export type FeatureMetricName = (typeof FEATURE_METRICS)[number];

export interface FeatureMetrics {
  /** Fréchet distance between Gaussians fitted to the two sets ("FID" on Inception-v3 pool features). */
  fd?: number;
  kid?: KidResult;
  /** Kynkäänniemi et al. 2019, k = precisionRecallK. */
  precision?: number;
  recall?: number;
  precisionRecallK?: number;
  /** Naeem et al. 2020, k = densityCoverageK. */
  density?: number;
  coverage?: number;
  densityCoverageK?: number;
  /** Vectors compared: real (reference) and generated. */
  realCount: number;
  generatedCount: number;
  dimension: number;
}

export interface FeatureMetricsOptions {
  /** Which metrics to compute (default all). */
  metrics?: readonly FeatureMetricName[];
  kid?: KidOptions;
  precisionRecallK?: number;
  densityCoverageK?: number;
}

/** The chosen metrics of generated features against real ones. */
export async function featureMetrics(real: FeatureMatrix, generated: FeatureMatrix, options: FeatureMetricsOptions = {}): Promise<FeatureMetrics> {
  if (real.d !== generated.d) throw new Error(`featureMetrics: the real features have ${real.d} dimensions, the generated ${generated.d}`);
  const wanted = new Set(options.metrics ?? FEATURE_METRICS);
  const result: FeatureMetrics = { realCount: real.n, generatedCount: generated.n, dimension: real.d };
  if (wanted.has("fd")) {
    result.fd = frechetDistance(featureStatistics(real.values, real.n, real.d), featureStatistics(generated.values, generated.n, generated.d));
  }
  if (wanted.has("kid")) result.kid = await kernelInceptionDistance(real, generated, options.kid);
  const precisionRecallWanted = wanted.has("precision") || wanted.has("recall");
  const densityCoverageWanted = wanted.has("density") || wanted.has("coverage");
  if (precisionRecallWanted || densityCoverageWanted) {
    // One pass over the real x generated distances serves all four.
    Object.assign(
      result,
      await neighbourMetrics(real, generated, {
        ...(precisionRecallWanted ? { precisionRecallK: options.precisionRecallK ?? PRECISION_RECALL_K } : {}),
        ...(densityCoverageWanted ? { densityCoverageK: options.densityCoverageK ?? DENSITY_COVERAGE_K } : {}),
      }),
    );
  }
  return result;
}
