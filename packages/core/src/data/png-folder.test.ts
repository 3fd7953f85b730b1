import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataSchema, type Data } from "@gan/plan";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { createRng } from "../random.js";
import { DataError, displayPath, openDataSource, readDataShape } from "./index.js";

const root = mkdtempSync(path.join(os.tmpdir(), "gan-png-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh folder with the given files (name -> content). */
function folder(files: Record<string, Buffer | string>): string {
  const dir = path.join(root, `case-${folders++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** A PNG of width x height whose every pixel is `rgba`, stored grey (colorType 0) or RGBA (6). */
function png(width: number, height: number, rgba: [number, number, number, number], colorType: 0 | 6 = 6): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set(rgba, 4 * p);
  return PNG.sync.write(image, { colorType, inputColorType: 6, inputHasAlpha: true });
}

function imagesData(dir: string, shape: number[], extra: object = {}): Data {
  return DataSchema.parse({ kind: "images", dir, shape, nativeRange: [0, 1], range: [0, 1], ...extra });
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

describe("images source", () => {
  it("reads a folder of grey PNGs in name order, skipping hidden files and sub-folders", async () => {
    const dir = folder({
      "b.png": png(4, 3, [255, 255, 255, 255], 0),
      "a.png": png(4, 3, [51, 51, 51, 255], 0),
      ".DS_Store": "not an image, but hidden",
    });
    mkdirSync(path.join(dir, "thumbnails"));
    expect(await readDataShape(imagesData(dir, [3, 4, 1]))).toEqual({ ok: true, shape: [3, 4, 1] });
    const source = await openDataSource(imagesData(dir, [3, 4, 1], { range: [-1, 1] }), { rng: createRng(0) });
    expect(source.size).toBe(2);
    expect(source.shape).toEqual([3, 4, 1]);
    expect(source.describe()).toBe(`images: 2 PNG images of 3x4x1 from ${displayPath(dir)}, values in [-1, 1]`);
    const batch = source.nextBatch(2);
    // 51 -> 0.2 -> -0.6 and 255 -> 1, one image each, in a shuffled order.
    const firsts = [batch[0], batch[12]].sort();
    expect(firsts).toEqual([Math.fround(-0.6), 1]);
  });

  it("reads colour PNGs as RGB by default, and converts to the plan's channel count", async () => {
    const dir = folder({ "x.png": png(2, 2, [255, 0, 0, 255]) });
    expect(await readDataShape(imagesData(dir, [2, 2, 3]))).toEqual({ ok: true, shape: [2, 2, 3] });
    const rgb = await openDataSource(imagesData(dir, [2, 2, 3]), { rng: createRng(0) });
    expect(Array.from(rgb.nextBatch(1).subarray(0, 3))).toEqual([1, 0, 0]);
    // Grey by BT.601 luma: round(0.299 * 255) = 76.
    const grey = await openDataSource(imagesData(dir, [2, 2, 1]), { rng: createRng(0) });
    expect(grey.nextBatch(1)[0]).toBe(Math.fround(76 / 255));
    const rgba = await openDataSource(imagesData(dir, [2, 2, 4]), { rng: createRng(0) });
    expect(Array.from(rgba.nextBatch(1).subarray(0, 4))).toEqual([1, 0, 0, 1]);
  });

  it("composites transparency onto black, and replicates grey into RGB", async () => {
    const dir = folder({ "half.png": png(1, 1, [200, 100, 0, 102]) });
    const rgb = await openDataSource(imagesData(dir, [1, 1, 3]), { rng: createRng(0) });
    // alpha 102 / 255 = 0.4: (200, 100, 0) * 0.4 = (80, 40, 0).
    expect(Array.from(rgb.nextBatch(1))).toEqual([80 / 255, 40 / 255, 0].map(Math.fround));
    const greyDir = folder({ "g.png": png(1, 1, [153, 153, 153, 255], 0) });
    const fromGrey = await openDataSource(imagesData(greyDir, [1, 1, 3]), { rng: createRng(0) });
    expect(Array.from(fromGrey.nextBatch(1))).toEqual([0.6, 0.6, 0.6].map(Math.fround));
  });
});

describe("image folders that cannot be used", () => {
  it("a missing folder", async () => {
    const dir = path.join(root, "nowhere");
    const error = await dataError(openDataSource(imagesData(dir, [2, 2, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(`${displayPath(dir)}: no such folder`);
    expect(error.file).toBe(dir);
    expect(await readDataShape(imagesData(dir, [2, 2, 1]))).toEqual({ ok: false, message: `${displayPath(dir)}: no such folder` });
  });

  it("a file where a folder should be", async () => {
    const dir = folder({ "file.png": png(1, 1, [0, 0, 0, 255]) });
    const file = path.join(dir, "file.png");
    const error = await dataError(openDataSource(imagesData(file, [1, 1, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(`${displayPath(file)}: is not a folder`);
  });

  it("an empty folder", async () => {
    const dir = folder({ ".hidden": "x" });
    const error = await dataError(openDataSource(imagesData(dir, [2, 2, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(`${displayPath(dir)}: no PNG files in the folder`);
  });

  it("a non-image file among the PNGs", async () => {
    const dir = folder({ "a.png": png(2, 2, [0, 0, 0, 255]), "notes.txt": "hello" });
    const error = await dataError(openDataSource(imagesData(dir, [2, 2, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(`${displayPath(path.join(dir, "notes.txt"))}: not a PNG file: an images folder may hold only .png files`);
    expect(error.file).toBe(path.join(dir, "notes.txt"));
  });

  it("a .png file that is not a PNG, and a damaged one", async () => {
    const dir = folder({ "a.png": png(2, 2, [0, 0, 0, 255]), "b.png": "GIF89a..." });
    const error = await dataError(openDataSource(imagesData(dir, [2, 2, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(`${displayPath(path.join(dir, "b.png"))}: not a PNG image (its first bytes are not the PNG signature)`);
    const damagedDir = folder({ "a.png": png(2, 2, [0, 0, 0, 255]).subarray(0, 40) });
    const damaged = await dataError(openDataSource(imagesData(damagedDir, [2, 2, 1]), { rng: createRng(0) }));
    expect(damaged.message.startsWith(`${displayPath(path.join(damagedDir, "a.png"))}: a damaged PNG image: `)).toBe(true);
  });

  it("images of mixed sizes", async () => {
    const dir = folder({ "a.png": png(28, 28, [0, 0, 0, 255]), "b.png": png(28, 28, [0, 0, 0, 255]), "c.png": png(32, 30, [0, 0, 0, 255]) });
    const error = await dataError(openDataSource(imagesData(dir, [28, 28, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(
      `${displayPath(path.join(dir, "c.png"))}: 32x30 pixels, but ${displayPath(path.join(dir, "a.png"))} (the first image) is 28x28: all images of a folder must have one size`,
    );
  });

  it("images of another size than the plan's", async () => {
    const dir = folder({ "a.png": png(8, 8, [0, 0, 0, 255]) });
    const error = await dataError(openDataSource(imagesData(dir, [28, 28, 1]), { rng: createRng(0) }));
    expect(error.message).toBe(
      `${displayPath(dir)}: holds images of 8x8x1 (height x width x channels) but the plan's data shape is [28, 28, 1]`,
    );
  });
});
