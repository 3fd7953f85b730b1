/**
 * The loader of `images` data: a folder of PNG, JPEG and WebP files (listed by
 * image-listing.ts), decoded once into a cache file (image-cache.ts) and served from it a
 * batch at a time (image-set.ts), so that a folder of any size trains in bounded memory.
 */
import path from "node:path";
import type { DataClasses, ImagesData } from "@gan/plan";
import { DataError, displayPath } from "./data-error.js";
import { buildImageCache, imageCacheDir, imageCacheKey, readImageCache } from "./image-cache.js";
import { parseColour, readImageHeader, type ImageDecodeOptions, type ImageHeader } from "./image-decode.js";
import { listImages, type BadFile, type ImageListing } from "./image-listing.js";
import { CacheImageStore, ImageSetSource } from "./image-set.js";
import { checkClasses, checkShape, formatShape, type DataLoader } from "./source.js";

type ImagesFields = Omit<ImagesData, "shape">;

/** Folders of at least this many images are announced before they are decoded (a few seconds' work and more). */
const ANNOUNCED_DECODE = 1000;

/** Channels an image is read with when the spec does not say: alpha is dropped, colour kept. */
function naturalChannels(header: ImageHeader): 1 | 3 {
  return header.color ? 3 : 1;
}

/** Files that are not images by name: the first stops the run, or all are noted and passed over. */
function badFilesOf(listing: ImageListing, onBadFile: "stop" | "skip"): BadFile[] {
  const [first] = listing.notImages;
  if (first !== undefined && onBadFile === "stop") throw new DataError(first.file, `${first.reason} (onBadFile: "skip" passes over such files)`);
  return listing.notImages.map((bad) => ({ file: path.relative(listing.dir, bad.file), reason: bad.reason }));
}

/** The header of the first image that has one (a bad one stops, or is passed over). */
async function firstHeader(listing: ImageListing, onBadFile: "stop" | "skip"): Promise<ImageHeader> {
  let problem: DataError | undefined;
  for (const file of listing.files) {
    try {
      return await readImageHeader(file);
    } catch (error) {
      if (!(error instanceof DataError) || onBadFile === "stop") throw error;
      problem ??= error;
    }
  }
  throw new DataError(listing.dir, `none of its ${listing.files.length} images can be read (the first: ${problem?.message})`);
}

/**
 * Without `size` nothing is resized, so every image must have the first one's size: checked on
 * the headers (no pixel is decoded) when the spec is checked, as the legacy PNG folders were.
 */
async function checkOneSize(listing: ImageListing, first: ImageHeader, onBadFile: "stop" | "skip"): Promise<void> {
  if (onBadFile === "skip") return;
  for (const file of listing.files) {
    const header = await readImageHeader(file);
    if (header.width !== first.width || header.height !== first.height) {
      throw new DataError(
        file,
        `${header.width}x${header.height} pixels, but ${displayPath(first.file)} (the first image) is ${first.width}x${first.height}: give the data a size, size: [${first.height}, ${first.width}], to resize them all`,
      );
    }
  }
}

/** [height, width, channels] of the images as served: the spec's size and channels, else the first image's. */
async function servedShape(data: ImagesFields, listing: ImageListing, onBadFile: "stop" | "skip", checkSizes: boolean): Promise<[number, number, number]> {
  if (data.size !== undefined && data.channels !== undefined) return [data.size[0], data.size[1], data.channels];
  const first = await firstHeader(listing, onBadFile);
  if (data.size === undefined && checkSizes) await checkOneSize(listing, first, onBadFile);
  const [height, width] = data.size ?? [first.height, first.width];
  return [height, width, data.channels ?? naturalChannels(first)];
}

function decodeOptions(data: ImagesFields, shape: readonly [number, number, number]): ImageDecodeOptions {
  return {
    ...(data.size !== undefined && { size: data.size }),
    crop: data.size === undefined ? "center" : (data.crop ?? "center"),
    resize: data.resize ?? "area",
    channels: shape[2] as 1 | 3 | 4,
    background: parseColour(data.background ?? "#000000"),
  };
}

/** The classes of the images that were kept (skipped files take their labels with them). */
function keptClasses(classes: DataClasses | undefined, labels: Int32Array | null): DataClasses | undefined {
  if (classes === undefined || labels === null) return classes;
  const counts = new Array<number>(classes.names.length).fill(0);
  for (const label of labels) counts[label]!++;
  return { ...classes, counts };
}

export const imagesLoader: DataLoader<ImagesData> = {
  async readFacts(data) {
    const onBadFile = data.onBadFile ?? "stop";
    const listing = await listImages(data.dir, data.classes);
    badFilesOf(listing, onBadFile);
    const shape = await servedShape(data, listing, onBadFile, true);
    return { shape, ...(listing.classes !== undefined && { classes: listing.classes }) };
  },

  async open(data, options) {
    const onBadFile = options.onBadFile ?? data.onBadFile;
    const listing = await listImages(data.dir, data.classes);
    checkClasses(data, listing.classes?.file ?? data.dir, listing.classes);
    const skipped = badFilesOf(listing, onBadFile);
    // A plan compiled from a spec has the channels in its shape; a flattened shape ([h * w * c]) says nothing of them.
    const channels = data.channels ?? (data.shape.length === 3 ? (data.shape[2] as 1 | 3 | 4) : undefined);
    // The folder's image sizes are checked as the cache is built (a different one is a bad file).
    const shape = await servedShape({ ...data, ...(channels !== undefined && { channels }) }, listing, onBadFile, false);
    checkShape(data, data.dir, shape);
    const decode = decodeOptions(data, shape);
    const key = await imageCacheKey(listing, decode);
    const file = path.join(imageCacheDir(), `${key}.cache`);
    let cache = readImageCache(file, key);
    if (cache === undefined) {
      // A large folder takes minutes: say so before, not only after.
      if (listing.files.length >= ANNOUNCED_DECODE) options.progress?.(`decoding ${listing.files.length} images of ${displayPath(data.dir)} (once: later runs read them from the cache)`);
      const started = performance.now();
      cache = await buildImageCache(listing, decode, key, file, { stopOnBadFile: onBadFile === "stop" });
      options.progress?.(`decoded ${cache.count} of ${listing.files.length} images of ${displayPath(data.dir)} in ${((performance.now() - started) / 1000).toFixed(1)} s into ${displayPath(file)}`);
    }
    const [firstSkipped] = cache.skipped;
    // A cache built while skipping holds the files it passed over: a run that stops on them stops here.
    if (firstSkipped !== undefined && onBadFile === "stop") {
      throw new DataError(path.join(data.dir, firstSkipped.file), `${firstSkipped.reason} (onBadFile: "skip" passes over such files)`);
    }
    skipped.push(...cache.skipped);
    const labels = listing.labels === null ? null : Int32Array.from(cache.sourceIndex, (index) => listing.labels![index]!);
    const classes = keptClasses(listing.classes, labels);
    const notes = skipped.map((bad) => `skipped ${bad.file}: ${bad.reason}`);
    if (skipped.length > 0) notes.push(`skipped ${skipped.length} of ${listing.files.length + listing.notImages.length} files of ${displayPath(data.dir)}`);
    return new ImageSetSource(data, options.rng, {
      store: new CacheImageStore(cache),
      shape,
      crop: data.crop,
      labels,
      ...(classes !== undefined && { classes }),
      origin: `${cache.count} image${cache.count === 1 ? "" : "s"} of ${formatShape(shape)} from ${displayPath(data.dir)} (decoded once into ${displayPath(file)})`,
      notes,
    });
  },
};
