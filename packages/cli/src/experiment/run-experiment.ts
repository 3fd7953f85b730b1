/**
 * Running an experiment's runs, here or on the queue, collecting their rows and reporting
 * them: what `gan ablate` and `gan sweep` share after expanding their points (expand.ts). One
 * progress bar over every run's steps, a line per run as it finishes, the record rewritten
 * after every run (so an interrupted experiment leaves what it measured), and at the end the
 * table, the failed runs and the files written. The commands differ only in their points and
 * in the files their record goes to.
 */
import os from "node:os";
import { UserError } from "@gan/core";
import { displayPath } from "../display-path.js";
import { output } from "../io.js";
import type { SweepDefinition } from "../queue/definition.js";
import { runOnQueue } from "../queue/run-on-queue.js";
import type { RunSpec } from "./expand.js";
import { SweepProgress } from "./progress.js";
import { experimentMarkdown, orderedResults } from "./results.js";
import { runHere, runPool } from "./run-here.js";
import { runLine, type ExecutedRun } from "./summarise.js";

/** Where the runs train: child processes here, `jobs` at a time, or the queue's gan workers. */
export type Executor = { kind: "here"; jobs: number; outDir: string } | { kind: "queue"; url: string; artifactsHint?: string };

export interface ExperimentRun {
  definition: SweepDefinition;
  /** In the definition's order. */
  runs: readonly RunSpec[];
  /** Where the spec's tricks resolve (its directory). */
  tricksFrom: string;
  executor: Executor;
  /** Called once per run as it finishes or fails for good, in the order they do. */
  onResult(index: number, result: ExecutedRun): void;
}

/** Each run trains on one core (the wasm backend is single-threaded in Node); keep one for the rest. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/** "2 at a time here" or "on the queue's workers", for the line that announces an experiment. */
export function executorText(executor: Executor, runs: number): string {
  return executor.kind === "queue" ? "on the queue's workers" : `${Math.min(executor.jobs, runs)} at a time here`;
}

/**
 * The lines that open an experiment on stderr: `HEADING: 3 variants x 2 seeds = 6 runs of 400
 * steps, 2 at a time here[, results in DIR]`, then a line per point (its id and label).
 */
export function announceExperiment(
  heading: string,
  experiment: { points: readonly { id: string; label: string }[]; pointName: string; definition: SweepDefinition; executor: Executor; resultsIn?: string },
): void {
  const { points, definition, executor } = experiment;
  const total = definition.runs.length;
  const pointCount = `${points.length} ${experiment.pointName}${points.length === 1 ? "" : "s"}`;
  const where = `${executorText(executor, total)}${experiment.resultsIn !== undefined ? `, results in ${experiment.resultsIn}` : ""}`;
  output.err(`${heading}: ${pointCount} x ${definition.seeds.length} seeds = ${total} runs of ${definition.steps} steps, ${where}\n`);
  const width = Math.max(...points.map((point) => point.id.length)) + 2;
  for (const point of points) output.err(`  ${point.id.padEnd(width)} ${point.label}\n`);
}

/**
 * Resolves with every run's row, in the definition's order, or with `interrupted` when Ctrl-C
 * stopped following a queued experiment (its runs stay queued; the lines printed say how to
 * follow it again).
 */
export async function runExperiment(experiment: ExperimentRun): Promise<{ results: ExecutedRun[]; interrupted: boolean }> {
  const { definition, runs, executor } = experiment;
  const total = runs.length;
  const progress = new SweepProgress({ write: (text) => output.err(text), isTTY: process.stderr.isTTY === true, columns: process.stderr.columns });
  const results: (ExecutedRun | undefined)[] = new Array(total).fill(undefined);
  let done = 0;
  const record = (index: number, result: ExecutedRun) => {
    results[index] = result;
    done++;
    const run = runs[index]!;
    progress.log(`[${done}/${total}] ${run.label}, seed ${run.seed}: ${runLine(result)}`);
    experiment.onResult(index, result);
  };

  if (executor.kind === "queue") {
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once("SIGINT", onSignal);
    try {
      const { interrupted } = await runOnQueue({
        url: executor.url,
        definition,
        runs,
        tricksFrom: experiment.tricksFrom,
        progress,
        ...(executor.artifactsHint !== undefined ? { artifactsHint: executor.artifactsHint } : {}),
        onResult: record,
        signal: controller.signal,
      });
      progress.finish();
      if (interrupted) {
        output.err(
          `stopped following ${definition.kind} ${definition.id}; its runs stay queued for the workers:\n` +
            `  gan sweep status ${definition.id} --queue ${executor.url}\n  gan sweep collect ${definition.id} --queue ${executor.url}\n`,
        );
        return { results: results.filter((r): r is ExecutedRun => r !== undefined), interrupted: true };
      }
    } finally {
      process.off("SIGINT", onSignal);
    }
  } else {
    const update = () => {
      const finished = results.filter((r) => r !== undefined && r.error === undefined).length;
      const failed = results.filter((r) => r?.error !== undefined).length;
      const running = Math.min(executor.jobs, total - finished - failed);
      progress.update({ total, finished, failed, running, stepsDone: (finished + failed) * definition.steps, stepsTotal: total * definition.steps });
    };
    update();
    await runPool(runs, executor.jobs, async (run, index) => {
      record(index, await runHere(run, { outDir: executor.outDir, tricksFrom: experiment.tricksFrom }));
      update();
    });
    progress.finish();
  }
  return { results: results as ExecutedRun[], interrupted: false };
}

/** Writes an experiment's record: the rows so far (in the definition's order), and whether every run has one. */
export type RecordWriter = (results: readonly ExecutedRun[], complete: boolean) => void;

/**
 * Runs the experiment and records it after every run, then complete at the end. Resolves with
 * every run's row, or undefined when Ctrl-C stopped following a queued experiment (its record
 * holds the rows collected so far).
 */
export async function runAndRecord(experiment: Omit<ExperimentRun, "onResult"> & { record: RecordWriter }): Promise<ExecutedRun[] | undefined> {
  const finished: ExecutedRun[] = [];
  const { results, interrupted } = await runExperiment({
    ...experiment,
    onResult: (_index, result) => {
      finished.push(result);
      experiment.record(orderedResults(experiment.definition, finished), false);
    },
  });
  if (interrupted) return undefined;
  experiment.record(results, true);
  return results;
}

/**
 * Prints the experiment's table on stdout, its failed runs and the files written (its record
 * and `markdown`, the page of experimentMarkdown) on stderr; exit 0, or a UserError (exit 1)
 * when a run failed, which names where the runs' logs are when they were trained here.
 */
export function reportExperiment(definition: SweepDefinition, results: readonly ExecutedRun[], files: { markdown: string; record: string; logs?: string }): number {
  output.out(experimentMarkdown(definition, results).table);
  const failed = results.filter((r) => r.error !== undefined);
  for (const run of failed) output.err(`failed: ${run.label}, seed ${run.seed} (${run.runId}): ${run.error}\n`);
  output.err(`wrote ${displayPath(files.markdown)} and ${displayPath(files.record)}\n`);
  if (failed.length > 0) {
    const logs = files.logs !== undefined ? `; their logs are in ${displayPath(files.logs)}` : "";
    throw new UserError(`${failed.length} of ${results.length} runs failed (listed above, and in ${displayPath(files.markdown)})${logs}`);
  }
  return 0;
}
