/**
 * A folder of PNG images of one size, decoded with pngjs into one block of bytes.
 *
 * Files are taken in code-point order of their names so that the same folder gives the same
 * dataset (and, with the same seed, the same batches) on every machine. Hidden files
 * (.DS_Store) and sub-folders are skipped; any other file must be a PNG, so that a stray
 * JPEG is reported rather than silently left out of the training set.
 */
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PNG, type PNGWithMetadata } from "pngjs";
import { DataError, displayPath, fileSystemError } from "./data-error.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngFolder {
  dir: string;
  files: string[];
  count: number;
  /** [height, width, channels] of every image as stored in `pixels`. */
  shape: [number, number, number];
  pixels: Uint8Array;
}

/** The PNG files of `dir`, sorted, after checking that nothing else is there. */
export async function listPngFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw fileSystemError(dir, error, "folder");
  }
  const names = entries
    .filter((entry) => !entry.name.startsWith(".") && !entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const other = names.find((name) => path.extname(name).toLowerCase() !== ".png");
  if (other !== undefined) {
    throw new DataError(path.join(dir, other), "not a PNG file: an images folder may hold only .png files");
  }
  if (names.length === 0) throw new DataError(dir, "no PNG files in the folder");
  return names.map((name) => path.join(dir, name));
}

async function decodePng(file: string): Promise<PNGWithMetadata> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw fileSystemError(file, error);
  }
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((byte, i) => bytes[i] !== byte)) {
    throw new DataError(file, "not a PNG image (its first bytes are not the PNG signature)");
  }
  try {
    return PNG.sync.read(bytes);
  } catch (error) {
    throw new DataError(file, `a damaged PNG image: ${(error as Error).message}`);
  }
}

/** Channels an image is read with when the plan does not say: alpha is dropped, colour kept. */
export function naturalChannels(png: { color: boolean }): 1 | 3 {
  return png.color ? 3 : 1;
}

/** [height, width, channels] of the folder's first image, after checking the folder's listing. */
export async function readPngFolderShape(dir: string): Promise<[number, number, number]> {
  const files = await listPngFiles(dir);
  const first = await decodePng(files[0]!);
  return [first.height, first.width, naturalChannels(first)];
}

/**
 * Converts decoded RGBA bytes to `channels` (1, 3 or 4). Transparency is composited onto
 * black for 1 and 3 channels, so a transparent background reads as the darkest value
 * rather than as whatever colour the encoder left under it. Colour becomes grey by the
 * ITU-R BT.601 luma weights.
 */
function convertPixels(rgba: Uint8Array, pixelCount: number, channels: number, out: Uint8Array, offset: number): void {
  if (channels === 4) {
    out.set(rgba.subarray(0, pixelCount * 4), offset);
    return;
  }
  for (let p = 0; p < pixelCount; p++) {
    const alpha = rgba[4 * p + 3]! / 255;
    const r = rgba[4 * p]! * alpha;
    const g = rgba[4 * p + 1]! * alpha;
    const b = rgba[4 * p + 2]! * alpha;
    if (channels === 1) {
      out[offset + p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[offset + 3 * p] = Math.round(r);
      out[offset + 3 * p + 1] = Math.round(g);
      out[offset + 3 * p + 2] = Math.round(b);
    }
  }
}

/** Decodes every image of `dir` into `channels` channels (default: grey or RGB as the first image is). */
export async function readPngFolder(dir: string, channels?: number): Promise<PngFolder> {
  if (channels !== undefined && channels !== 1 && channels !== 3 && channels !== 4) {
    throw new DataError(dir, `images can be read with 1, 3 or 4 channels, not ${channels}`);
  }
  const files = await listPngFiles(dir);
  const first = await decodePng(files[0]!);
  const height = first.height;
  const width = first.width;
  const depth = channels ?? naturalChannels(first);
  const imageBytes = height * width * depth;
  const pixels = new Uint8Array(files.length * imageBytes);
  for (let i = 0; i < files.length; i++) {
    const png = i === 0 ? first : await decodePng(files[i]!);
    if (png.width !== width || png.height !== height) {
      throw new DataError(
        files[i]!,
        `${png.width}x${png.height} pixels, but ${displayPath(files[0]!)} (the first image) is ${width}x${height}: all images of a folder must have one size`,
      );
    }
    convertPixels(png.data, width * height, depth, pixels, i * imageBytes);
  }
  return { dir, files, count: files.length, shape: [height, width, depth], pixels };
}
