/**
 * What report.html shows, read from a run directory: the plan, run.json, the lines of
 * metrics.jsonl, the sample pictures and eval.json. A run that is still going, stopped or
 * failed has some of these missing; the report shows what there is.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { REAL_SAMPLES_FILE, RUN_FILES, readInputFileSync, readInputLinesSync, readJsonInputSync, readRunPlan, type RunInfo } from "@gan/core/runtime";
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
  /** The lines of metrics.jsonl that parse, in file order (evenly thinned past MAX_METRIC_LINES). */
  metrics: Record<string, number>[];
  /** How many lines of metrics.jsonl parsed, kept or not. */
  metricLinesRead: number;
  /** Lines that did not parse (a run killed mid-write leaves half a line). */
  skippedMetricLines: number;
  samples: SamplePicture[];
  /** samples/real.png: real data pictured as the samples are, when the run wrote it. */
  real?: Buffer;
  eval?: EvalReport;
}

/** A sample grid gan writes is well under a megabyte; a larger file is not one to embed. */
const MAX_SAMPLE_PNG_BYTES = 32 * 1024 * 1024;

/** Pictures embedded at most: evenly spread over the run, the first and the last always among them. */
export const MAX_EMBEDDED_SAMPLES = 40;

export function pickEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (items.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}

/**
 * Lines of metrics.jsonl kept at most. A run logs a line every `log every` steps; a long run
 * with `log every 1` (or a file that is not a run's at all) may have millions, and a chart is
 * ~500 pixels wide.
 */
export const MAX_METRIC_LINES = 20_000;
/** A line of metrics.jsonl is a few hundred bytes; a longer one is not a line a run wrote. */
const MAX_METRIC_LINE_BYTES = 1024 * 1024;

/** The parsed line, or undefined for a line that is not a metrics line. */
function parseMetricLine(line: string): Record<string, number> | undefined {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed === null || typeof parsed !== "object" || typeof parsed.step !== "number") return undefined;
    // JSON has no NaN: a NaN loss is written as null, and a chart shows it as a gap.
    return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, typeof value === "number" ? value : Number.NaN]));
  } catch {
    return undefined;
  }
}

/**
 * The lines of metrics.jsonl, streamed: whatever the file's size, at most MAX_METRIC_LINES are
 * held. At that many, every other kept line is dropped and only every `stride`-th line read is
 * kept from then on (the stride doubling each time), so the lines kept stay evenly spread over
 * the run; the last line is always kept.
 */
function readMetrics(file: string): { lines: Record<string, number>[]; read: number; skipped: number } {
  if (!existsSync(file)) return { lines: [], read: 0, skipped: 0 };
  let lines: Record<string, number>[] = [];
  let stride = 1;
  let read = 0;
  let skipped = 0;
  let last: Record<string, number> | undefined;
  for (const line of readInputLinesSync(file, { maxLineBytes: MAX_METRIC_LINE_BYTES, what: "metrics file" })) {
    if (!line.tooLong && line.text.trim() === "") continue;
    const parsed = line.tooLong ? undefined : parseMetricLine(line.text);
    if (parsed === undefined) {
      skipped++;
      continue;
    }
    if (read % stride === 0) {
      lines.push(parsed);
      last = undefined;
    } else last = parsed;
    read++;
    if (lines.length === MAX_METRIC_LINES) {
      lines = lines.filter((_, i) => i % 2 === 0);
      stride *= 2;
    }
  }
  if (last !== undefined) lines.push(last);
  return { lines, read, skipped };
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
    png: readInputFileSync(path.join(dir, name), { maxBytes: MAX_SAMPLE_PNG_BYTES, what: "sample picture" }),
  }));
}

export function readRunData(runDir: string): RunData {
  const plan = readRunPlan(runDir);
  let info: RunInfo | undefined;
  const infoFile = path.join(runDir, RUN_FILES.run);
  if (existsSync(infoFile)) info = readJsonInputSync(infoFile, "run.json") as RunInfo;
  const { lines, read, skipped } = readMetrics(path.join(runDir, RUN_FILES.metrics));
  const evaluation = readEvalReport(runDir);
  const realFile = path.join(runDir, RUN_FILES.samples, REAL_SAMPLES_FILE);
  const real = existsSync(realFile) ? readInputFileSync(realFile, { maxBytes: MAX_SAMPLE_PNG_BYTES, what: "sample picture" }) : undefined;
  return {
    runDir,
    plan,
    ...(info ? { info } : {}),
    metrics: lines,
    metricLinesRead: read,
    skippedMetricLines: skipped,
    samples: readSamples(path.join(runDir, RUN_FILES.samples), runDir),
    ...(real ? { real } : {}),
    ...(evaluation ? { eval: evaluation } : {}),
  };
}
