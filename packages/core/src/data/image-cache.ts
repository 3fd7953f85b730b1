/**
 * The cache of an images folder's decoded, resized images: one file per folder content and
 * decode options, so that only the first run (and its first epoch) decodes; every later epoch
 * and run reads bytes. It lives in GAN_CACHE_DIR, else $XDG_CACHE_HOME/gan, else ~/.cache/gan
 * (under images/), named by the key, the SHA-256 of every image's name and bytes and of the
 * decode options: a changed, added or removed image, or another size, gives another file.
 *
 * Layout, written front to back in one pass so that memory stays bounded whatever the folder's
 * size: the images' bytes one after another; an index of (height, width, position in the
 * listing) per image as little-endian uint32; a JSON header (key, channels, the files skipped
 * and why); then 16 bytes: the index's offset (float64), the header's length (uint32) and the
 * magic "GIC1". It is written to a temporary file and renamed, so a cache file is complete or
 * absent; one that does not read back as expected is decoded again, never trusted.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataError } from "./data-error.js";
import { decodeImage, readImageBytes, type DecodedImage, type ImageDecodeOptions } from "./image-decode.js";
import type { BadFile, ImageListing } from "./image-listing.js";

const MAGIC = 0x31434947; // "GIC1", little-endian
const TRAILER_BYTES = 16;
const INDEX_WORDS = 3;
/** Images decoded at once: sharp decodes on libuv's threads while the previous ones are written. */
const DECODE_AHEAD = 4;
const FORMAT_VERSION = 1;

export interface ImageCache {
  file: string;
  channels: number;
  count: number;
  height: Uint32Array;
  width: Uint32Array;
  /** Where each image's bytes start in the file. */
  offset: Float64Array;
  /** Each image's position in the folder's listing (skipped files leave gaps). */
  sourceIndex: Uint32Array;
  /** Files that could not be decoded, with why. */
  skipped: BadFile[];
}

/** The folder caches are written in. */
export function imageCacheDir(): string {
  const base = process.env.GAN_CACHE_DIR || (process.env.XDG_CACHE_HOME ? path.join(process.env.XDG_CACHE_HOME, "gan") : path.join(os.homedir(), ".cache", "gan"));
  return path.join(base, "images");
}

/** The SHA-256 of the decode options and of every image's path (relative to the folder) and bytes. */
export async function imageCacheKey(listing: ImageListing, options: ImageDecodeOptions): Promise<string> {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ version: FORMAT_VERSION, ...options }));
  for (const file of listing.files) {
    const bytes = await readImageBytes(file);
    hash.update(`\0${path.relative(listing.dir, file)}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const read = readSync(fd, buffer, filled, length - filled, position + filled);
    if (read === 0) throw new Error("the cache file ends early");
    filled += read;
  }
  return buffer;
}

/** The cache at `file` for `key`, or undefined when it is absent or does not read back as written. */
export function readImageCache(file: string, key: string): ImageCache | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = statSync(file).size;
    if (size < TRAILER_BYTES) return undefined;
    const trailer = readExactly(fd, TRAILER_BYTES, size - TRAILER_BYTES);
    const indexAt = trailer.readDoubleLE(0);
    const headerBytes = trailer.readUInt32LE(8);
    if (trailer.readUInt32LE(12) !== MAGIC || !Number.isSafeInteger(indexAt) || indexAt < 0) return undefined;
    const header = JSON.parse(readExactly(fd, headerBytes, size - TRAILER_BYTES - headerBytes).toString("utf8")) as {
      key: string;
      count: number;
      channels: number;
      skipped: BadFile[];
    };
    if (header.key !== key || indexAt + header.count * INDEX_WORDS * 4 + headerBytes + TRAILER_BYTES !== size) return undefined;
    const words = readExactly(fd, header.count * INDEX_WORDS * 4, indexAt);
    const cache: ImageCache = {
      file,
      channels: header.channels,
      count: header.count,
      height: new Uint32Array(header.count),
      width: new Uint32Array(header.count),
      offset: new Float64Array(header.count),
      sourceIndex: new Uint32Array(header.count),
      skipped: header.skipped,
    };
    let at = 0;
    for (let i = 0; i < header.count; i++) {
      cache.height[i] = words.readUInt32LE(12 * i);
      cache.width[i] = words.readUInt32LE(12 * i + 4);
      cache.sourceIndex[i] = words.readUInt32LE(12 * i + 8);
      cache.offset[i] = at;
      at += cache.height[i]! * cache.width[i]! * header.channels;
    }
    return at === indexAt ? cache : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export interface BuildOptions {
  /** Stop at the first file that cannot be decoded (its DataError), instead of skipping it. */
  stopOnBadFile: boolean;
  /** Called after each image, for progress. */
  onImage?: (done: number, total: number) => void;
}

/** Images of a folder without `size` must all have the first one's size (nothing is resized). */
function sizeProblem(image: DecodedImage, first: DecodedImage | undefined, firstFile: string | undefined): string | undefined {
  if (first === undefined || (image.height === first.height && image.width === first.width)) return undefined;
  return `${image.width}x${image.height} pixels, but ${path.basename(firstFile!)} (the first image) is ${first.width}x${first.height}: give the data a size, size: [${first.height}, ${first.width}], to resize them all`;
}

/** Decodes every image of the listing into a new cache file at `file` (written whole, then renamed into place). */
export async function buildImageCache(listing: ImageListing, options: ImageDecodeOptions, key: string, file: string, build: BuildOptions): Promise<ImageCache> {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = openSync(temporary, "w");
  const kept: { height: number; width: number; sourceIndex: number }[] = [];
  const skipped: BadFile[] = [];
  let written = 0;
  const write = (bytes: Uint8Array) => {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    written += bytes.length;
  };
  try {
    let first: DecodedImage | undefined;
    let firstFile: string | undefined;
    const files = listing.files;
    for (let start = 0; start < files.length; start += DECODE_AHEAD) {
      const batch = files.slice(start, start + DECODE_AHEAD);
      const results = await Promise.allSettled(batch.map((image) => decodeImage(image, options)));
      for (const [i, result] of results.entries()) {
        const image = batch[i]!;
        const problem =
          result.status === "rejected"
            ? result.reason instanceof DataError
              ? result.reason.reason
              : undefined
            : options.size === undefined
              ? sizeProblem(result.value, first, firstFile)
              : undefined;
        if (result.status === "rejected" && problem === undefined) throw result.reason;
        if (problem !== undefined) {
          if (build.stopOnBadFile) throw new DataError(image, problem);
          skipped.push({ file: path.relative(listing.dir, image), reason: problem });
          continue;
        }
        const decoded = (result as PromiseFulfilledResult<DecodedImage>).value;
        if (first === undefined) [first, firstFile] = [decoded, image];
        write(decoded.bytes);
        kept.push({ height: decoded.height, width: decoded.width, sourceIndex: start + i });
      }
      build.onImage?.(Math.min(start + DECODE_AHEAD, files.length), files.length);
    }
    if (kept.length === 0) throw new DataError(listing.dir, `none of its ${files.length} images could be decoded (the first: ${skipped[0]?.file}: ${skipped[0]?.reason})`);
    const indexAt = written;
    const index = Buffer.alloc(kept.length * INDEX_WORDS * 4);
    kept.forEach((entry, i) => {
      index.writeUInt32LE(entry.height, 12 * i);
      index.writeUInt32LE(entry.width, 12 * i + 4);
      index.writeUInt32LE(entry.sourceIndex, 12 * i + 8);
    });
    write(index);
    const header = Buffer.from(JSON.stringify({ format: "gan image cache", version: FORMAT_VERSION, key, count: kept.length, channels: options.channels, skipped }), "utf8");
    write(header);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeDoubleLE(indexAt, 0);
    trailer.writeUInt32LE(header.length, 8);
    trailer.writeUInt32LE(MAGIC, 12);
    write(trailer);
    closeSync(fd);
    renameSync(temporary, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed before the rename failed.
    }
    rmSync(temporary, { force: true });
    throw error;
  }
  const cache = readImageCache(file, key);
  if (cache === undefined) throw new Error(`the image cache ${file} did not read back as it was written`);
  return cache;
}
