/**
 * report.html: one self-contained page about a run. Charts are inline SVG, pictures are
 * data: URIs, and a Content-Security-Policy forbids every fetch, so the page shows the same
 * thing from a laptop, an e-mail attachment or a CI artifact, with no network.
 */
import { EVAL_KEY_PREFIX, EVAL_SECONDS_KEY, evalKey } from "@gan/core/runtime";
import { EVAL_METRIC_TITLES, EVAL_METRICS, evalMetricKey, evaluationKindOf } from "@gan/plan";
import { evaluationKind } from "../eval/evaluate-run.js";
import { evaluationRows } from "../eval/format-eval.js";
import { rejectionSamplingText } from "../eval/rejection-flags.js";
import type { RunData } from "./run-data.js";
import { barChart, escapeXml, lineChart, type Series } from "./svg-chart.js";

/** Columns of metrics.jsonl that are not charted as scalars of their own. */
const LOSSES = ["d_loss", "g_loss"];
const RATES = ["d_lr", "g_lr"];
const SPEED = "steps_per_sec";

const STYLE = `
:root { color-scheme: light; --ink: #1d232b; --muted: #5c6670; --rule: #d9dee3; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 18px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 8px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e7ecf0; }
.status.completed { background: #dcf2e3; color: #14532d; }
.status.failed { background: #fde2e1; color: #7f1d1d; }
.status.stopped, .status.running { background: #fdf1d6; color: #713f12; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
td.number { text-align: right; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(500px, 1fr)); gap: 12px; }
svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--rule); border-radius: 4px; }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg.chart text.title { font-size: 13px; font-weight: 600; fill: var(--ink); }
svg.chart .grid line { stroke: #eef1f4; }
svg.chart .frame { fill: none; stroke: #b8c0c8; }
svg.chart path.line { fill: none; stroke-width: 1.8; }
svg.chart path.raw { fill: none; stroke-width: 1; opacity: 0.25; }
svg.chart rect.bar { fill: #1f77b4; }
svg.chart line.reference { stroke: #d62728; stroke-dasharray: 4 3; }
.latest { display: flex; gap: 20px; align-items: flex-start; flex-wrap: wrap; }
figure { margin: 0; }
figure img { display: block; image-rendering: pixelated; border: 1px solid var(--rule); border-radius: 4px; background: #fff; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
.timeline { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.timeline img { width: 100%; height: auto; }
details { margin: 8px 0; border: 1px solid var(--rule); border-radius: 4px; background: var(--panel); }
details summary { cursor: pointer; padding: 6px 10px; font-weight: 600; }
details pre { margin: 0; padding: 10px; overflow: auto; max-height: 600px; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: #fff; border-top: 1px solid var(--rule); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--panel); padding: 0 3px; border-radius: 3px; }
.note { color: var(--muted); }
`;

function seriesOf(data: RunData, key: string): Series {
  return { name: key, points: data.metrics.filter((line) => key in line).map((line) => [line.step!, line[key]!] as const) };
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

function header(data: RunData): string {
  const { plan, info } = data;
  const facts: [string, string][] = [];
  if (info) {
    facts.push(["steps", `${info.stepsCompleted.toLocaleString("en")} of ${info.steps.toLocaleString("en")}`]);
    facts.push(["backend", `${info.backend.name} (${info.backend.package ?? "built in"}${info.backend.version ? ` ${info.backend.version}` : ""})`]);
    facts.push(["seed", String(info.seed)]);
    facts.push(["started", info.startedAt]);
    if (info.endedAt) {
      const seconds = (Date.parse(info.endedAt) - Date.parse(info.startedAt)) / 1000;
      facts.push(["ended", `${info.endedAt} (${formatDuration(seconds)})`]);
    }
    if (info.timing && info.timing.evaluationSeconds > 0) {
      const { trainingSeconds, evaluationSeconds } = info.timing;
      const share = (100 * evaluationSeconds) / (trainingSeconds + evaluationSeconds);
      facts.push(["time", `training ${formatDuration(trainingSeconds)}, evaluation during training ${formatDuration(evaluationSeconds)} (${share.toFixed(1)}%)`]);
    }
    if (info.stoppedEarly) facts.push(["stopped early", `at step ${info.stoppedEarly.step}: ${info.stoppedEarly.reason}`]);
    if (info.resumes.length > 0) facts.push(["resumed", info.resumes.map((r) => `from step ${r.fromStep} at ${r.at}`).join("; ")]);
    if (info.error) facts.push(["error", info.error]);
    facts.push(["machine", `${info.machine.cpus} x ${info.machine.cpuModel}, ${info.machine.platform} ${info.machine.arch}, Node ${info.versions.node ?? "?"}`]);
  } else {
    facts.push(["steps", String(plan.train.steps)], ["seed", String(plan.train.seed)]);
  }
  facts.push(["spec", `${plan.source.file} (sha256 ${plan.source.sha256.slice(0, 12)})`]);
  facts.push(["data", `${plan.data.kind}, samples of shape [${plan.data.shape.join(", ")}]`]);
  facts.push(["tricks", plan.tricks.length === 0 ? "none" : plan.tricks.map((t) => t.package).join(", ")]);
  const status = info?.status ?? "unknown";
  return (
    `<header><h1>${escapeXml(plan.name)} <span class="status ${escapeXml(status)}">${escapeXml(status)}</span></h1>` +
    `<p class="lead">${escapeXml(data.runDir)}</p>` +
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join("")}</dl></header>`
  );
}

/** "3000 logged steps", or how many were kept of a long metrics.jsonl. */
function loggedSteps(data: RunData): string {
  if (data.metrics.length === data.metricLinesRead) return `${data.metrics.length} logged steps`;
  return `${data.metricLinesRead} logged steps, ${data.metrics.length} of them drawn (evenly spread)`;
}

function metricsSection(data: RunData): string {
  const report = data.eval;
  const measurable = evaluationKind(data.plan);
  if (!report && measurable.kind === undefined) {
    return `<section id="metrics"><h2>Metrics</h2><p class="note">Not measured: ${escapeXml(measurable.reason)}.</p></section>`;
  }
  if (!report) {
    return (
      `<section id="metrics"><h2>Metrics</h2><p class="note">Not measured yet: <code>gan eval ${escapeXml(data.runDir)}</code> ` +
      `writes eval.json and refreshes this page.</p></section>`
    );
  }
  const m = report.metrics;
  const rows: [string, string][] = [];
  let chart = "";
  if (m.kind === "mixture") {
    rows.push(
      ["modes captured", `${m.modes} of ${m.totalModes}`],
      ["high-quality samples", `${(m.highQuality * 100).toFixed(1)}% (within 3 std of their nearest mean)`],
      ["reverse KL", m.reverseKL === null ? "undefined (no high-quality sample)" : m.reverseKL.toFixed(4)],
    );
    const highQualityTotal = m.counts.reduce((a, b) => a + b, 0);
    chart = barChart({
      id: "mode-counts",
      title: "High-quality samples per mode",
      labels: m.counts.map((_, i) => String(i + 1)),
      values: m.counts,
      ...(highQualityTotal > 0 ? { reference: { value: highQualityTotal / m.counts.length, label: "uniform" } } : {}),
    });
  } else {
    rows.push(...evaluationRows(m, report.samples));
  }
  rows.push(
    ["samples", `${report.samples}, latent seed ${report.seed}`],
    ["weights", `${report.weightsFrom}${report.ema ? " (EMA average, @gan/ema)" : ""}, step ${report.steps ?? "?"}`],
    ["measured", `${report.createdAt} on ${report.backend} in ${report.seconds} s`],
  );
  // Samples filtered by discriminator rejection sampling are not G's own: the page says so.
  if (report.rejectionSampling) rows.push(["filtered by", rejectionSamplingText(report.rejectionSampling)]);
  const table = `<table class="metrics">${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join("")}</table>`;
  return `<section id="metrics"><h2>Metrics</h2>${table}${chart ? `<div class="charts">${chart}</div>` : ""}</section>`;
}

function curvesSection(data: RunData): string {
  if (data.metrics.length === 0) return `<section id="curves"><h2>Training curves</h2><p class="note">metrics.jsonl has no lines yet.</p></section>`;
  const keys = new Set<string>();
  for (const line of data.metrics) for (const key of Object.keys(line)) keys.add(key);
  keys.delete("step");
  const charts: string[] = [];
  const present = (list: string[]) => list.filter((k) => keys.has(k));
  if (present(LOSSES).length > 0) charts.push(lineChart({ id: "losses", title: "Losses", series: present(LOSSES).map((k) => seriesOf(data, k)) }));
  if (present(RATES).length > 0) charts.push(lineChart({ id: "learning-rates", title: "Learning rates", series: present(RATES).map((k) => seriesOf(data, k)) }));
  if (keys.has(SPEED)) charts.push(lineChart({ id: "speed", title: "Steps per second", series: [seriesOf(data, SPEED)] }));
  const evaluation = data.plan.train.eval;
  const kind = evaluation === undefined ? undefined : evaluationKindOf(data.plan.data, evaluation);
  const evaluated = kind === undefined ? [] : EVAL_METRICS[kind].filter((metric) => keys.has(evalKey(metric, evaluation)));
  // A feature metric's title names its features: fd@emoji-classifier is no FID.
  const title = (metric: (typeof evaluated)[number]) => (kind === "features" ? `${EVAL_METRIC_TITLES[metric]} (${evalMetricKey(metric, evaluation)})` : EVAL_METRIC_TITLES[metric]);
  const evalCharts = evaluated.map((metric) =>
    lineChart({ id: `eval:${metric}`, title: `${title(metric)}${data.plan.tricks.some((t) => t.package === "@gan/ema") ? ", EMA weights" : ""}`, series: [seriesOf(data, evalKey(metric, evaluation))] }),
  );
  if (keys.has(EVAL_SECONDS_KEY)) evalCharts.push(lineChart({ id: "eval:seconds", title: "seconds per evaluation", series: [seriesOf(data, EVAL_SECONDS_KEY)] }));
  const scalars = [...keys].filter((k) => !LOSSES.includes(k) && !RATES.includes(k) && k !== SPEED && !k.startsWith(EVAL_KEY_PREFIX)).sort();
  const trickCharts = scalars.map((key) => lineChart({ id: `scalar:${key}`, title: key, series: [seriesOf(data, key)] }));
  const skipped = data.skippedMetricLines > 0 ? `<p class="note">${data.skippedMetricLines} unreadable line(s) of metrics.jsonl skipped.</p>` : "";
  return (
    `<section id="curves"><h2>Training curves</h2><p class="note">${loggedSteps(data)}; faint lines are the values logged, solid ones their moving average.</p>` +
    `<div class="charts">${charts.join("")}</div>${skipped}` +
    (evalCharts.length > 0
      ? `<h3>Evaluation during training (eval every ${data.plan.train.eval?.every ?? "?"} steps)</h3><div class="charts">${evalCharts.join("")}</div>`
      : "") +
    (trickCharts.length > 0 ? `<h3>Other logged scalars (the loop's and the tricks')</h3><div class="charts">${trickCharts.join("")}</div>` : "") +
    `</section>`
  );
}

export function dataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString("base64")}`;
}

function samplesSection(data: RunData): string {
  if (data.samples.length === 0) return `<section id="samples"><h2>Samples</h2><p class="note">No sample pictures yet.</p></section>`;
  const kind = data.plan.data.shape.length === 1 ? "scatter plots of generated points (modes marked)" : "grids of generated images";
  const latest = data.samples[data.samples.length - 1]!;
  const real = data.real
    ? `<figure><img class="real-sample" src="${dataUri(data.real)}" alt="real data"><figcaption>real data (as many examples, the same picture)</figcaption></figure>`
    : "";
  const figures = data.samples
    .map((s) => `<figure><img src="${dataUri(s.png)}" alt="samples at step ${s.step}"><figcaption>step ${s.step.toLocaleString("en")}</figcaption></figure>`)
    .join("");
  return (
    `<section id="samples"><h2>Samples</h2><p class="note">${kind}, from one fixed latent batch at every step.</p>` +
    `<div class="latest"><figure><img class="latest-sample" src="${dataUri(latest.png)}" alt="latest samples, step ${latest.step}"><figcaption>step ${latest.step.toLocaleString("en")} (latest)</figcaption></figure>${real}</div>` +
    `<h3>Over time</h3><div class="timeline">${figures}</div></section>`
  );
}

function tricksSection(data: RunData): string {
  const { plan } = data;
  if (plan.tricks.length === 0) return `<section id="tricks"><h2>Tricks</h2><p class="note">No tricks: a plain GAN.</p></section>`;
  const rows = plan.tricks
    .map((use) => {
      const window = use.window.from !== undefined || use.window.until !== undefined ? `steps ${use.window.from ?? 0} to ${use.window.until ?? "end"}` : "whole run";
      return `<tr><td><code>${escapeXml(use.package)}</code></td><td>${escapeXml(use.version)}</td><td><code>${escapeXml(JSON.stringify(use.options))}</code></td><td>${escapeXml(window)}</td></tr>`;
    })
    .join("");
  const rewrites =
    plan.rewrites.length === 0
      ? ""
      : `<h3>What they changed in the networks</h3><table><tr><th>trick</th><th>network</th><th>change</th></tr>${plan.rewrites
          .map((r) => `<tr><td><code>${escapeXml(r.trick)}</code></td><td>${escapeXml(r.network ?? "-")}</td><td>${escapeXml(r.description)}</td></tr>`)
          .join("")}</table>`;
  return `<section id="tricks"><h2>Tricks</h2><table><tr><th>package</th><th>version</th><th>options</th><th>active</th></tr>${rows}</table>${rewrites}</section>`;
}

function planSection(data: RunData): string {
  const plan = `<details id="plan-json"><summary>plan.json (the plan that ran)</summary><pre>${escapeXml(JSON.stringify(data.plan, null, 2))}</pre></details>`;
  const info = data.info ? `<details><summary>run.json</summary><pre>${escapeXml(JSON.stringify(data.info, null, 2))}</pre></details>` : "";
  return `<section id="plan"><h2>Plan</h2>${plan}${info}</section>`;
}

/** A self-contained page: the report's style, and a Content-Security-Policy under which nothing may be fetched. */
export function htmlPage(title: string, generator: string, body: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    // Nothing may be fetched: the page is complete as it is.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="generator" content="${escapeXml(generator)}">` +
    `<title>${escapeXml(title)}</title><style>${STYLE}</style></head>\n<body><main>` +
    body +
    `</main></body></html>\n`
  );
}

export function reportHtml(data: RunData): string {
  return htmlPage(
    `${data.plan.name}: gan run report`,
    "gan report",
    header(data) + metricsSection(data) + curvesSection(data) + samplesSection(data) + tricksSection(data) + planSection(data),
  );
}
