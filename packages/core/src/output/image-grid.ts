/** A grid of image samples as one PNG: what `samples/step-NNNNNN.png` shows for image data. */
import { encodePng } from "./png.js";

/** Gap between tiles and around the grid, in pixels. */
const BORDER = 2;
/** Mid grey: distinct from both the black background and the white strokes of MNIST-like samples. */
const BORDER_VALUE = 128;

export interface ImageGridLayout {
  columns: number;
  rows: number;
  width: number;
  height: number;
}

/** Where tiles go: `columns` (default: the smallest square that holds every sample) and the image size. */
export function imageGridLayout(count: number, tile: [number, number], columns?: number): ImageGridLayout {
  const cols = Math.max(1, Math.min(count, columns ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.max(1, Math.ceil(count / cols));
  return {
    columns: cols,
    rows,
    width: cols * tile[1] + (cols + 1) * BORDER,
    height: rows * tile[0] + (rows + 1) * BORDER,
  };
}

/** The [lo, hi] of the finite values (a range for data the plan leaves unbounded). */
function finiteExtent(values: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/**
 * A PNG of `samples` (count * h * w * c values, sample after sample, channels last) in a grid
 * of `columns` with a 2-pixel grey border. Values are mapped from `range` to 0..255 and
 * clamped (a generator's tanh output in [-1, 1], say); with a null range, from the samples'
 * own minimum and maximum. NaN draws as 0. Channels: 1 grey, 3 RGB, 4 RGBA.
 */
export function imageGrid(
  samples: Float32Array,
  shape: [number, number, number],
  range: [number, number] | null,
  columns?: number,
): Buffer {
  const [height, width, channels] = shape;
  const perSample = height * width * channels;
  if (perSample === 0 || samples.length === 0 || samples.length % perSample !== 0) {
    throw new Error(`${samples.length} values are not a whole number of ${height}x${width}x${channels} samples`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`image samples have 1, 3 or 4 channels, not ${channels}`);
  const count = samples.length / perSample;
  const layout = imageGridLayout(count, [height, width], columns);
  const [lo, hi] = range ?? finiteExtent(samples);
  const scale = 255 / (hi - lo);
  const pixels = new Uint8Array(layout.width * layout.height * channels);
  pixels.fill(BORDER_VALUE);
  for (let s = 0; s < count; s++) {
    const top = BORDER + Math.floor(s / layout.columns) * (height + BORDER);
    const left = BORDER + (s % layout.columns) * (width + BORDER);
    for (let y = 0; y < height; y++) {
      const source = s * perSample + y * width * channels;
      const target = ((top + y) * layout.width + left) * channels;
      for (let k = 0; k < width * channels; k++) {
        const byte = Math.round((samples[source + k]! - lo) * scale);
        // NaN compares false with everything and falls through to 0.
        pixels[target + k] = byte >= 255 ? 255 : byte > 0 ? byte : 0;
      }
    }
  }
  return encodePng(layout.width, layout.height, channels, pixels);
}
