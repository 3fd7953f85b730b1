/**
 * The results of an experiment's runs as one table: a row per point (ablation variant, sweep
 * grid point), a column per metric, each cell the mean over seeds with its standard error
 * (sample standard deviation / sqrt(n)).
 */

export interface RunResult {
  runId: string;
  variant: string;
  label: string;
  seed: number;
  /** Named metrics of the run; null where a metric is undefined for it (reverse KL without any high-quality sample). */
  metrics?: Record<string, number | null>;
  /** Why the run has no metrics. */
  error?: string;
}

/** A run's row as an experiment collects it, here or from a gan worker. */
export interface ExecutedRun extends RunResult {
  /** The run directory, relative to the directory the experiment's runs are in. */
  runDir?: string;
  /** Seconds of training and evaluation (0 or absent for a run reused from before). */
  seconds?: number;
  /** True when an earlier attempt had already finished this run. */
  reused?: boolean;
}

export interface SummaryCell {
  mean: number;
  /** null with a single value. */
  standardError: number | null;
  /** Values that went into the mean. */
  n: number;
  /** Runs of the variant with metrics but without this one (null values). */
  undefinedCount: number;
}

export interface SummaryRow {
  variant: string;
  label: string;
  runs: number;
  failed: number;
  cells: Record<string, SummaryCell | null>;
}

export interface ExperimentSummary {
  metrics: string[];
  rows: SummaryRow[];
}

export function meanAndStandardError(values: readonly number[]): { mean: number; standardError: number | null } {
  if (values.length === 0) throw new Error("meanAndStandardError: no values");
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return { mean, standardError: null };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, standardError: Math.sqrt(variance / values.length) };
}

export function summarise(results: readonly RunResult[]): ExperimentSummary {
  const metrics: string[] = [];
  const byVariant = new Map<string, RunResult[]>();
  for (const result of results) {
    const list = byVariant.get(result.variant) ?? [];
    list.push(result);
    byVariant.set(result.variant, list);
    for (const name of Object.keys(result.metrics ?? {})) if (!metrics.includes(name)) metrics.push(name);
  }
  const rows: SummaryRow[] = [];
  for (const [variant, runs] of byVariant) {
    const measured = runs.filter((r) => r.metrics !== undefined);
    const cells: Record<string, SummaryCell | null> = {};
    for (const name of metrics) {
      const values = measured.map((r) => r.metrics![name]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      cells[name] = values.length === 0 ? null : { ...meanAndStandardError(values), n: values.length, undefinedCount: measured.length - values.length };
    }
    rows.push({ variant, label: runs[0]!.label, runs: runs.length, failed: runs.length - measured.length, cells });
  }
  return { metrics, rows };
}

const METRIC_LABELS: Record<string, { title: string; digits: number }> = {
  modes: { title: "modes captured", digits: 1 },
  high_quality_pct: { title: "high quality %", digits: 1 },
  reverse_kl: { title: "reverse KL", digits: 3 },
  classifier_score: { title: "classifier score", digits: 2 },
  // gan compare's values from the loop.
  steps: { title: "steps", digits: 0 },
  final_d_loss: { title: "last D loss", digits: 3 },
  final_g_loss: { title: "last G loss", digits: 3 },
  // Metrics on features are named `metric@features` (fd@mnist-classifier): the title says both.
  fd: { title: "Fréchet distance", digits: 2 },
  fd_floor: { title: "floor", digits: 2 },
  kid: { title: "KID", digits: 4 },
  precision: { title: "precision", digits: 3 },
  recall: { title: "recall", digits: 3 },
  density: { title: "density", digits: 3 },
  coverage: { title: "coverage", digits: 3 },
};

function metricLabel(name: string): { title: string; digits: number } | undefined {
  const at = name.indexOf("@");
  const label = METRIC_LABELS[at < 0 ? name : name.slice(0, at)];
  if (label === undefined || at < 0) return label;
  return { ...label, title: `${label.title} [${name.slice(at + 1)}]` };
}

export function metricTitle(name: string): string {
  return metricLabel(name)?.title ?? name;
}

/** `mean ± se`, with as many digits as the metric deserves; `-` for none. */
export function formatCell(name: string, cell: SummaryCell | null): string {
  if (cell === null) return "-";
  const digits = metricLabel(name)?.digits ?? 3;
  const text = cell.standardError === null ? cell.mean.toFixed(digits) : `${cell.mean.toFixed(digits)} ± ${cell.standardError.toFixed(digits)}`;
  return cell.undefinedCount > 0 ? `${text} (${cell.undefinedCount} undefined)` : text;
}

/** One run's value of a metric, as a cell: its number, `-` when undefined. */
export function singleCell(name: string, value: number | null): string {
  return formatCell(name, value === null ? null : { mean: value, standardError: null, n: 1, undefinedCount: 0 });
}

/** A run's metrics on one line (`modes captured 8.0, reverse KL 0.150`), or why it has none. */
export function runLine(result: ExecutedRun): string {
  if (result.error !== undefined) return `failed: ${result.error.split("\n")[0]}`;
  const metrics = Object.entries(result.metrics ?? {})
    .map(([name, value]) => `${metricTitle(name)} ${singleCell(name, value)}`)
    .join(", ");
  return `${metrics}${result.reused ? " (finished earlier, reused)" : result.seconds !== undefined ? ` (${result.seconds} s)` : ""}`;
}

export interface SummaryTableOptions {
  /** What a row is (default "variant"). */
  rowTitle?: string;
  /** The column of runs measured per row (default true; `gan compare` has one run a row). */
  runCounts?: boolean;
}

/** The summary as header and rows of text cells: the markdown table's and the HTML table's. */
export function summaryCells(summary: ExperimentSummary, options: SummaryTableOptions = {}): { header: string[]; rows: string[][] } {
  const counts = options.runCounts ?? true;
  const failures = summary.rows.some((row) => row.failed > 0);
  const header = [options.rowTitle ?? "variant", ...(counts ? ["runs"] : []), ...summary.metrics.map(metricTitle), ...(failures ? ["failed"] : [])];
  const rows = summary.rows.map((row) => [
    row.label,
    ...(counts ? [String(row.runs - row.failed)] : []),
    ...summary.metrics.map((name) => formatCell(name, row.cells[name] ?? null)),
    ...(failures ? [String(row.failed)] : []),
  ]);
  return { header, rows };
}

export function summaryMarkdown(summary: ExperimentSummary, options: SummaryTableOptions = {}): string {
  const { header, rows } = summaryCells(summary, options);
  const textColumns = (options.runCounts ?? true) ? 2 : 1;
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i < textColumns ? "---" : "--:")).join("|")}|`];
  for (const cells of rows) lines.push(`| ${cells.join(" | ")} |`);
  return `${lines.join("\n")}\n`;
}
