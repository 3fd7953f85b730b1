/**
 * What travels through the queue: a run's job (everything a worker needs: the plan itself,
 * so a worker never reads the spec), its progress and its result.
 */
import type { Plan } from "@gan/plan";
import type { RunSpec } from "../ablation/expand.js";
import type { ExecutedRun } from "../ablation/run-children.js";

export const JOB_NAME = "run";

export interface RunJobData {
  runId: string;
  variant: string;
  label: string;
  seed: number;
  planHash: string;
  plan: Plan;
  /** Where the submitter resolved the spec's tricks; used by a worker on which that directory exists. */
  tricksFrom: string;
}

export interface RunJobProgress {
  step: number;
  steps: number;
}

export interface RunJobResult {
  runId: string;
  variant: string;
  label: string;
  seed: number;
  metrics: Record<string, number | null>;
  /** The run directory, relative to the worker's artifacts directory. */
  runDir: string;
  /** The worker's artifacts directory, as that worker named it. */
  artifacts: string;
  /** `host:pid` of the worker that finished the run. */
  worker: string;
  /** Seconds this worker spent on it (training from the resume point, and evaluation). */
  seconds: number;
  /** The checkpoint step training continued from, when an earlier attempt had got that far. */
  resumedFrom?: number;
  /** True when the run had already been trained and evaluated in the artifacts directory. */
  reused?: boolean;
}

export function jobData(run: RunSpec, tricksFrom: string): RunJobData {
  return { runId: run.runId, variant: run.variant, label: run.label, seed: run.seed, planHash: run.planHash, plan: run.plan, tricksFrom };
}

/** A job's result as a row of the ablation/sweep table. */
export function executedFromResult(result: RunJobResult): ExecutedRun {
  return {
    runId: result.runId,
    variant: result.variant,
    label: result.label,
    seed: result.seed,
    metrics: result.metrics,
    runDir: result.runDir,
    seconds: result.seconds,
    ...(result.reused ? { reused: true } : {}),
  };
}
