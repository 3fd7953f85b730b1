/**
 * compare.html: the runs' table, their curves on shared charts (one line per run), and each
 * run's latest samples side by side; self-contained like report.html.
 */
import { summaryCells, type ExperimentSummary } from "../experiment/summarise.js";
import { dataUri, htmlPage } from "../report/html.js";
import { escapeXml, lineChart } from "../report/svg-chart.js";
import type { ComparedRun } from "./compare-runs.js";

/** Losses first, then every other scalar some run logged, in name order. */
function curveKeys(runs: readonly ComparedRun[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const line of run.data.metrics) for (const key of Object.keys(line)) if (key !== "step") keys.add(key);
  const first = ["d_loss", "g_loss"].filter((key) => keys.has(key));
  return [...first, ...[...keys].filter((key) => !first.includes(key)).sort()];
}

function runsSection(runs: readonly ComparedRun[]): string {
  const rows = runs
    .map(({ label, data }) => {
      const steps = data.info ? `${data.info.stepsCompleted.toLocaleString("en")} of ${data.info.steps.toLocaleString("en")}` : String(data.plan.train.steps);
      const tricks = data.plan.tricks.length === 0 ? "none" : data.plan.tricks.map((t) => t.package).join(", ");
      const features = data.eval && data.eval.metrics.kind !== "mixture" && data.eval.metrics.figures ? data.eval.metrics.figures.features.description : "";
      return `<tr><td>${escapeXml(label)}</td><td><code>${escapeXml(data.runDir)}</code></td><td>${escapeXml(data.info?.status ?? "unknown")}</td><td>${escapeXml(steps)}</td><td>${escapeXml(String(data.plan.train.seed))}</td><td>${escapeXml(tricks)}</td><td>${escapeXml(features)}</td></tr>`;
    })
    .join("");
  return `<section id="runs"><h2>Runs</h2><table><tr><th>run</th><th>directory</th><th>status</th><th>steps</th><th>seed</th><th>tricks</th><th>features of the metrics</th></tr>${rows}</table></section>`;
}

function metricsSection(summary: ExperimentSummary): string {
  const { header, rows } = summaryCells(summary, { rowTitle: "run", runCounts: false });
  const head = `<tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr>`;
  const body = rows.map((cells) => `<tr>${cells.map((c, i) => (i === 0 ? `<td>${escapeXml(c)}</td>` : `<td class="number">${escapeXml(c)}</td>`)).join("")}</tr>`).join("");
  return `<section id="metrics"><h2>Metrics</h2><p class="note">eval.json's metrics (each named with the features it was computed on), the steps trained and the last logged losses; "-" where a run has none (gan eval RUN_DIR measures it).</p><table class="metrics">${head}${body}</table></section>`;
}

function curvesSection(runs: readonly ComparedRun[]): string {
  const charts = curveKeys(runs).map((key) =>
    lineChart({
      id: `compare:${key}`,
      title: key,
      series: runs.map((run) => ({ name: run.label, points: run.data.metrics.filter((line) => key in line).map((line) => [line.step!, line[key]!] as const) })),
    }),
  );
  if (charts.length === 0) return `<section id="curves"><h2>Training curves</h2><p class="note">No run has logged a step yet.</p></section>`;
  return `<section id="curves"><h2>Training curves</h2><p class="note">One line per run; faint lines are the values logged, solid ones their moving average.</p><div class="charts">${charts.join("")}</div></section>`;
}

function samplesSection(runs: readonly ComparedRun[]): string {
  const figures = runs
    .filter((run) => run.data.samples.length > 0)
    .map((run) => {
      const latest = run.data.samples.at(-1)!;
      return `<figure><img src="${dataUri(latest.png)}" alt="${escapeXml(run.label)}: samples at step ${latest.step}"><figcaption>${escapeXml(run.label)}, step ${latest.step.toLocaleString("en")}</figcaption></figure>`;
    })
    .join("");
  return `<section id="samples"><h2>Latest samples</h2>${figures === "" ? `<p class="note">No run has sample pictures.</p>` : `<div class="latest">${figures}</div>`}</section>`;
}

export function compareHtml(runs: readonly ComparedRun[], summary: ExperimentSummary): string {
  const title = `gan compare: ${runs.map((run) => run.label).join(", ")}`;
  return htmlPage(title, "gan compare", `<header><h1>${runs.length} runs compared</h1></header>` + runsSection(runs) + metricsSection(summary) + curvesSection(runs) + samplesSection(runs));
}
