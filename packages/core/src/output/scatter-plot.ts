/**
 * A scatter plot of 2-D samples rasterised by hand into a PNG: what `samples/step-NNNNNN.png`
 * shows for the ring and grid mixtures, where mode collapse is visible at a glance.
 * White background, a frame with ticks, the axes through 0, semi-transparent blue points
 * (dense regions darken) and the mixture's mode centres as red crosses on top.
 */
import { encodePng } from "./png.js";

export interface Extent {
  x: [number, number];
  y: [number, number];
}

export interface ScatterPlotOptions {
  /** Mode centres to mark. */
  modes?: [number, number][];
  /** The plotted region; by default the modes' box (or the points') with a margin, square. */
  extent?: Extent;
  /** Width and height in pixels (default 512). */
  size?: number;
}

type Rgb = readonly [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const FRAME: Rgb = [64, 64, 64];
const AXIS: Rgb = [200, 200, 200];
const POINT: Rgb = [31, 119, 180];
const MODE: Rgb = [214, 39, 40];
const POINT_ALPHA = 0.6;
/** Points are small squares of this side, centred on their pixel. */
const POINT_SIZE = 3;
const MODE_ARM = 6;

/** The q-quantile of the sorted values (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/**
 * A square region around the modes (when given: a diverged generator's stray points should
 * not shrink the picture of the data) or around the bulk of the points (0.5% to 99.5%
 * quantiles per coordinate), with a margin of a quarter of its span.
 */
export function defaultExtent(points: Float32Array, modes?: [number, number][]): Extent {
  let box: [number, number, number, number];
  if (modes !== undefined && modes.length > 0) {
    const xs = modes.map((m) => m[0]);
    const ys = modes.map((m) => m[1]);
    box = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  } else {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i + 1 < points.length; i += 2) {
      if (Number.isFinite(points[i]) && Number.isFinite(points[i + 1])) {
        xs.push(points[i]!);
        ys.push(points[i + 1]!);
      }
    }
    if (xs.length === 0) return { x: [-1, 1], y: [-1, 1] };
    const sx = Float64Array.from(xs).sort();
    const sy = Float64Array.from(ys).sort();
    box = [quantile(sx, 0.005), quantile(sx, 0.995), quantile(sy, 0.005), quantile(sy, 0.995)];
  }
  const cx = (box[0] + box[1]) / 2;
  const cy = (box[2] + box[3]) / 2;
  const span = Math.max(box[1] - box[0], box[3] - box[2], 1e-6);
  const half = (span * 1.5) / 2;
  return { x: [cx - half, cx + half], y: [cy - half, cy + half] };
}

/** Tick spacing of 1, 2 or 5 times a power of ten, for about `target` ticks over `span`. */
function niceStep(span: number, target = 8): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10) * power;
}

class Canvas {
  readonly pixels: Uint8Array;

  constructor(readonly size: number) {
    this.pixels = new Uint8Array(size * size * 3).fill(WHITE[0]);
  }

  blend(x: number, y: number, color: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.size || y >= this.size) return;
    const at = (y * this.size + x) * 3;
    for (let c = 0; c < 3; c++) this.pixels[at + c] = Math.round(this.pixels[at + c]! * (1 - alpha) + color[c]! * alpha);
  }

  horizontal(y: number, x0: number, x1: number, color: Rgb): void {
    for (let x = x0; x <= x1; x++) this.blend(x, y, color);
  }

  vertical(x: number, y0: number, y1: number, color: Rgb): void {
    for (let y = y0; y <= y1; y++) this.blend(x, y, color);
  }
}

/** A PNG scatter plot of `points` (x, y pairs). Points outside the extent and non-finite ones are not drawn. */
export function scatterPlot(points: Float32Array, options: ScatterPlotOptions = {}): Buffer {
  if (points.length % 2 !== 0) throw new Error(`scatter-plot points are x, y pairs: got ${points.length} values`);
  const size = options.size ?? 512;
  if (!Number.isInteger(size) || size < 16) throw new Error(`a scatter plot is at least 16 pixels wide, got ${size}`);
  const extent = options.extent ?? defaultExtent(points, options.modes);
  const [x0, x1] = extent.x;
  const [y0, y1] = extent.y;
  if (!(x1 > x0) || !(y1 > y0)) throw new Error(`a scatter-plot extent needs min < max: x [${x0}, ${x1}], y [${y0}, ${y1}]`);
  const last = size - 1;
  const column = (x: number) => Math.round(((x - x0) / (x1 - x0)) * last);
  // Rows grow downwards and y upwards.
  const row = (y: number) => Math.round(((y1 - y) / (y1 - y0)) * last);
  const canvas = new Canvas(size);

  // Axes through 0, then ticks along the frame, then the frame itself.
  if (x0 <= 0 && 0 <= x1) canvas.vertical(column(0), 0, last, AXIS);
  if (y0 <= 0 && 0 <= y1) canvas.horizontal(row(0), 0, last, AXIS);
  const tick = Math.max(3, Math.round(size / 100));
  const xStep = niceStep(x1 - x0);
  for (let t = Math.ceil(x0 / xStep) * xStep; t <= x1; t += xStep) {
    canvas.vertical(column(t), last - tick, last, FRAME);
    canvas.vertical(column(t), 0, tick, FRAME);
  }
  const yStep = niceStep(y1 - y0);
  for (let t = Math.ceil(y0 / yStep) * yStep; t <= y1; t += yStep) {
    canvas.horizontal(row(t), 0, tick, FRAME);
    canvas.horizontal(row(t), last - tick, last, FRAME);
  }
  canvas.horizontal(0, 0, last, FRAME);
  canvas.horizontal(last, 0, last, FRAME);
  canvas.vertical(0, 0, last, FRAME);
  canvas.vertical(last, 0, last, FRAME);

  const half = Math.floor(POINT_SIZE / 2);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;
    const cx = column(x);
    const cy = row(y);
    for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) canvas.blend(cx + dx, cy + dy, POINT, POINT_ALPHA);
  }

  for (const [mx, my] of options.modes ?? []) {
    const cx = column(mx);
    const cy = row(my);
    // A 2-pixel-thick cross: visible over a dense cloud of points.
    for (const offset of [0, 1]) {
      canvas.horizontal(cy + offset, cx - MODE_ARM, cx + MODE_ARM + 1, MODE);
      canvas.vertical(cx + offset, cy - MODE_ARM, cy + MODE_ARM + 1, MODE);
    }
  }
  return encodePng(size, size, 3, canvas.pixels);
}
