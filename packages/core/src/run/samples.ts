/**
 * samples/step-NNNNNN.png: what the generator makes of one fixed latent batch, so that
 * pictures from different steps compare like with like. A grid for image data, a scatter
 * plot with the mixture's modes for 2-D data. samples/real.png: the same picture of real
 * data, to set beside them.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { shapeSize, type Plan } from "@gan/plan";
import { mixtureMeans } from "../data/mixtures.js";
import type { DataSource } from "../data/source.js";
import type { Trainer } from "../loop/trainer.js";
import { imageGrid } from "../output/image-grid.js";
import { scatterPlot } from "../output/scatter-plot.js";
import { createRng } from "../random.js";
import { checkpointName } from "./checkpoint.js";
import { writeFileAtomic } from "./files.js";

/** Points in a scatter plot: enough to see every mode of a 25-mode grid, few enough to draw in milliseconds. */
export const SCATTER_SAMPLES = 1000;
/** Tiles in an image grid (8 x 8). */
export const GRID_SAMPLES = 64;
/** A conditional run's grid: one row of this many samples per class, for at most CLASS_ROWS classes. */
export const CLASS_COLUMNS = 8;
export const CLASS_ROWS = 16;

/** The picture of real data in samples/. */
export const REAL_SAMPLES_FILE = "real.png";

export type SampleKind = "scatter" | "grid";

/** How a plan's samples are pictured; undefined for data that is neither 2-D nor an image. */
export function sampleKind(plan: Plan): SampleKind | undefined {
  const shape = plan.data.shape;
  if (shape.length === 1 && shape[0] === 2) return "scatter";
  if (shape.length === 3 && [1, 3, 4].includes(shape[2]!)) return "grid";
  return undefined;
}

/** A PNG of generated samples: a scatter plot with the modes, or an image grid (of `columns`, default square). */
export function renderSamples(plan: Plan, values: Float32Array, columns?: number): Buffer | undefined {
  const kind = sampleKind(plan);
  if (kind === "scatter") {
    const data = plan.data;
    const modes = data.kind === "ring" || data.kind === "grid" ? mixtureMeans(data) : undefined;
    return scatterPlot(values, modes ? { modes } : {});
  }
  if (kind === "grid") {
    const [h, w, c] = plan.data.shape as [number, number, number];
    return imageGrid(values, [h, w, c], plan.data.range ?? plan.data.nativeRange, columns);
  }
  return undefined;
}

/** Examples drawn to fill a class-sorted picture, at most, per tile: a rare class's row may stay partly blank. */
const CLASS_SEARCH_FACTOR = 64;

/**
 * `rows` x `columns` real examples, row r holding examples of class r, from the data's next
 * batches (the caller puts the source's state back). A class with too few examples among the
 * draws leaves the rest of its row at the data's lowest value (black).
 */
export function realExamplesByClass(data: DataSource, rows: number, columns: number): Float32Array {
  const perExample = shapeSize(data.shape);
  const out = new Float32Array(rows * columns * perExample).fill(data.range?.[0] ?? 0);
  const filled = new Array<number>(rows).fill(0);
  let missing = rows * columns;
  const limit = Math.max(rows * columns * CLASS_SEARCH_FACTOR, data.size ?? 0);
  for (let drawn = 0; missing > 0 && drawn < limit; drawn += GRID_SAMPLES) {
    const { examples, labels } = data.nextExamples(GRID_SAMPLES);
    if (!labels) break;
    labels.forEach((label, i) => {
      if (label >= rows || filled[label]! >= columns) return;
      out.set(examples.subarray(i * perExample, (i + 1) * perExample), (label * columns + filled[label]!) * perExample);
      filled[label]!++;
      missing--;
    });
  }
  return out;
}

export class SampleWriter {
  private readonly latent: Float32Array | undefined;
  /** A conditional run's classes for the latent vectors: CLASS_COLUMNS samples of each class, a row each. */
  private readonly classes: Int32Array | undefined;
  private readonly columns: number | undefined;

  constructor(
    private readonly trainer: Trainer,
    private readonly plan: Plan,
    private readonly dir: string,
    /** Told of every generated grid written (TensorBoard's images). */
    private readonly onPicture?: (step: number, png: Buffer) => void,
  ) {
    const kind = sampleKind(plan);
    if (kind) {
      // Its own stream: the same pictures at every step, whatever the training drew.
      const rows = plan.condition && kind === "grid" ? Math.min(plan.condition.classes, CLASS_ROWS) : undefined;
      const count = rows !== undefined ? rows * CLASS_COLUMNS : kind === "scatter" ? SCATTER_SAMPLES : GRID_SAMPLES;
      const rng = createRng(plan.train.seed).split("samples");
      this.latent = trainer.sampleLatent(count, rng);
      if (rows !== undefined) {
        this.classes = Int32Array.from({ length: count }, (_, i) => Math.floor(i / CLASS_COLUMNS));
        this.columns = CLASS_COLUMNS;
      } else this.classes = trainer.sampleFakeClasses(count, rng);
    }
  }

  /**
   * Writes samples/real.png, as many real examples pictured as the generated ones, unless it
   * is there already (a resumed run). The examples are the next batch of the training data;
   * the source's state is put back after, so training sees the batches it would have seen.
   */
  writeReal(): string | undefined {
    if (!this.latent) return undefined;
    const file = path.join(this.dir, REAL_SAMPLES_FILE);
    if (existsSync(file)) return file;
    const data = this.trainer.data;
    const state = data.getState();
    const count = this.latent.length / this.plan.latent.size;
    // A conditional run's grid has a row per class: real examples sorted the same way.
    const real = this.columns !== undefined ? realExamplesByClass(data, count / this.columns, this.columns) : data.nextBatch(count);
    data.setState(state);
    const png = renderSamples(this.plan, real, this.columns);
    if (!png) return undefined;
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(file, png);
    return file;
  }

  /** Writes samples/step-NNNNNN.png for `step` steps done; returns its path (undefined for data that cannot be pictured). */
  write(step: number): string | undefined {
    if (!this.latent) return undefined;
    const png = renderSamples(this.plan, this.trainer.generate(this.latent, this.classes), this.columns);
    if (!png) return undefined;
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${checkpointName(step)}.png`);
    writeFileAtomic(file, png);
    this.onPicture?.(step, png);
    return file;
  }
}
