/**
 * What travels through the queue: a run's job (everything a worker needs: the plan itself,
 * so a worker never reads the spec), its progress and its result.
 */
import type { z } from "@gan/core";
import type { Plan } from "@gan/plan";
import type { RunSpec } from "../experiment/expand.js";
import type { ExecutedRun } from "../experiment/summarise.js";
import type { RunJobResultSchema } from "./accept-job.js";

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

/** What a worker stores as a completed job's result: the fields and their meaning are in accept-job.ts, which reads it back through its schema. */
export type RunJobResult = z.infer<typeof RunJobResultSchema>;

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
