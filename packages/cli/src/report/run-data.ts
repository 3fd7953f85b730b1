/**
 * What report.html shows, read from a run directory: the plan, run.json, the lines of
 * metrics.jsonl, the sample pictures and eval.json. A run that is still going, stopped or
 * failed has some of these missing; the report shows what there is.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { REAL_SAMPLES_FILE, RUN_FILES, UserError, readRunPlan, type RunInfo } from "@gan/core";
import type { Plan } from "@gan/plan";
import { readEvalReport, type EvalReport } from "../eval/evaluate-run.js";

export interface SamplePicture {
  step: number;
  /** Relative to the run directory. */
  file: string;
  png: Buffer;
}

export interface RunData {
  runDir: string;
  plan: Plan;
  info?: RunInfo;
  /** The lines of metrics.jsonl that parse, in file order. */
  metrics: Record<string, number>[];
  /** Lines that did not parse (a run killed mid-write leaves half a line). */
  skippedMetricLines: number;
  samples: SamplePicture[];
  /** samples/real.png: real data pictured as the samples are, when the run wrote it. */
  real?: Buffer;
  eval?: EvalReport;
}

/** Pictures embedded at most: evenly spread over the run, the first and the last always among them. */
export const MAX_EMBEDDED_SAMPLES = 40;

export function pickEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (items.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}

function readMetrics(file: string): { lines: Record<string, number>[]; skipped: number } {
  if (!existsSync(file)) return { lines: [], skipped: 0 };
  const lines: Record<string, number>[] = [];
  let skipped = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed.step !== "number") {
        skipped++;
        continue;
      }
      // JSON has no NaN: a NaN loss is written as null, and a chart shows it as a gap.
      lines.push(Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, typeof value === "number" ? value : Number.NaN])));
    } catch {
      skipped++;
    }
  }
  return { lines, skipped };
}

function readSamples(dir: string, runDir: string): SamplePicture[] {
  if (!existsSync(dir)) return [];
  const found = readdirSync(dir)
    .map((name) => ({ name, match: /^step-(\d+)\.png$/.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ step: Number(match[1]), name }))
    .sort((a, b) => a.step - b.step);
  return pickEvenly(found, MAX_EMBEDDED_SAMPLES).map(({ step, name }) => ({
    step,
    file: path.relative(runDir, path.join(dir, name)),
    png: readFileSync(path.join(dir, name)),
  }));
}

export function readRunData(runDir: string): RunData {
  const plan = readRunPlan(runDir);
  let info: RunInfo | undefined;
  const infoFile = path.join(runDir, RUN_FILES.run);
  if (existsSync(infoFile)) {
    try {
      info = JSON.parse(readFileSync(infoFile, "utf8")) as RunInfo;
    } catch (error) {
      throw new UserError(`${infoFile}: not valid JSON (${(error as Error).message})`);
    }
  }
  const { lines, skipped } = readMetrics(path.join(runDir, RUN_FILES.metrics));
  const evaluation = readEvalReport(runDir);
  const realFile = path.join(runDir, RUN_FILES.samples, REAL_SAMPLES_FILE);
  const real = existsSync(realFile) ? readFileSync(realFile) : undefined;
  return {
    runDir,
    plan,
    ...(info ? { info } : {}),
    metrics: lines,
    skippedMetricLines: skipped,
    samples: readSamples(path.join(runDir, RUN_FILES.samples), runDir),
    ...(real ? { real } : {}),
    ...(evaluation ? { eval: evaluation } : {}),
  };
}
