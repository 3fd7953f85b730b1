/**
 * Evaluation during training (`eval every N` in the train block): at those steps the sampling
 * generator (@gan/ema's average when the spec uses it) draws the samples `gan eval` would draw,
 * the CLI's metrics measure them, and the values go to metrics.jsonl as one line
 * `{ step, eval_<metric>: value, ..., eval_seconds }`. From that history (which a resume reads
 * back from metrics.jsonl, cut at its checkpoint) come `keep best METRIC` (checkpoints/best
 * holds the checkpoint of the best eval) and `stop when METRIC stalls for N evals`.
 *
 * The samples come from their own random stream (seed 0, as gan eval's), never the training's:
 * a run trains to the same losses with or without evaluations.
 */
import { EVAL_METRIC_BETTER, evalMetricKey, type EvalMetric, type Plan, type TrainEval } from "@gan/plan";
import { existsSync } from "node:fs";
import type { Trainer } from "../loop/trainer.js";
import { readInputLinesSync } from "../input-file.js";
import { drawRejectionSamples, generateSamples } from "./sample-run.js";

/** Measures a generator's samples: the metrics live in the CLI (@gan/cli's eval), core draws the samples. */
export interface TrainingEvaluator {
  /** Samples drawn per evaluation. */
  samples: number;
  /** The values of `metrics` on `values` (`count` samples, sample after sample, in the plan's data range); null where undefined. */
  measure(values: Float32Array, count: number, metrics: readonly EvalMetric[]): Promise<Partial<Record<EvalMetric, number | null>>>;
  /** Every metric the data has, for an `eval every` without `metrics`. */
  metrics: readonly EvalMetric[];
}

/** metrics.jsonl keys: `eval_` and the metric's key (`eval_modes`, `eval_fd@mnist-classifier`, `eval_fd@emoji-classifier`, ...), and the seconds the evaluation took. */
export const EVAL_KEY_PREFIX = "eval_";
export const EVAL_SECONDS_KEY = "eval_seconds";
export const evalKey = (metric: EvalMetric, evaluation: TrainEval | undefined): string => `${EVAL_KEY_PREFIX}${evalMetricKey(metric, evaluation)}`;
/** checkpoints/best (defined beside the other checkpoint names). */
export { BEST_CHECKPOINT } from "./checkpoint.js";

export interface EvalRecord {
  step: number;
  values: Partial<Record<EvalMetric, number | null>>;
  seconds: number;
}

export interface EvalOutcome {
  record: EvalRecord;
  /** The line for metrics.jsonl. */
  line: Record<string, number | null>;
  /** `modes 8, reverse_kl 0.21`: for the progress line and log.txt. */
  summary: string;
  /** This eval is the best so far of `keep best`'s metric: write checkpoints/best. */
  newBest: boolean;
  /** Why the run stops here (`stop when ... stalls`), if it does. */
  stop?: string;
}

function better(metric: EvalMetric, a: number, b: number): boolean {
  return EVAL_METRIC_BETTER[metric] === "higher" ? a > b : a < b;
}

/** Index of the best record of `metric` (the first of equals), or -1 when none has a value. */
export function bestIndex(history: readonly EvalRecord[], metric: EvalMetric): number {
  let best = -1;
  history.forEach((record, i) => {
    const value = record.values[metric];
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    const current = best < 0 ? undefined : (history[best]!.values[metric] as number);
    if (current === undefined || better(metric, value, current)) best = i;
  });
  return best;
}

/** 4 significant digits: how an eval value is shown on the progress line. */
const shown = (value: number | null | undefined): string => (typeof value === "number" ? String(Number(value.toPrecision(4))) : "undefined");

/** The eval lines of a metrics.jsonl (what a resumed run has measured up to its checkpoint). */
export function readEvalHistory(metricsFile: string, metrics: readonly EvalMetric[], evaluation: TrainEval): EvalRecord[] {
  if (!existsSync(metricsFile)) return [];
  const history: EvalRecord[] = [];
  for (const line of readInputLinesSync(metricsFile, { maxLineBytes: 1024 * 1024, what: "metrics file" })) {
    if (line.tooLong || !line.text.includes(EVAL_SECONDS_KEY)) continue;
    try {
      const parsed = JSON.parse(line.text) as Record<string, number | null>;
      if (typeof parsed.step !== "number" || typeof parsed[EVAL_SECONDS_KEY] !== "number") continue;
      const values = Object.fromEntries(metrics.filter((m) => evalKey(m, evaluation) in parsed).map((m) => [m, parsed[evalKey(m, evaluation)] ?? null]));
      history.push({ step: parsed.step, values, seconds: parsed[EVAL_SECONDS_KEY]! });
    } catch {
      // A line cut short by a crash: the resume drops it anyway.
    }
  }
  return history;
}

export class TrainingEvaluation {
  readonly settings: TrainEval;
  readonly metrics: readonly EvalMetric[];
  private readonly history: EvalRecord[];

  constructor(
    private readonly plan: Plan,
    private readonly evaluator: TrainingEvaluator,
    metricsFile: string,
  ) {
    this.settings = plan.train.eval!;
    this.metrics = this.settings.metrics ?? evaluator.metrics;
    this.history = readEvalHistory(metricsFile, this.metrics, this.settings);
  }

  due(step: number): boolean {
    return step % this.settings.every === 0 && !this.history.some((record) => record.step === step);
  }

  /** Seconds spent evaluating over the whole run (a resume's history included). */
  get seconds(): number {
    return this.history.reduce((sum, record) => sum + record.seconds, 0);
  }

  async evaluate(trainer: Trainer): Promise<EvalOutcome> {
    const started = performance.now();
    const count = this.evaluator.samples;
    // With @gan/drs in the spec, the samples DRS keeps: what `gan eval` of this run measures too.
    const rejection = trainer.bus.rejectionSampling();
    const { values } =
      rejection !== undefined
        ? await drawRejectionSamples(trainer.samplingGenerator(), trainer.discriminator, this.plan, count, 0, rejection)
        : generateSamples(trainer.samplingGenerator(), this.plan, count, 0);
    const measured = await this.evaluator.measure(values, count, this.metrics);
    const seconds = Math.round(performance.now() - started) / 1000;
    const record: EvalRecord = { step: trainer.step, values: measured, seconds };
    this.history.push(record);
    const line: Record<string, number | null> = { step: record.step };
    for (const metric of this.metrics) line[evalKey(metric, this.settings)] = measured[metric] ?? null;
    line[EVAL_SECONDS_KEY] = seconds;
    const { keepBest, stopWhenStalls } = this.plan.train;
    const last = this.history.length - 1;
    const outcome: EvalOutcome = {
      record,
      line,
      summary: this.metrics.map((metric) => `${metric} ${shown(measured[metric])}`).join(", "),
      newBest: keepBest !== undefined && bestIndex(this.history, keepBest) === last,
    };
    if (stopWhenStalls !== undefined) {
      const best = bestIndex(this.history, stopWhenStalls.metric);
      const stalled = last - best;
      if (stalled >= stopWhenStalls.evals) {
        const since = best < 0 ? "no eval has a value" : `no eval better than ${shown(this.history[best]!.values[stopWhenStalls.metric])} (step ${this.history[best]!.step})`;
        outcome.stop =
          `${stopWhenStalls.metric} stalled: ${since} in the last ${stopWhenStalls.evals} evals ` +
          `(steps ${this.history[last - stopWhenStalls.evals + 1]!.step}-${record.step}; stop when ${stopWhenStalls.metric} stalls for ${stopWhenStalls.evals} evals)`;
      }
    }
    return outcome;
  }
}
