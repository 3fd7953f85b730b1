/**
 * One image file -> the bytes an `images` source serves: decoded by sharp (PNG, JPEG, WebP;
 * EXIF orientation applied), transparency composited onto the spec's background colour,
 * scaled so that its shorter side fits (resize.ts) and centre-cropped, converted to the
 * spec's channels, rounded to bytes once at the end.
 *
 * sharp is imported on first use: the compiler and `gan check` of a spec without images never
 * load its native library.
 */
import { readInputFile } from "../input-file.js";
import { DataError, dataFileOptions, MAX_DATA_BYTES } from "./data-error.js";
import { coverSize, resizeImage, type FloatImage, type ResizeMethod } from "./resize.js";

/** The most bytes one image file may have: far more than any training image, far less than memory. */
const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;
/** Formats an images folder reads (sharp reads more, such as SVG and TIFF, that a data set should not hold). */
const READABLE_FORMATS = new Set(["png", "jpeg", "webp"]);

type Sharp = typeof import("sharp").default;
let sharpModule: Promise<Sharp> | undefined;
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((module) => module.default);
  return sharpModule;
}

export interface ImageDecodeOptions {
  /** [height, width] to bring the image to; absent: kept as it is. */
  size?: readonly [number, number];
  /** center: crop to `size` here; random: keep the whole scaled image, to be cropped when served. */
  crop: "center" | "random";
  resize: ResizeMethod;
  channels: 1 | 3 | 4;
  /** Composited under transparent pixels (for 1 and 3 channels): [r, g, b] in 0..255. */
  background: readonly [number, number, number];
}

export interface DecodedImage {
  height: number;
  width: number;
  channels: number;
  /** height * width * channels bytes, row-major, channels last. */
  bytes: Uint8Array;
}

/** What an image's header says, without decoding its pixels. */
export interface ImageHeader {
  file: string;
  width: number;
  height: number;
  /** True for colour images (RGB, RGBA, palette); false for grey with or without alpha. */
  color: boolean;
}

/** `#rrggbb` as [r, g, b]. */
export function parseColour(hex: string): [number, number, number] {
  return [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)) as [number, number, number];
}

/** The bytes of an image file, read with the bounds of any data file. */
export async function readImageBytes(file: string): Promise<Buffer> {
  const bytes = await readInputFile(file, dataFileOptions("PNG, JPEG or WebP image", MAX_IMAGE_FILE_BYTES));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sharpError(file: string, error: unknown): DataError {
  const message = (error as Error).message.replace(/\s+/g, " ").trim();
  return new DataError(file, `not a readable PNG, JPEG or WebP image (${message})`);
}

/** The header of an image file: its size and whether it has colour. */
export async function readImageHeader(file: string): Promise<ImageHeader> {
  const sharp = await loadSharp();
  const bytes = await readImageBytes(file);
  let metadata: Awaited<ReturnType<ReturnType<Sharp>["metadata"]>>;
  try {
    metadata = await sharp(bytes).metadata();
  } catch (error) {
    throw sharpError(file, error);
  }
  if (metadata.format === undefined || !READABLE_FORMATS.has(metadata.format)) {
    throw new DataError(file, `a ${metadata.format ?? "unknown"} image: an images folder reads PNG, JPEG and WebP`);
  }
  // EXIF orientations 5 to 8 turn the image a quarter: its stored width is its height.
  const turned = (metadata.orientation ?? 1) >= 5;
  const width = (turned ? metadata.height : metadata.width) ?? 0;
  const height = (turned ? metadata.width : metadata.height) ?? 0;
  return { file, width, height, color: (metadata.channels ?? 3) >= 3 };
}

/** Decodes `file` into the bytes described by `options`. A file sharp cannot read is a DataError naming it. */
export async function decodeImage(file: string, options: ImageDecodeOptions): Promise<DecodedImage> {
  const sharp = await loadSharp();
  const bytes = await readImageBytes(file);
  let rgba: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const image = sharp(bytes, { failOn: "error", limitInputPixels: Math.floor(MAX_DATA_BYTES / 4) });
    const { format } = await image.metadata();
    if (format === undefined || !READABLE_FORMATS.has(format)) {
      throw new DataError(file, `a ${format ?? "unknown"} image: an images folder reads PNG, JPEG and WebP`);
    }
    rgba = await image.rotate().toColourspace("srgb").ensureAlpha().raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw sharpError(file, error);
  }
  const { width, height } = rgba.info;
  let image = composite(rgba.data, width, height, options);
  if (options.size !== undefined) {
    const [coverHeight, coverWidth] = coverSize(height, width, options.size);
    image = resizeImage(image, coverHeight, coverWidth, options.resize);
    if (options.crop === "center") image = cropImage(image, options.size[0], options.size[1], Math.floor((coverHeight - options.size[0]) / 2), Math.floor((coverWidth - options.size[1]) / 2));
  }
  return toBytes(image, options.channels);
}

/**
 * RGBA bytes -> float RGB composited onto the background (float RGBA kept as it is for 4
 * channels). In float, so that the only rounding is the last one.
 */
function composite(rgba: Uint8Array, width: number, height: number, options: ImageDecodeOptions): FloatImage {
  const pixels = width * height;
  if (options.channels === 4) return { height, width, channels: 4, values: Float32Array.from(rgba.subarray(0, pixels * 4)) };
  const values = new Float32Array(pixels * 3);
  const [br, bg, bb] = options.background;
  for (let p = 0; p < pixels; p++) {
    const alpha = rgba[4 * p + 3]! / 255;
    values[3 * p] = rgba[4 * p]! * alpha + br * (1 - alpha);
    values[3 * p + 1] = rgba[4 * p + 1]! * alpha + bg * (1 - alpha);
    values[3 * p + 2] = rgba[4 * p + 2]! * alpha + bb * (1 - alpha);
  }
  return { height, width, channels: 3, values };
}

/** The window of `image` of `height` x `width` whose top-left corner is (`top`, `left`). */
export function cropImage<T extends { height: number; width: number; channels: number; values: Float32Array }>(image: T, height: number, width: number, top: number, left: number): FloatImage {
  if (image.height === height && image.width === width) return image;
  const c = image.channels;
  const values = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * c;
    values.set(image.values.subarray(from, from + width * c), y * width * c);
  }
  return { height, width, channels: c, values };
}

/** Rounds to bytes, turning RGB into grey by the ITU-R BT.601 luma weights for 1 channel. */
function toBytes(image: FloatImage, channels: number): DecodedImage {
  const pixels = image.height * image.width;
  const bytes = new Uint8Array(pixels * channels);
  const v = image.values;
  if (channels === 1) {
    for (let p = 0; p < pixels; p++) bytes[p] = Math.round(0.299 * v[3 * p]! + 0.587 * v[3 * p + 1]! + 0.114 * v[3 * p + 2]!);
  } else {
    // Uint8Array stores by truncation: round first (the values are within 0..255 already).
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(v[i]!);
  }
  return { height: image.height, width: image.width, channels, bytes };
}
