/**
 * `gan compare`: several runs' metrics side by side, as `gan ablate` tables its variants, and
 * their curves on shared charts. Any run directories: those of one ablation, of a sweep, or
 * runs trained by hand.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "@gan/core";
import { RUN_FILES } from "@gan/core/runtime";
import { summarise, type ExperimentSummary, type RunResult } from "../experiment/summarise.js";
import { metricValues } from "../eval/evaluate-run.js";
import { readRunData, type RunData } from "../report/run-data.js";

export interface ComparedRun {
  /** The run's row and series name: its spec's name, with its directory's name when names repeat. */
  label: string;
  data: RunData;
}

/** The loop's final values shown beside eval.json's metrics (every run has these, measured or not). */
const FINAL_VALUES = ["d_loss", "g_loss"] as const;

const isRunDir = (dir: string): boolean => existsSync(path.join(dir, RUN_FILES.plan));

/** runs/<name>/<time>/: a directory of runs holds them at most this deep. */
const MAX_RUN_DEPTH = 2;

/** The run directories under `dir`, in name order, not looking inside a run. */
function runDirsUnder(dir: string, depth: number): string[] {
  if (isRunDir(dir)) return [dir];
  if (depth === 0) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) => runDirsUnder(path.join(dir, name), depth - 1));
}

/**
 * The run directories named: each argument is a run directory, or a directory holding run
 * directories (runs/ring8/ with one per start time, or runs/ with one per spec name).
 */
export function expandRunDirs(args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    if (!existsSync(arg) || !statSync(arg).isDirectory()) throw new UserError(`${arg}: no such run directory`);
    const dirs = runDirsUnder(arg, MAX_RUN_DEPTH);
    if (dirs.length === 0) throw new UserError(`${arg} is not a run directory (it has no ${RUN_FILES.plan}) and holds none`);
    return dirs;
  });
}

export function readComparedRuns(runDirs: readonly string[]): ComparedRun[] {
  const data = runDirs.map((dir) => readRunData(dir));
  const names = data.map((d) => d.plan.name);
  const labels = data.map((d, i) => (names.indexOf(d.plan.name) === names.lastIndexOf(d.plan.name) ? d.plan.name : `${d.plan.name} (${path.basename(path.resolve(runDirs[i]!))})`));
  // Still the same (the same directory name under two parents): the path as given.
  return data.map((d, i) => ({ label: labels.indexOf(labels[i]!) === labels.lastIndexOf(labels[i]!) ? labels[i]! : runDirs[i]!, data: d }));
}

/** The named values of one run: eval.json's metrics, the steps trained, the last logged losses. */
export function runValues(run: ComparedRun): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  if (run.data.eval) for (const [name, value] of metricValues(run.data.eval.metrics)) values[name] = value;
  const last = run.data.metrics.at(-1);
  values.steps = run.data.info?.stepsCompleted ?? last?.step ?? null;
  for (const name of FINAL_VALUES) if (last && name in last) values[`final_${name}`] = Number.isFinite(last[name]!) ? last[name]! : null;
  return values;
}

/** One row per run, through the ablation's summary (one value a cell, so no standard error). */
export function compareSummary(runs: readonly ComparedRun[]): ExperimentSummary {
  const results: RunResult[] = runs.map((run) => ({ runId: run.data.runDir, variant: run.label, label: run.label, seed: run.data.plan.train.seed, metrics: runValues(run) }));
  return summarise(results);
}
