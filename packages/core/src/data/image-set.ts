/**
 * A finite set of 8-bit images served in shuffled epochs (epoch-order.ts), whatever holds their
 * bytes: memory (MNIST, IDX files) or an images folder's cache file, read a batch at a time so
 * that memory stays bounded for any number of images. A random crop is drawn from a stream
 * split off by the example's epoch and position, so that a resumed run draws the same windows.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { Data, DataClasses } from "@gan/plan";
import type { Rng } from "../random.js";
import { DataError } from "./data-error.js";
import { EpochOrder, EpochOrderedSource } from "./epoch-order.js";
import type { ImageCache } from "./image-cache.js";
import type { Range } from "./range.js";
import { checkBatch, rangeMapFor, type DataBatch, type DataSource } from "./source.js";

const IMAGE_NATIVE_RANGE: Range = [0, 1];

/** One stored image: its bytes ([height, width, channels]) and size. */
export interface StoredImage {
  bytes: Uint8Array;
  height: number;
  width: number;
}

/** Where a set's images are kept. `open` and `close` bracket the reads of one batch. */
export interface ImageStore {
  readonly count: number;
  open(): void;
  read(index: number): StoredImage;
  close(): void;
}

/** Images of one shape in one block of memory. */
export class MemoryImageStore implements ImageStore {
  readonly count: number;
  private readonly imageBytes: number;

  constructor(
    private readonly pixels: Uint8Array,
    private readonly shape: readonly [number, number, number],
  ) {
    this.imageBytes = shape[0] * shape[1] * shape[2];
    this.count = pixels.length / this.imageBytes;
  }

  open(): void {}
  close(): void {}

  read(index: number): StoredImage {
    const start = index * this.imageBytes;
    return { bytes: this.pixels.subarray(start, start + this.imageBytes), height: this.shape[0], width: this.shape[1] };
  }
}

/** Images of an images folder's cache file, read one at a time into a buffer reused for each. */
export class CacheImageStore implements ImageStore {
  readonly count: number;
  private fd: number | undefined;
  private buffer: Uint8Array;

  constructor(private readonly cache: ImageCache) {
    this.count = cache.count;
    let largest = 0;
    for (let i = 0; i < cache.count; i++) largest = Math.max(largest, cache.height[i]! * cache.width[i]! * cache.channels);
    this.buffer = new Uint8Array(largest);
  }

  open(): void {
    try {
      this.fd = openSync(this.cache.file, "r");
    } catch (error) {
      throw new DataError(this.cache.file, `the image cache cannot be read any more (${(error as Error).message}): run again to decode the folder anew`);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  read(index: number): StoredImage {
    const height = this.cache.height[index]!;
    const width = this.cache.width[index]!;
    const length = height * width * this.cache.channels;
    let filled = 0;
    while (filled < length) {
      const read = readSync(this.fd!, this.buffer, filled, length - filled, this.cache.offset[index]! + filled);
      if (read === 0) throw new DataError(this.cache.file, "the image cache was cut short while training read it: run again to decode the folder anew");
      filled += read;
    }
    return { bytes: this.buffer.subarray(0, length), height, width };
  }
}

export interface ImageSet {
  store: ImageStore;
  /** [height, width, channels] of an example as served. */
  shape: readonly [number, number, number];
  /** How a stored image larger than `shape` is cropped to it. */
  crop: "center" | "random";
  labels: Int32Array | null;
  classes?: DataClasses;
  origin: string;
  /** Lines for the run's log about the set (files skipped). */
  notes?: string[];
}

export class ImageSetSource extends EpochOrderedSource implements DataSource {
  readonly kind: Data["kind"];
  readonly shape: number[];
  readonly size: number;
  readonly range: Range | null;
  readonly labels: Int32Array | null;
  readonly classes: DataClasses | undefined;
  readonly notes: string[];
  private readonly set: ImageSet;
  private readonly valuesPerExample: number;
  /** Float value of each byte, already in the target range: one lookup per pixel. */
  private readonly byteValues: Float32Array;
  protected readonly order: EpochOrder;

  constructor(
    data: Data,
    private readonly rng: Rng,
    set: ImageSet,
  ) {
    super();
    this.kind = data.kind;
    // The plan's shape: the loader made sure it holds the same values, possibly flattened.
    this.shape = [...data.shape];
    this.set = set;
    this.size = set.store.count;
    this.labels = set.labels;
    this.classes = set.classes;
    this.notes = set.notes ?? [];
    this.valuesPerExample = set.shape[0] * set.shape[1] * set.shape[2];
    const map = rangeMapFor(data, IMAGE_NATIVE_RANGE);
    this.range = map.target;
    this.byteValues = Float32Array.from({ length: 256 }, (_, byte) => map.apply(byte / 255));
    this.order = new EpochOrder(rng, this.size);
  }

  nextBatch(batch: number, out?: Float32Array): Float32Array {
    return this.nextExamples(batch, out).examples;
  }

  nextExamples(batch: number, out?: Float32Array): DataBatch {
    const values = checkBatch(batch, this.valuesPerExample, out);
    const labels = this.labels === null ? undefined : new Int32Array(batch);
    const [height, width, channels] = this.set.shape;
    const rowValues = width * channels;
    const store = this.set.store;
    store.open();
    try {
      for (let i = 0; i < batch; i++) {
        const index = this.order.next();
        const image = store.read(index);
        const [top, left] = this.cropCorner(image, height, width, `${this.order.epoch}/${this.order.position - 1}`);
        if (labels !== undefined) labels[i] = this.labels![index]!;
        const offset = i * this.valuesPerExample;
        for (let y = 0; y < height; y++) {
          const from = ((top + y) * image.width + left) * channels;
          const to = offset + y * rowValues;
          for (let k = 0; k < rowValues; k++) values[to + k] = this.byteValues[image.bytes[from + k]!]!;
        }
      }
    } finally {
      store.close();
    }
    return labels === undefined ? { examples: values } : { examples: values, labels };
  }

  /** Top-left corner of the window served from a stored image at least as large as the example. */
  private cropCorner(image: StoredImage, height: number, width: number, drawLabel: string): [number, number] {
    const spareRows = image.height - height;
    const spareColumns = image.width - width;
    if (spareRows === 0 && spareColumns === 0) return [0, 0];
    if (this.set.crop === "center") return [Math.floor(spareRows / 2), Math.floor(spareColumns / 2)];
    // A child of the stream's key, which a restored state brings back with it.
    const draw = this.rng.split(`crop ${drawLabel}`);
    return [draw.int(spareRows + 1), draw.int(spareColumns + 1)];
  }

  describe(): string {
    return this.describeSet(this.set.origin, this.classes === undefined ? "" : `, ${this.classes.names.length} classes`);
  }
}
