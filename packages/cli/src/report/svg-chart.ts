/**
 * Line and bar charts drawn as inline SVG strings: report.html must open offline, from a
 * file, in any browser, so it cannot load a charting library.
 */

export interface Series {
  name: string;
  /** [step, value] pairs in step order; non-finite values leave a gap. */
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  title: string;
  series: readonly Series[];
  /** A key for tests and anchors (data-chart attribute). */
  id: string;
  xLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
const MARGIN = { left: 58, right: 16, top: 30, bottom: 34 };
/** Points drawn per series at most: a 20,000-step run logs 2,000 and a chart is ~500 pixels wide. */
export const MAX_DRAWN_POINTS = 600;

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Round numbers covering [min, max] about `count` apart: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; step: number; lo: number; hi: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`niceTicks: the range must be finite, got [${min}, ${max}]`);
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const normalised = rough / magnitude;
  // Rounded to 12 digits: 2 * 1e-5 is 1.9999999999999998e-5 in floating point.
  const tidy = (value: number) => Number(value.toPrecision(12));
  const step = tidy((normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10) * magnitude);
  const lo = tidy(Math.floor(min / step + 1e-9) * step);
  const hi = tidy(Math.ceil(max / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(tidy(lo + i * step));
  return { ticks, step, lo, hi };
}

/** A tick label: as many decimals as the tick spacing needs; 12k for large step counts. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-4) return value.toExponential(1).replace("e+", "e");
  if (magnitude >= 1000 && Number.isInteger(value) && step >= 1000 && value % 1000 === 0) return `${value / 1000}k`;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

/** At most `max` points: per bucket the lowest and the highest value, so spikes stay visible. */
export function downsample(points: readonly (readonly [number, number])[], max = MAX_DRAWN_POINTS): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const buckets = Math.floor(max / 2);
  const size = points.length / buckets;
  const kept: (readonly [number, number])[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    let low: readonly [number, number] | undefined;
    let high: readonly [number, number] | undefined;
    for (let i = start; i < end; i++) {
      const point = points[i]!;
      if (!Number.isFinite(point[1])) {
        // A gap must survive downsampling.
        kept.push(point);
        continue;
      }
      if (low === undefined || point[1] < low[1]) low = point;
      if (high === undefined || point[1] > high[1]) high = point;
    }
    if (low && high) kept.push(...(low[0] <= high[0] ? [low, high] : [high, low]));
  }
  return kept;
}

/** An exponential moving average, the smoothing TensorBoard applies to noisy curves. */
export function smooth(points: readonly (readonly [number, number])[], weight: number): [number, number][] {
  let average = 0;
  let count = 0;
  return points.map(([x, y]) => {
    if (!Number.isFinite(y)) return [x, y];
    average = average * weight + y * (1 - weight);
    count++;
    // Debiased, as TensorBoard does, so that the first points are not pulled towards zero.
    return [x, average / (1 - weight ** count)];
  });
}

function pathData(points: readonly (readonly [number, number])[], x: (v: number) => number, y: (v: number) => number): string {
  let d = "";
  let pen = false;
  for (const [px, py] of points) {
    if (!Number.isFinite(py) || !Number.isFinite(px)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(px).toFixed(1)} ${y(py).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/**
 * Values beyond this are not plotted on the axis: the span of -1e308 and 1e308 overflows a
 * double (every coordinate would be NaN), and one such value would flatten every other to a
 * line. They are drawn as markers at the edge of the plot instead, and the path has a gap.
 */
export const CHART_VALUE_LIMIT = 1e300;

/** Points whose value lies beyond CHART_VALUE_LIMIT, taken out of a series (left as gaps). */
function splitOutliers(series: Series): { series: Series; outliers: (readonly [number, number])[] } {
  const outliers = series.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py) && Math.abs(py) > CHART_VALUE_LIMIT);
  if (outliers.length === 0) return { series, outliers };
  return { series: { ...series, points: series.points.map(([px, py]) => (Math.abs(py) > CHART_VALUE_LIMIT ? ([px, Number.NaN] as const) : ([px, py] as const))) }, outliers };
}

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 520;
  const height = options.height ?? 260;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const split = options.series.map(splitOutliers);
  const outliers = split.flatMap((part) => part.outliers);
  options = { ...options, series: split.map((part) => part.series) };
  const finite = options.series.flatMap((s) => s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py)));
  const title = escapeXml(options.title);
  const open = `<svg class="chart" data-chart="${escapeXml(options.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">`;
  const heading = `<text class="title" x="${MARGIN.left}" y="18">${title}</text>`;
  if (finite.length === 0 && outliers.length === 0) {
    return `${open}${heading}<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no finite values logged</text></svg>`;
  }
  const xs = [...finite, ...outliers].map(([px]) => px);
  // Outliers are drawn at the edges whatever the axis; with nothing else, the axis is around 0.
  const ys = finite.length > 0 ? finite.map(([, py]) => py) : [0];
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(...xs), 5);
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys), 4);
  const x = (v: number) => MARGIN.left + ((v - xTicks.lo) / (xTicks.hi - xTicks.lo)) * plotWidth;
  const y = (v: number) => MARGIN.top + plotHeight - ((v - yTicks.lo) / (yTicks.hi - yTicks.lo)) * plotHeight;

  const parts: string[] = [open, heading];
  parts.push(`<g class="grid">`);
  for (const tick of yTicks.ticks) {
    const ty = y(tick).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${ty}" dy="0.32em" text-anchor="end">${formatTick(tick, yTicks.step)}</text>`);
  }
  for (const tick of xTicks.ticks) {
    const tx = x(tick).toFixed(1);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}"/>`);
    parts.push(`<text class="tick" x="${tx}" y="${MARGIN.top + plotHeight + 14}" text-anchor="middle">${formatTick(tick, xTicks.step)}</text>`);
  }
  parts.push(`</g>`);
  parts.push(`<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}"/>`);
  parts.push(`<text class="axis" x="${MARGIN.left + plotWidth}" y="${height - 4}" text-anchor="end">${escapeXml(options.xLabel ?? "step")}</text>`);

  options.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    const noisy = series.points.length > 50;
    const drawn = downsample(series.points);
    if (noisy) {
      // The raw values faint, their moving average on top: GAN losses are noisy by nature.
      parts.push(`<path class="raw" data-series="${escapeXml(series.name)}" d="${pathData(drawn, x, y)}" stroke="${color}"/>`);
      const smoothed = downsample(smooth(series.points, 0.9));
      parts.push(`<path class="line" data-series="${escapeXml(series.name)}" d="${pathData(smoothed, x, y)}" stroke="${color}"/>`);
    } else {
      parts.push(`<path class="line" data-series="${escapeXml(series.name)}" d="${pathData(drawn, x, y)}" stroke="${color}"/>`);
      for (const [px, py] of drawn) {
        if (Number.isFinite(py)) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2.5" fill="${color}"/>`);
      }
    }
  });
  split.forEach((part, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    for (const [px, py] of part.outliers) {
      // A triangle pointing off the plot, at the top or the bottom edge.
      const edge = py > 0 ? MARGIN.top : MARGIN.top + plotHeight;
      const tip = py > 0 ? edge - 6 : edge + 6;
      const cx = x(px).toFixed(1);
      parts.push(
        `<path class="outlier" data-series="${escapeXml(part.series.name)}" d="M${(x(px) - 4).toFixed(1)} ${edge}L${cx} ${tip}L${(x(px) + 4).toFixed(1)} ${edge}Z" fill="${color}">` +
          `<title>${escapeXml(`${part.series.name} at step ${px}: ${py}, beyond the chart (±${CHART_VALUE_LIMIT})`)}</title></path>`,
      );
    }
  });
  if (options.series.length > 1) {
    let offset = MARGIN.left + plotWidth;
    const legend: string[] = [];
    for (let index = options.series.length - 1; index >= 0; index--) {
      const name = options.series[index]!.name;
      const labelWidth = name.length * 6.5 + 22;
      offset -= labelWidth;
      legend.push(
        `<g class="legend"><rect x="${offset.toFixed(1)}" y="10" width="12" height="3" fill="${PALETTE[index % PALETTE.length]}"/>` +
          `<text x="${(offset + 16).toFixed(1)}" y="15">${escapeXml(name)}</text></g>`,
      );
    }
    parts.push(...legend.reverse());
  }
  parts.push(`</svg>`);
  return parts.join("");
}

export interface BarChartOptions {
  title: string;
  id: string;
  labels: readonly string[];
  values: readonly number[];
  /** A horizontal reference line (the count of a perfectly uniform histogram). */
  reference?: { value: number; label: string };
  width?: number;
  height?: number;
}

export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 520;
  const height = options.height ?? 220;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const title = escapeXml(options.title);
  const top = Math.max(1, ...options.values.filter(Number.isFinite), options.reference?.value ?? 0);
  const yTicks = niceTicks(0, top, 4);
  const y = (v: number) => MARGIN.top + plotHeight - ((v - yTicks.lo) / (yTicks.hi - yTicks.lo)) * plotHeight;
  const slot = plotWidth / Math.max(1, options.values.length);
  const parts = [
    `<svg class="chart" data-chart="${escapeXml(options.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">`,
    `<text class="title" x="${MARGIN.left}" y="18">${title}</text>`,
    `<g class="grid">`,
  ];
  for (const tick of yTicks.ticks) {
    const ty = y(tick).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${ty}" dy="0.32em" text-anchor="end">${formatTick(tick, yTicks.step)}</text>`);
  }
  parts.push(`</g>`);
  const labelEvery = Math.ceil(options.values.length / 25);
  options.values.forEach((value, index) => {
    const barHeight = Math.max(0, MARGIN.top + plotHeight - y(value));
    const bx = MARGIN.left + index * slot + slot * 0.15;
    parts.push(`<rect class="bar" x="${bx.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${barHeight.toFixed(1)}"><title>${escapeXml(`${options.labels[index] ?? index}: ${value}`)}</title></rect>`);
    if (index % labelEvery === 0) {
      parts.push(`<text class="tick" x="${(MARGIN.left + (index + 0.5) * slot).toFixed(1)}" y="${MARGIN.top + plotHeight + 14}" text-anchor="middle">${escapeXml(options.labels[index] ?? String(index))}</text>`);
    }
  });
  if (options.reference) {
    const ry = y(options.reference.value).toFixed(1);
    parts.push(`<line class="reference" x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${ry}" y2="${ry}"/>`);
    parts.push(`<text class="axis" x="${MARGIN.left + plotWidth}" y="${Number(ry) - 4}" text-anchor="end">${escapeXml(options.reference.label)}</text>`);
  }
  parts.push(`<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}"/>`, `</svg>`);
  return parts.join("");
}
