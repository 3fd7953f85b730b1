/**
 * The metrics of `eval every` (evaluation during training), for core's training loop: the
 * same measures as `gan eval` on the same kind of samples, computed on what the metric needs
 * only (the MNIST floor, a property of the data, and the other feature figures are left to
 * `gan eval`).
 */
import type { TrainingEvaluator } from "@gan/core/runtime";
import { EVAL_METRICS, evaluationKindOf, type EvalMetric, type Plan } from "@gan/plan";
import { classifierFrechetDistance, classifierScore, mnistReferenceStatistics } from "@gan/metrics";
import { IMAGE_SAMPLES, MIXTURE_SAMPLES, mixtureEvaluation } from "./evaluate-run.js";
import { clipPixels, toNativeRange } from "./feature-evaluation.js";

/** The evaluator of a plan with `eval every`; undefined without one (or for data without metrics, which the plan's validation refuses). */
export function trainingEvaluator(plan: Plan): TrainingEvaluator | undefined {
  const settings = plan.train.eval;
  const kind = evaluationKindOf(plan.data);
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
