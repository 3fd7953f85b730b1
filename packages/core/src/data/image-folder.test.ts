import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataSchema, type Data } from "@gan/plan";
import { PNG } from "pngjs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../random.js";
import { DataError, displayPath, openDataSource, readDataShape, type DataSource } from "./index.js";

const root = mkdtempSync(path.join(os.tmpdir(), "gan-images-"));
const savedCacheDir = process.env.GAN_CACHE_DIR;
// A cache of this file's own, so that the cache's tests see only the files they write.
beforeAll(() => {
  process.env.GAN_CACHE_DIR = path.join(root, "cache");
});
afterAll(() => {
  process.env.GAN_CACHE_DIR = savedCacheDir;
  rmSync(root, { recursive: true, force: true });
});

let folders = 0;
/** A fresh folder with the given files (relative name -> content); names with a slash make sub-folders. */
function folder(files: Record<string, Buffer | string>): string {
  const dir = path.join(root, `case-${folders++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** A PNG of width x height whose every pixel is `rgba`, stored grey (colorType 0) or RGBA (6). */
function png(width: number, height: number, rgba: [number, number, number, number], colorType: 0 | 6 = 6): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set(rgba, 4 * p);
  return PNG.sync.write(image, { colorType, inputColorType: 6, inputHasAlpha: true });
}

/** A grey PNG whose rows all hold `row` (one byte a pixel), `height` rows. */
function greyRows(row: number[], height: number): Buffer {
  const image = new PNG({ width: row.length, height });
  for (let y = 0; y < height; y++) row.forEach((value, x) => image.data.set([value, value, value, 255], 4 * (y * row.length + x)));
  return PNG.sync.write(image, { colorType: 0, inputColorType: 6, inputHasAlpha: true });
}

/** A solid RGB image encoded by sharp as `format` (WebP lossless, JPEG at quality 100). */
function encoded(format: "jpeg" | "webp", width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) raw.set(rgb, 3 * p);
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  return format === "jpeg" ? image.jpeg({ quality: 100, chromaSubsampling: "4:4:4" }).toBuffer() : image.webp({ lossless: true }).toBuffer();
}

function imagesData(dir: string, shape: number[], extra: object = {}): Data {
  return DataSchema.parse({ kind: "images", dir, shape, nativeRange: [0, 1], range: [0, 1], ...extra });
}

function open(data: Data, seed = 0, progress?: (message: string) => void): Promise<DataSource> {
  return openDataSource(data, { rng: createRng(seed), ...(progress && { progress }) });
}

/** Every example of a source once, as bytes (values in [0, 1] times 255, rounded), sorted. */
function allExamples(source: DataSource): number[][] {
  const values = source.nextBatch(source.size!);
  const per = values.length / source.size!;
  return Array.from({ length: source.size! }, (_, i) => Array.from(values.subarray(i * per, (i + 1) * per), (v) => Math.round(v * 255))).sort();
}

async function dataError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  expect((error as DataError).message).not.toContain("\n");
  return error as DataError;
}

describe("images source: decoding", () => {
  it("reads a folder of grey PNGs in name order, skipping hidden files and sub-folders", async () => {
    const dir = folder({
      "b.png": png(4, 3, [255, 255, 255, 255], 0),
      "a.png": png(4, 3, [51, 51, 51, 255], 0),
      ".DS_Store": "not an image, but hidden",
      "thumbnails/x.png": png(1, 1, [0, 0, 0, 255]),
    });
    expect(await readDataShape(imagesData(dir, [3, 4, 1]))).toEqual({ ok: true, shape: [3, 4, 1] });
    const source = await open(imagesData(dir, [3, 4, 1], { range: [-1, 1] }));
    expect(source.size).toBe(2);
    expect(source.shape).toEqual([3, 4, 1]);
    expect(source.describe()).toMatch(new RegExp(`^images: 2 images of 3x4x1 from ${displayPath(dir)} \\(decoded once into .*\\), values in \\[-1, 1\\]$`));
    const batch = source.nextBatch(2);
    // 51 -> 0.2 -> -0.6 and 255 -> 1, one image each, in a shuffled order.
    expect([batch[0], batch[12]].sort()).toEqual([Math.fround(-0.6), 1]);
  });

  it("reads colour images as RGB by default, and converts to the plan's channel count", async () => {
    const dir = folder({ "x.png": png(2, 2, [255, 0, 0, 255]) });
    expect(await readDataShape(imagesData(dir, [2, 2, 3]))).toEqual({ ok: true, shape: [2, 2, 3] });
    expect(Array.from((await open(imagesData(dir, [2, 2, 3]))).nextBatch(1).subarray(0, 3))).toEqual([1, 0, 0]);
    // Grey by BT.601 luma: round(0.299 * 255) = 76.
    expect((await open(imagesData(dir, [2, 2, 1]))).nextBatch(1)[0]).toBe(Math.fround(76 / 255));
    expect(Array.from((await open(imagesData(dir, [2, 2, 4]))).nextBatch(1).subarray(0, 4))).toEqual([1, 0, 0, 1]);
  });

  it("composites transparency onto black, or onto the spec's background, and replicates grey into RGB", async () => {
    const dir = folder({ "half.png": png(1, 1, [200, 100, 0, 102]) });
    // alpha 102 / 255 = 0.4: (200, 100, 0) * 0.4 = (80, 40, 0).
    expect(Array.from((await open(imagesData(dir, [1, 1, 3]))).nextBatch(1))).toEqual([80 / 255, 40 / 255, 0].map(Math.fround));
    // Onto white: 0.4 * (200, 100, 0) + 0.6 * 255 = (233, 193, 153).
    const white = await open(imagesData(dir, [1, 1, 3], { background: "#ffffff" }));
    expect(Array.from(white.nextBatch(1))).toEqual([233 / 255, 193 / 255, 153 / 255].map(Math.fround));
    const greyDir = folder({ "g.png": png(1, 1, [153, 153, 153, 255], 0) });
    expect(Array.from((await open(imagesData(greyDir, [1, 1, 3]))).nextBatch(1))).toEqual([0.6, 0.6, 0.6].map(Math.fround));
  });

  it("reads JPEG and WebP beside PNG, each to its pixel values", async () => {
    const dir = folder({
      "a.jpg": await encoded("jpeg", 8, 8, [128, 128, 128]),
      "b.webp": await encoded("webp", 8, 8, [10, 200, 30]),
      "c.PNG": png(8, 8, [0, 0, 255, 255]),
    });
    expect(await readDataShape(imagesData(dir, [8, 8, 3]))).toEqual({ ok: true, shape: [8, 8, 3] });
    const firstPixels = allExamples(await open(imagesData(dir, [8, 8, 3]))).map((example) => example.slice(0, 3));
    // Sorted: [0, 0, 255] (PNG), [10, 200, 30] (lossless WebP), then the JPEG's grey, within 1 of 128.
    expect(firstPixels[0]).toEqual([0, 0, 255]);
    expect(firstPixels[1]).toEqual([10, 200, 30]);
    for (const value of firstPixels[2]!) expect(Math.abs(value - 128)).toBeLessThanOrEqual(1);
  });

  it("resizes the short side and centre-crops: area averages what each pixel covers, bilinear interpolates", async () => {
    // 4 rows of [0, 0, 0, 40, 80, 80, 80, 80] brought to 1x2: area gives the means of each half
    // (10, 80); bilinear reads at x = 1.5 and 5.5, between equal pixels (0, 80).
    const dir = folder({ "a.png": greyRows([0, 0, 0, 40, 80, 80, 80, 80], 4) });
    const size = { size: [1, 2], channels: 1 };
    expect(allExamples(await open(imagesData(dir, [1, 2, 1], size)))).toEqual([[10, 80]]);
    expect(allExamples(await open(imagesData(dir, [1, 2, 1], { ...size, resize: "bilinear" })))).toEqual([[0, 80]]);
    // 2 rows of 6 to 1x1: scaled by 1/2 to 1x3 (means of 2x2 blocks: 10, 50, 90), the centre kept.
    const wide = folder({ "w.png": greyRows([0, 20, 40, 60, 80, 100], 2) });
    expect(allExamples(await open(imagesData(wide, [1, 1, 1], { size: [1, 1], channels: 1 })))).toEqual([[50]]);
    // An odd-sized image upscaled: 3x5 to 6x6 covers 6x10, centre columns 2..7.
    const odd = folder({ "o.png": greyRows([0, 50, 100, 150, 200], 3) });
    const [upscaled] = allExamples(await open(imagesData(odd, [6, 6, 1], { size: [6, 6], channels: 1 })));
    expect(upscaled!.slice(0, 6)).toEqual([50, 50, 100, 100, 150, 150]);
  });

  it("random crops draw windows of the scaled image, the same ones for the same seed and after a resume", async () => {
    const dir = folder({ "a.png": greyRows([0, 10, 20, 30, 40, 50], 2) });
    const data = imagesData(dir, [2, 2, 1], { size: [2, 2], channels: 1, crop: "random" });
    const draws = async (seed: number) => {
      const source = await open(data, seed);
      return Array.from({ length: 12 }, () => Math.round(source.nextBatch(1)[0]! * 255));
    };
    const first = await draws(3);
    expect(new Set(first).size).toBeGreaterThan(1);
    for (const left of first) expect([0, 10, 20, 30, 40]).toContain(left);
    expect(await draws(3)).toEqual(first);
    const source = await open(data, 3);
    source.nextBatch(5);
    const resumed = await open(data, 99);
    resumed.setState(source.getState());
    expect(Array.from(resumed.nextBatch(7), (v) => Math.round(v * 255)).filter((_, i) => i % 4 === 0)).toEqual(first.slice(5));
  });
});

describe("images source: bad files and the cache", () => {
  it("stops at a corrupt or non-image file, naming it, or skips and names each in its notes", async () => {
    const dir = folder({
      "a.png": png(5, 3, [255, 255, 255, 255], 0),
      "b.png": png(2, 7, [0, 0, 0, 128]),
      "c.png": Buffer.from("GIF89a, not really"),
      "d.jpg": (await encoded("jpeg", 3, 3, [0, 0, 0])).subarray(0, 40),
      "notes.txt": "hello",
    });
    const data = imagesData(dir, [4, 4, 3], { size: [4, 4], channels: 3 });
    const notImage = await dataError(open(data));
    expect(notImage.message).toBe(`${displayPath(path.join(dir, "notes.txt"))}: not an image: an images folder reads .png, .jpg, .jpeg, .webp files (onBadFile: "skip" passes over such files)`);
    expect(await readDataShape(data)).toEqual({ ok: false, message: notImage.message });
    const skipping = imagesData(dir, [4, 4, 3], { size: [4, 4], channels: 3, onBadFile: "skip" });
    expect(await readDataShape(skipping)).toEqual({ ok: true, shape: [4, 4, 3] });
    const source = await open(skipping);
    expect(source.size).toBe(2);
    expect(source.notes).toHaveLength(4);
    expect(source.notes![0]).toBe(`skipped notes.txt: not an image: an images folder reads .png, .jpg, .jpeg, .webp files`);
    expect(source.notes![1]).toMatch(/^skipped c\.png: not a readable PNG, JPEG or WebP image \(.+\)$/);
    expect(source.notes![2]).toMatch(/^skipped d\.jpg: not a readable PNG, JPEG or WebP image \(.+\)$/);
    expect(source.notes![3]).toBe(`skipped 3 of 5 files of ${displayPath(dir)}`);
    // The white grey image and the half-transparent black RGBA one (composited onto black).
    expect(allExamples(source).map((example) => example[0])).toEqual([0, 255]);
    // With the cache built while skipping, a run that stops on bad files still stops, at the
    // first one that decoding skipped when the others are gone.
    rmSync(path.join(dir, "notes.txt"));
    const stopped = await dataError(openDataSource(skipping, { rng: createRng(0), onBadFile: "stop" }));
    expect(stopped.message).toMatch(/c\.png: not a readable PNG, JPEG or WebP image \(.+\) \(onBadFile: "skip" passes over such files\)$/);
  });

  it("decodes a folder once: a second opening reads the cache, a changed image decodes again", async () => {
    const dir = folder({ "a.png": png(2, 2, [10, 10, 10, 255], 0), "b.png": png(2, 2, [20, 20, 20, 255], 0) });
    const data = imagesData(dir, [2, 2, 1]);
    const messages: string[] = [];
    await open(data, 0, (message) => messages.push(message));
    expect(messages[0]).toMatch(/^decoded 2 of 2 images of /);
    messages.length = 0;
    const cached = await open(data, 0, (message) => messages.push(message));
    expect(messages).toEqual([]);
    expect(allExamples(cached).map((example) => example[0])).toEqual([10, 20]);
    writeFileSync(path.join(dir, "b.png"), png(2, 2, [30, 30, 30, 255], 0));
    const changed = await open(data, 0, (message) => messages.push(message));
    expect(messages[0]).toMatch(/^decoded 2 of 2 images of /);
    expect(allExamples(changed).map((example) => example[0])).toEqual([10, 30]);
    // A damaged cache file is decoded anew, never trusted.
    const cacheDir = path.join(process.env.GAN_CACHE_DIR!, "images");
    for (const name of readdirSync(cacheDir)) writeFileSync(path.join(cacheDir, name), "damaged");
    messages.length = 0;
    expect(allExamples(await open(data, 0, (message) => messages.push(message))).map((example) => example[0])).toEqual([10, 30]);
    expect(messages[0]).toMatch(/^decoded 2 of 2 images of /);
  });
});

describe("images source: classes", () => {
  it("labels from sub-folder names: the classes' names and counts, and labels with each batch", async () => {
    const dir = folder({
      "cat/1.png": png(1, 1, [0, 0, 0, 255], 0),
      "cat/2.png": png(1, 1, [0, 0, 0, 255], 0),
      "dog/1.png": png(1, 1, [255, 255, 255, 255], 0),
    });
    const classes = { from: "folders", names: ["cat", "dog"], counts: [2, 1] };
    expect(await readDataShape(imagesData(dir, [1, 1, 1], { classes: { ...classes, names: ["x"], counts: [0] } }) as never)).toMatchObject({ ok: true, classes });
    const source = await open(imagesData(dir, [1, 1, 1], { classes }));
    expect(source.classes).toEqual(classes);
    expect(source.describe()).toContain(", 2 classes");
    const batch = source.nextExamples(6);
    // Black images are cats (0), the white one the dog (1).
    expect(Array.from(batch.labels!)).toEqual(Array.from(batch.examples, (value) => (value === 1 ? 1 : 0)));
    // Classes that no longer match the plan's (an image added since it was compiled).
    writeFileSync(path.join(dir, "dog/2.png"), png(1, 1, [255, 255, 255, 255], 0));
    const changed = await dataError(open(imagesData(dir, [1, 1, 1], { classes })));
    expect(changed.message).toBe(`${displayPath(dir)}: holds the classes cat (2), dog (2), but the plan was compiled for cat (2), dog (1): compile the spec again`);
  });

  it("labels from a CSV of file,label lines, numeric labels in numeric order", async () => {
    const dir = folder({ "a.png": png(1, 1, [0, 0, 0, 255], 0), "b.png": png(1, 1, [255, 255, 255, 255], 0), "c.png": png(1, 1, [255, 255, 255, 255], 0) });
    const csv = path.join(root, `labels-${folders}.csv`);
    writeFileSync(csv, "file,label\na.png,10\nb.png,9\nc.png,9\n");
    const facts = await readDataShape(imagesData(dir, [1, 1, 1], { classes: { from: "csv", file: csv, names: ["x"], counts: [0] } }) as never);
    expect(facts).toEqual({ ok: true, shape: [1, 1, 1], classes: { from: "csv", file: csv, names: ["9", "10"], counts: [2, 1] } });
    writeFileSync(csv, "a.png,10\nb.png,9\n");
    const unlabelled = await readDataShape(imagesData(dir, [1, 1, 1], { classes: { from: "csv", file: csv, names: ["x"], counts: [0] } }) as never);
    expect(unlabelled).toEqual({ ok: false, message: `${displayPath(path.join(dir, "c.png"))}: has no label in ${displayPath(csv)}: every image of the folder needs one` });
  });
});

describe("image folders that cannot be used", () => {
  it("a missing folder, a file where a folder should be, an empty folder", async () => {
    const dir = path.join(root, "nowhere");
    const error = await dataError(open(imagesData(dir, [2, 2, 1])));
    expect(error.message).toBe(`${displayPath(dir)}: no such folder`);
    expect(error.file).toBe(dir);
    expect(await readDataShape(imagesData(dir, [2, 2, 1]))).toEqual({ ok: false, message: `${displayPath(dir)}: no such folder` });
    const file = path.join(folder({ "file.png": png(1, 1, [0, 0, 0, 255]) }), "file.png");
    expect((await dataError(open(imagesData(file, [1, 1, 1])))).message).toBe(`${displayPath(file)}: is not a folder`);
    const empty = folder({ ".hidden": "x" });
    expect((await dataError(open(imagesData(empty, [2, 2, 1])))).message).toBe(`${displayPath(empty)}: no images in the folder (it reads .png, .jpg, .jpeg, .webp files)`);
  });

  it("images of mixed sizes without a size to bring them to", async () => {
    const dir = folder({ "a.png": png(28, 28, [0, 0, 0, 255]), "b.png": png(28, 28, [0, 0, 0, 255]), "c.png": png(32, 30, [0, 0, 0, 255]) });
    const message = `${displayPath(path.join(dir, "c.png"))}: 32x30 pixels, but ${displayPath(path.join(dir, "a.png"))} (the first image) is 28x28: give the data a size, size: [28, 28], to resize them all`;
    expect(await readDataShape(imagesData(dir, [28, 28, 1]))).toEqual({ ok: false, message });
    expect((await dataError(open(imagesData(dir, [28, 28, 1])))).message).toBe(message.replace(displayPath(path.join(dir, "a.png")), "a.png"));
  });

  it("images of another size than the plan's", async () => {
    const dir = folder({ "a.png": png(8, 8, [0, 0, 0, 255]) });
    const error = await dataError(open(imagesData(dir, [28, 28, 1])));
    expect(error.message).toBe(`${displayPath(dir)}: holds images of 8x8x1 (height x width x channels) but the plan's data shape is [28, 28, 1]`);
  });
});
