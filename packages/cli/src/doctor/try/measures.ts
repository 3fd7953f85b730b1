/**
 * What `gan doctor --try` compares for each finding: the finding's own measure, read from a
 * try run (its metrics.jsonl, its evaluation, whether it finished). A trick "helps" mode
 * collapse if it covers more modes, D winning if D's accuracy falls, and so on; the first
 * measure decides, the next ones break a tie.
 */
import { WINNING_DEFAULTS, EXPLOSION_DEFAULTS, mean, median } from "@gan/core/runtime";
import type { EvalReport, EvaluationKind } from "../../eval/evaluate-run.js";
import { metricValues } from "../../eval/evaluate-run.js";
import type { FailureKind, MetricsLine } from "../finding.js";
import { series } from "../finding.js";

/** What a measure reads from one try run. */
export interface TryRunEvidence {
  metrics: readonly MetricsLine[];
  eval?: EvalReport | undefined;
  /** The run trained to its last step (a NaN or a crash stops it). */
  finished: boolean;
}

export interface TryMeasure {
  /** Key in try.json. */
  name: string;
  /** For tables: "modes captured", "D accuracy, last 20 logged steps". */
  title: string;
  better: "higher" | "lower";
  /** Its value on one try run; null when the run does not have it (no evaluation, too few logged steps). */
  read(run: TryRunEvidence): number | null;
}

function fromEval(name: string, title: string, better: TryMeasure["better"]): TryMeasure {
  return {
    name,
    title,
    better,
    read: (run) => (run.eval ? (metricValues(run.eval.metrics).find(([key]) => key === name)?.[1] ?? null) : null),
  };
}

/** The mean of `name` over the last `count` logged steps that have a finite value of it. */
function lastLogged(name: string, count: number, summary: (values: number[]) => number) {
  return (run: TryRunEvidence): number | null => {
    const values = series(run.metrics, name)
      .map((point) => point.value)
      .filter(Number.isFinite)
      .slice(-count);
    return values.length < count ? null : summary(values);
  };
}

const MIXTURE_QUALITY: readonly TryMeasure[] = [
  fromEval("modes", "modes captured", "higher"),
  fromEval("high_quality_pct", "high quality %", "higher"),
  fromEval("reverse_kl", "reverse KL", "lower"),
];
const IMAGE_QUALITY: readonly TryMeasure[] = [
  fromEval("classifier_score", "classifier score", "higher"),
  fromEval("fd@mnist-classifier", "Fréchet distance (MNIST classifier features)", "lower"),
];

const WINDOW = WINNING_DEFAULTS.window;
const D_MEASURES: readonly TryMeasure[] = [
  { name: "d_acc_last", title: `D accuracy, last ${WINDOW} logged steps`, better: "lower", read: lastLogged("d_acc", WINDOW, mean) },
  { name: "d_loss_last", title: `D loss, last ${WINDOW} logged steps`, better: "higher", read: lastLogged("d_loss", WINDOW, mean) },
];
const GRADIENT_MEASURES: readonly TryMeasure[] = [
  {
    name: "g_grad_norm_last",
    title: `G's gradient norm, median of the last ${EXPLOSION_DEFAULTS.window} logged steps`,
    better: "higher",
    read: lastLogged("g_grad_norm", EXPLOSION_DEFAULTS.window, median),
  },
];
const FINISHED: TryMeasure = { name: "finished", title: "finished without a NaN (1 yes, 0 no)", better: "higher", read: (run) => (run.finished ? 1 : 0) };

/**
 * The measures of a finding, best first. Mode collapse and oscillation without progress are
 * judged on the evaluation's quality (`quality`: the data's kind of evaluation, if it has one).
 */
export function measuresFor(kind: FailureKind, quality: EvaluationKind | undefined): readonly TryMeasure[] {
  // Feature evaluations (other images, vectors) have no measure here yet: their figures depend on the features chosen.
  const evaluation = quality === "mixture" ? MIXTURE_QUALITY : quality === "mnist" ? IMAGE_QUALITY : [];
  switch (kind) {
    case "mode-collapse":
    case "oscillation":
      return evaluation;
    case "discriminator-winning":
      return D_MEASURES;
    case "vanishing-gradients":
      return GRADIENT_MEASURES;
    case "numeric-failure":
      return [FINISHED];
  }
}
