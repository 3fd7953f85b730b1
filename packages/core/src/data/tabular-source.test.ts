import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataSchema, type Data } from "@gan/plan";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../output/npy.js";
import { createRng } from "../random.js";
import { DataError, DataOptionError, displayPath, openDataSource, readDataShape } from "./index.js";

const root = mkdtempSync(path.join(os.tmpdir(), "gan-tabular-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
function file(content: string | Uint8Array, extension: string): string {
  const name = path.join(root, `f${files++}.${extension}`);
  writeFileSync(name, content);
  return name;
}

function csvData(csv: string, columns: string[], extra: object = {}): Data {
  return DataSchema.parse({ kind: "csv", file: csv, columns, shape: [columns.length], nativeRange: null, range: null, ...extra });
}

/** The values of a whole epoch, example by example, sorted. */
function epoch(source: { size: number | null; nextBatch(batch: number): Float32Array }, features: number): number[][] {
  const values = source.nextBatch(source.size!);
  return Array.from({ length: source.size! }, (_, i) => Array.from(values.subarray(i * features, (i + 1) * features))).sort((a, b) => a[0]! - b[0]!);
}

async function dataError(promise: Promise<unknown>): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as DataError;
}

describe("csv data", () => {
  it("reads the named columns in their order, passing over other columns and blank lines", async () => {
    const csv = file('id,y,"x"\na,1.5,-2\n\nb,3,4\n', "csv");
    expect(await readDataShape(csvData(csv, ["x", "y"]))).toEqual({ ok: true, shape: [2] });
    const source = await openDataSource(csvData(csv, ["x", "y"]), { rng: createRng(0) });
    expect(source.size).toBe(2);
    expect(epoch(source, 2)).toEqual([
      [-2, 1.5],
      [4, 3],
    ]);
    expect(source.describe()).toBe(`csv: 2 rows of x, y from ${displayPath(csv)}, not scaled`);
  });

  it("scales each column: minmax onto [0, 1] and on to the plan's range, standard to mean 0 and deviation 1", async () => {
    const csv = file("x,y\n0,10\n5,20\n10,30\n", "csv");
    const minmax = await openDataSource(csvData(csv, ["x", "y"], { scale: "minmax", nativeRange: [0, 1], range: [-1, 1] }), { rng: createRng(0) });
    expect(epoch(minmax, 2)).toEqual([
      [-1, -1],
      [0, 0],
      [1, 1],
    ]);
    const standard = await openDataSource(csvData(csv, ["x"], { scale: "standard" }), { rng: createRng(0) });
    const sd = Math.sqrt(50 / 3);
    expect(epoch(standard, 1).map(([v]) => v)).toEqual([-5 / sd, 0, 5 / sd].map(Math.fround));
    const constant = file("x\n1\n1\n", "csv");
    expect((await dataError(openDataSource(csvData(constant, ["x"], { scale: "minmax", nativeRange: [0, 1], range: [0, 1] }), { rng: createRng(0) }))).message).toBe(
      `${displayPath(constant)}: column 'x' holds one value (1) in every row: scale: "minmax" cannot scale it; drop it, or use scale: "none"`,
    );
  });

  it("a column the header lacks is a problem with the spec's option, with its position in the list", async () => {
    const csv = file("x,Y\n1,2\n", "csv");
    expect(await readDataShape(csvData(csv, ["x", "y"]))).toEqual({ ok: false, message: `${displayPath(csv)}: has no column 'y', did you mean 'Y'?`, option: ["columns", 1] });
    const error = await dataError(openDataSource(csvData(csv, ["z"]), { rng: createRng(0) }));
    expect(error).toBeInstanceOf(DataOptionError);
    expect(error.message).toBe(`${displayPath(csv)}: has no column 'z': its columns are 'x', 'Y'`);
  });

  it("a value that is not a number, a short line, an empty file, a header alone: each named with its line", async () => {
    const bad = file("x,y\n1,2\n3,abc\n", "csv");
    expect((await dataError(openDataSource(csvData(bad, ["x", "y"]), { rng: createRng(0) }))).message).toBe(`${displayPath(bad)}: line 3, column 'y': "abc" is not a finite number`);
    const short = file("x,y\n1\n", "csv");
    expect((await dataError(openDataSource(csvData(short, ["x", "y"]), { rng: createRng(0) }))).message).toBe(
      `${displayPath(short)}: line 2, column 'y': missing (the line has fewer fields than the header)`,
    );
    const empty = file("", "csv");
    expect(await readDataShape(csvData(empty, ["x"]))).toEqual({ ok: false, message: `${displayPath(empty)}: is empty: a CSV file starts with a header line naming its columns` });
    const headerOnly = file("x\n", "csv");
    expect((await dataError(openDataSource(csvData(headerOnly, ["x"]), { rng: createRng(0) }))).message).toBe(`${displayPath(headerOnly)}: has a header but no rows`);
  });
});

function npyData(npy: string, shape: number[], extra: object = {}): Data {
  return DataSchema.parse({ kind: "npy", file: npy, shape, nativeRange: null, range: null, ...extra });
}

/** A float64 .npy file, written as numpy.save does (version 1.0, header padded to 64 bytes). */
function float64Npy(values: number[], shape: number[]): Uint8Array {
  const float32 = encodeNpy(new Float32Array(values), shape);
  const headerEnd = float32.indexOf(0x0a) + 1;
  const header = Buffer.from(float32.subarray(0, headerEnd)).toString("latin1").replace("'<f4'", "'<f8'");
  const bytes = new Uint8Array(headerEnd + values.length * 8);
  bytes.set(Buffer.from(header, "latin1"));
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat64(headerEnd + 8 * i, value, true));
  return bytes;
}

describe("npy data", () => {
  it("reads float32 and float64 arrays, one example per first index", async () => {
    const f32 = file(encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]), "npy");
    expect(await readDataShape(npyData(f32, [2]))).toEqual({ ok: true, shape: [2] });
    expect(epoch(await openDataSource(npyData(f32, [2]), { rng: createRng(0) }), 2)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const f64 = file(float64Npy([0.5, -0.25, 8, 9], [2, 1, 2]), "npy");
    expect(await readDataShape(npyData(f64, [1, 2]))).toEqual({ ok: true, shape: [1, 2] });
    expect(epoch(await openDataSource(npyData(f64, [1, 2]), { rng: createRng(0) }), 2)).toEqual([
      [0.5, -0.25],
      [8, 9],
    ]);
  });

  it("refuses what it cannot read, naming the file and what its header says", async () => {
    const notNpy = file("hello", "npy");
    expect(await readDataShape(npyData(notNpy, [1]))).toEqual({ ok: false, message: `${displayPath(notNpy)}: not a .npy file (its first bytes are not \\x93NUMPY)` });
    const good = encodeNpy(Float32Array.from([1, 2]), [2]);
    const truncated = file(good.subarray(0, good.length - 1), "npy");
    expect((await readDataShape(npyData(truncated, [1]))).ok).toBe(false);
    const ints = file(Buffer.from(Buffer.from(good).toString("latin1").replace("'<f4'", "'<i4'"), "latin1"), "npy");
    expect(await readDataShape(npyData(ints, [1]))).toEqual({
      ok: false,
      message: `${displayPath(ints)}: holds <i4 values: gan reads little-endian float32 ('<f4') and float64 ('<f8'); save it with x.astype("float32")`,
    });
    const fortran = file(Buffer.from(Buffer.from(encodeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2])).toString("latin1").replace("False", "True "), "latin1"), "npy");
    expect(await readDataShape(npyData(fortran, [2]))).toEqual({
      ok: false,
      message: `${displayPath(fortran)}: is in Fortran order: save it in C order, numpy.save(file, numpy.ascontiguousarray(x))`,
    });
    const wrongShape = await dataError(openDataSource(npyData(file(good, "npy"), [2]), { rng: createRng(0) }));
    expect(wrongShape.message).toMatch(/holds examples of shape \[1\] \(1 values\), but the plan's data shape is \[2\] \(2 values\)$/);
  });
});
