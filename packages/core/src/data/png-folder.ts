/**
 * A folder of PNG images of one size, decoded with pngjs into one block of bytes.
 *
 * Files are taken in code-point order of their names so that the same folder gives the same
 * dataset (and, with the same seed, the same batches) on every machine. Hidden files
 * (.DS_Store) and sub-folders are skipped; any other file must be a PNG, so that a stray
 * JPEG is reported rather than silently left out of the training set.
 */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { formatBytes } from "@gan/plan";
import { PNG, type PNGWithMetadata } from "pngjs";
import { openInputFile, readInputFile, readRange } from "../input-file.js";
import { DataError, dataFileOptions, displayPath, fileSystemError, MAX_DATA_BYTES } from "./data-error.js";

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

/** The most bytes one PNG file may have: far more than any training image, far less than memory. */
const MAX_PNG_FILE_BYTES = 256 * 1024 * 1024;
/** Signature (8 bytes), IHDR length and type (8), width, height, bit depth and colour type. */
const PNG_HEADER_BYTES = 26;

/** What a PNG's IHDR says, read without decoding the image. */
export interface PngHeader {
  file: string;
  width: number;
  height: number;
  /** True for RGB, RGBA and palette images; false for grey (with or without alpha). */
  color: boolean;
}

function checkSignature(file: string, bytes: Uint8Array): void {
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((byte, i) => bytes[i] !== byte)) {
    throw new DataError(file, "not a PNG image (its first bytes are not the PNG signature)");
  }
}

function parseHeader(file: string, bytes: Uint8Array): PngHeader {
  checkSignature(file, bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < PNG_HEADER_BYTES || view.getUint32(12) !== 0x49484452 /* "IHDR" */) {
    throw new DataError(file, "a damaged PNG image: it does not start with an IHDR chunk");
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  // Decoding holds 4 bytes a pixel: a header that promises more than memory is refused first.
  if (width === 0 || height === 0 || width * height * 4 > MAX_DATA_BYTES) {
    throw new DataError(file, `a PNG image of ${width}x${height} pixels: images must have between 1 and ${Math.floor(MAX_DATA_BYTES / 4)} pixels`);
  }
  return { file, width, height, color: (bytes[25]! & 2) !== 0 };
}

/** The IHDR of a PNG file: its size and colour, from its first bytes. */
export async function readPngHeader(file: string): Promise<PngHeader> {
  const { handle, size } = await openInputFile(file, dataFileOptions("PNG image", MAX_PNG_FILE_BYTES));
  try {
    return parseHeader(file, await readRange(handle, 0, Math.min(size, PNG_HEADER_BYTES)));
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw fileSystemError(file, error);
  } finally {
    await handle.close();
  }
}

async function decodePng(file: string): Promise<PNGWithMetadata> {
  const bytes = await readInputFile(file, dataFileOptions("PNG image", MAX_PNG_FILE_BYTES));
  parseHeader(file, bytes);
  try {
    return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new DataError(file, `a damaged PNG image: ${(error as Error).message}`);
  }
}

/** Channels an image is read with when the plan does not say: alpha is dropped, colour kept. */
export function naturalChannels(png: { color: boolean }): 1 | 3 {
  return png.color ? 3 : 1;
}

/**
 * The headers of every image of `dir` after checking that they share one size, without
 * decoding any: what `gan check` reads to know that training will accept the folder.
 */
export async function readPngFolderHeaders(dir: string): Promise<PngHeader[]> {
  const files = await listPngFiles(dir);
  const headers: PngHeader[] = [];
  // One at a time: a folder of 60,000 images must not open 60,000 files at once.
  for (const file of files) headers.push(await readPngHeader(file));
  const first = headers[0]!;
  const other = headers.find((header) => header.width !== first.width || header.height !== first.height);
  if (other !== undefined) {
    throw new DataError(
      other.file,
      `${other.width}x${other.height} pixels, but ${displayPath(first.file)} (the first image) is ${first.width}x${first.height}: all images of a folder must have one size`,
    );
  }
  return headers;
}

/** [height, width, channels] of the folder's images, after checking the folder's listing and every image's size. */
export async function readPngFolderShape(dir: string): Promise<[number, number, number]> {
  const [first] = await readPngFolderHeaders(dir);
  return [first!.height, first!.width, naturalChannels(first!)];
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
  // Every header first: a folder of mixed sizes, or one too large to hold, is refused before
  // anything is decoded or allocated.
  const headers = await readPngFolderHeaders(dir);
  const files = headers.map((header) => header.file);
  const { height, width } = headers[0]!;
  const depth = channels ?? naturalChannels(headers[0]!);
  const imageBytes = height * width * depth;
  if (files.length * imageBytes > MAX_DATA_BYTES) {
    throw new DataError(
      dir,
      `${files.length} images of ${height}x${width}x${depth} are ${formatBytes(files.length * imageBytes)}, more than a data set may hold in memory (${formatBytes(MAX_DATA_BYTES)})`,
    );
  }
  const pixels = new Uint8Array(files.length * imageBytes);
  for (let i = 0; i < files.length; i++) {
    const png = await decodePng(files[i]!);
    // The header was read a moment ago; a file rewritten since must not be copied out of bounds.
    if (png.width !== width || png.height !== height) throw new DataError(files[i]!, `changed while it was read: now ${png.width}x${png.height} pixels, was ${width}x${height}`);
    convertPixels(png.data, width * height, depth, pixels, i * imageBytes);
  }
  return { dir, files, count: files.length, shape: [height, width, depth], pixels };
}
