/**
 * The metrics of `eval every` (evaluation during training), for core's training loop: the
 * same measures as `gan eval` on the same kind of samples, computed on what the metric needs
 * only (the MNIST floor, a property of the data, and the other feature figures are left to
 * `gan eval`). Feature metrics (`fd@emoji-classifier`, ...) are computed on the network the eval
 * block names.
 */
import { UserError } from "@gan/core";
import type { TrainingEvaluator } from "@gan/core/runtime";
import { EVAL_METRICS, evaluationKindOf, type EvalFeatures, type EvalMetric, type Plan } from "@gan/plan";
import { checkFeatureNetwork, classifierFrechetDistance, classifierScore, mnistReferenceStatistics, type FeatureMetricName } from "@gan/metrics";
import { IMAGE_SAMPLES, MIN_FEATURE_SAMPLES, MIXTURE_SAMPLES, mixtureEvaluation } from "./evaluate-run.js";
import { clipPixels, compareFeatures, featureExtractor, referenceSet, toNativeRange } from "./feature-evaluation.js";

/** The evaluator of a plan with `eval every`; undefined without one (or for data without metrics, which the plan's validation refuses). */
export function trainingEvaluator(plan: Plan): TrainingEvaluator | undefined {
  const settings = plan.train.eval;
  const kind = evaluationKindOf(plan.data, settings);
  if (settings === undefined || kind === undefined) return undefined;
  if (kind === "mixture") {
    return {
      samples: settings.samples ?? MIXTURE_SAMPLES,
      metrics: EVAL_METRICS.mixture,
      async measure(values) {
        const evaluation = mixtureEvaluation(plan, values);
        return { modes: evaluation.modes, high_quality: evaluation.highQuality * 100, reverse_kl: evaluation.reverseKL };
      },
    };
  }
  if (kind === "features") return featuresEvaluator(plan, settings.features!, settings.samples ?? IMAGE_SAMPLES);
  return {
    samples: settings.samples ?? IMAGE_SAMPLES,
    metrics: EVAL_METRICS.mnist,
    async measure(values, _count, metrics) {
      // As gan eval shows the classifier the samples: in [0, 1], clipped.
      const pixels = toNativeRange(plan, values);
      clipPixels(pixels);
      const result: Partial<Record<EvalMetric, number | null>> = {};
      if (metrics.includes("fid")) result.fid = await classifierFrechetDistance(pixels, await mnistReferenceStatistics("test"));
      if (metrics.includes("classifier_score")) result.classifier_score = await classifierScore(pixels);
      return result;
    },
  };
}

/**
 * Images on the feature network of the eval block, against as many examples of the run's own
 * data as samples (drawn once, with gan eval's seed 0). The network is checked here, before
 * the run starts (a plan.json or a resumed run may name one that is gone since it was
 * compiled), and loaded at the first evaluation, on the backend the run trains on.
 */
function featuresEvaluator(plan: Plan, features: EvalFeatures, samples: number): TrainingEvaluator {
  if (samples < MIN_FEATURE_SAMPLES) throw new UserError(`eval every: feature metrics need at least ${MIN_FEATURE_SAMPLES} samples, got samples: ${samples}`);
  const checked = checkFeatureNetwork(features);
  if (!checked.ok) throw new UserError(`eval every: features: ${checked.message}`);
  let prepared: Promise<[Awaited<ReturnType<typeof featureExtractor>>, Awaited<ReturnType<typeof referenceSet>>]> | undefined;
  return {
    samples,
    metrics: EVAL_METRICS.features,
    async measure(values, count, metrics) {
      prepared ??= Promise.all([featureExtractor("model", features), referenceSet(plan, "model", count, 0)]);
      const [extractor, reference] = await prepared;
      const generated = toNativeRange(plan, values);
      clipPixels(generated);
      const measured = await compareFeatures(extractor, reference, generated, count, plan.data.shape, metrics as readonly FeatureMetricName[]);
      const result: Partial<Record<EvalMetric, number | null>> = {};
      for (const metric of metrics) {
        const value = metric === "kid" ? measured.kid?.mean : measured[metric as Exclude<FeatureMetricName, "kid">];
        result[metric] = value ?? null;
      }
      return result;
    },
  };
}
