/**
 * An experiment's results as a page: a row per point (ablation variant, sweep grid point) with
 * the mean ± standard error over seeds of each metric, then every run, then the failed runs
 * with their errors. `gan ablate` writes it as ablation.md; a sweep as sweep.md under
 * ARTIFACTS/sweeps/<id>/, beside sweep.json, written after every run (what `gan sweep status`
 * reads for a local sweep).
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "@gan/core";
import { writeFileAtomic } from "../files.js";
import type { SweepDefinition } from "../queue/definition.js";
import { metricTitle, singleCell, summarise, summaryMarkdown, type ExecutedRun, type ExperimentSummary } from "./summarise.js";

export const SWEEP_FILE = "sweep.json";
export const SWEEP_MARKDOWN = "sweep.md";

export interface SweepRecord {
  definition: SweepDefinition;
  complete: boolean;
  /** One per run id, in the definition's order; only the runs finished so far while incomplete. */
  runs: ExecutedRun[];
  summary: ExperimentSummary;
  writtenAt: string;
}

export function sweepDirectory(artifacts: string, id: string): string {
  return path.join(artifacts, "sweeps", id);
}

/** Results in the definition's order, one per run id (the last one reported wins). */
export function orderedResults(definition: SweepDefinition, results: Iterable<ExecutedRun>): ExecutedRun[] {
  const byId = new Map<string, ExecutedRun>();
  for (const result of results) byId.set(result.runId, result);
  return definition.runs.flatMap((run) => (byId.has(run.runId) ? [byId.get(run.runId)!] : []));
}

function firstLine(text: string): string {
  return text.split("\n")[0]!;
}

function everyRunMarkdown(results: readonly ExecutedRun[], summary: ExperimentSummary, column: string): string {
  const header = [column, "seed", ...summary.metrics.map(metricTitle), "run"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i < 2 || i === header.length - 1 ? "---" : "--:")).join("|")}|`];
  for (const result of results) {
    const cells = summary.metrics.map((name) => {
      const value = result.metrics?.[name];
      return value === undefined ? "-" : singleCell(name, value);
    });
    const run = result.error !== undefined ? `failed: ${firstLine(result.error)}` : (result.runDir ?? "");
    lines.push(`| ${result.label} | ${result.seed} | ${cells.join(" | ")} | ${run.replace(/\|/g, "\\|")} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** The table printed on stdout, and the whole markdown page. */
export function experimentMarkdown(definition: SweepDefinition, results: readonly ExecutedRun[]): { table: string; markdown: string } {
  const summary = summarise(results);
  const table = summaryMarkdown(summary);
  const what = definition.kind === "sweep" ? "Sweep" : "Ablation";
  const column = definition.kind === "sweep" ? "point" : "variant";
  const failed = results.filter((r) => r.error !== undefined);
  const axes = definition.axes?.map((axis) => `${axis.package}.${axis.option} = ${axis.values.join(", ")}`) ?? [];
  const markdown =
    `# ${what} ${definition.id} of ${path.basename(definition.spec)}\n\n` +
    (axes.length > 0 ? `Grid: ${axes.join("; ")}.\n\n` : "") +
    `${definition.seeds.length} seeds (${definition.seeds.join(", ")}) per ${column}, ${definition.steps} steps each; mean ± standard error over seeds.\n\n` +
    `    ${definition.command}\n\n${table}\n## Every run\n\n${everyRunMarkdown(results, summary, column)}` +
    (failed.length > 0 ? `\n## Failed runs\n\n${failed.map((r) => `- ${r.label}, seed ${r.seed} (${r.runId}):\n\n  ${r.error!.replace(/\n/g, "\n  ")}\n`).join("\n")}` : "");
  return { table, markdown };
}

export function writeSweepRecord(dir: string, definition: SweepDefinition, results: readonly ExecutedRun[], complete: boolean): void {
  mkdirSync(dir, { recursive: true });
  const record: SweepRecord = { definition, complete, runs: [...results], summary: summarise(results), writtenAt: new Date().toISOString() };
  writeFileAtomic(path.join(dir, SWEEP_FILE), `${JSON.stringify(record, null, 2)}\n`);
  if (complete) writeFileAtomic(path.join(dir, SWEEP_MARKDOWN), experimentMarkdown(definition, results).markdown);
}

export function readSweepRecord(artifacts: string, id: string): SweepRecord {
  const file = path.join(sweepDirectory(artifacts, id), SWEEP_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(`no sweep ${id} in ${artifacts} (${file} does not exist); for a sweep run on workers give --queue URL`);
    }
    throw new UserError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text) as SweepRecord;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}
