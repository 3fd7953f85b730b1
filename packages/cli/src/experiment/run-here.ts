/**
 * Running an experiment's runs here: each run is trained and evaluated as a gan worker does
 * it (queue/run-job.ts: `gan train` then `gan eval` in child processes, the same files under
 * the experiment's directory, a finished run reused and an interrupted one resumed from its
 * last checkpoint), at most `jobs` at a time. Child processes, because a crash or an
 * out-of-memory in one run cannot take the others down, and each gets its own TensorFlow.js.
 */
import os from "node:os";
import { runPaths } from "../queue/accept-job.js";
import { executedFromResult, jobData } from "../queue/job.js";
import { ChildControl, RunFailure, executeQueuedRun } from "../queue/run-job.js";
import type { RunSpec } from "./expand.js";
import type { ExecutedRun } from "./summarise.js";

/** Runs `worker` over `items`, at most `jobs` at once; results in the order of `items`. */
export async function runPool<T, R>(items: readonly T[], jobs: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface RunHereOptions {
  /** The experiment's directory: plans/, runs/ and logs/ go in it. */
  outDir: string;
  /** Where the runs' trick packages are resolved from (the spec's directory). */
  tricksFrom: string;
  /** `gan` as argv (default: this CLI, ended with this process, see workerChildInvocation). */
  gan?: string[];
  /** More arguments for a fresh `gan train` of every run. */
  trainArgs?: readonly string[];
}

/** Trains and evaluates one run in child processes; a failure is the run's row, with its error. */
export async function runHere(run: RunSpec, options: RunHereOptions): Promise<ExecutedRun> {
  const started = performance.now();
  try {
    const result = await executeQueuedRun(jobData(run, options.tricksFrom), {
      artifacts: options.outDir,
      paths: runPaths(options.outDir, run.runId),
      tricksFrom: options.tricksFrom,
      control: new ChildControl(),
      worker: `${os.hostname()}:${process.pid}`,
      ...(options.gan ? { gan: options.gan } : {}),
      ...(options.trainArgs ? { trainArgs: options.trainArgs } : {}),
    });
    return executedFromResult(result);
  } catch (error) {
    if (!(error instanceof RunFailure)) throw error;
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    return { runId: run.runId, variant: run.variant, label: run.label, seed: run.seed, error: error.message, seconds, ...(error.runDir !== undefined ? { runDir: error.runDir } : {}) };
  }
}
