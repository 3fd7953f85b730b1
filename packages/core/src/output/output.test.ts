import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNpy, encodePng, formatFloat32, imageGrid, scatterPlot, toCsv, writeNpy } from "./index.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function decode(buffer: Buffer) {
  return PNG.sync.read(buffer);
}

/** RGBA of pixel (x, y) of a decoded PNG (pngjs always decodes to RGBA). */
function pixel(png: PNG, x: number, y: number): number[] {
  const at = (y * png.width + x) * 4;
  return Array.from(png.data.subarray(at, at + 4));
}

describe("encodePng", () => {
  it("writes grey, RGB and RGBA PNGs that decode to the same pixels", () => {
    const grey = decode(encodePng(3, 2, 1, Uint8Array.from([0, 50, 100, 150, 200, 250])));
    expect([grey.width, grey.height, grey.colorType]).toEqual([3, 2, 0]);
    expect(pixel(grey, 2, 1)).toEqual([250, 250, 250, 255]);
    const rgb = decode(encodePng(1, 2, 3, Uint8Array.from([1, 2, 3, 4, 5, 6])));
    expect(rgb.colorType).toBe(2);
    expect(pixel(rgb, 0, 1)).toEqual([4, 5, 6, 255]);
    const rgba = decode(encodePng(1, 1, 4, Uint8Array.from([9, 8, 7, 6])));
    expect(pixel(rgba, 0, 0)).toEqual([9, 8, 7, 6]);
  });

  it("refuses data of the wrong length", () => {
    expect(() => encodePng(2, 2, 3, new Uint8Array(11))).toThrow("2x2 pixels of 3 channels take 12 bytes, got 11");
  });
});

describe("imageGrid", () => {
  // Five 2x3 grey samples in [-1, 1]: sample s has every value (s - 2) / 2 (-1, -0.5, 0, 0.5, 1).
  const samples = Float32Array.from({ length: 5 * 6 }, (_, k) => (Math.floor(k / 6) - 2) / 2);

  it("lays samples out in columns with a 2-pixel grey border, mapping the range to 0..255", () => {
    const png = decode(imageGrid(samples, [2, 3, 1], [-1, 1]));
    // ceil(sqrt(5)) = 3 columns, 2 rows: 3 * 3 + 4 * 2 = 17 wide, 2 * 2 + 3 * 2 = 10 high.
    expect([png.width, png.height]).toEqual([17, 10]);
    expect(pixel(png, 0, 0)).toEqual([128, 128, 128, 255]);
    // Sample 0 (-1 -> 0) at (2, 2); sample 1 (-0.5 -> 64) at (7, 2); sample 3 (0.5 -> 191) at (2, 6).
    expect(pixel(png, 2, 2)[0]).toBe(0);
    expect(pixel(png, 4, 3)[0]).toBe(0);
    expect(pixel(png, 5, 2)[0]).toBe(128); // the gap between tiles
    expect(pixel(png, 7, 2)[0]).toBe(64);
    expect(pixel(png, 2, 6)[0]).toBe(191);
    expect(pixel(png, 7, 6)[0]).toBe(255);
    // The sixth cell is empty: border grey.
    expect(pixel(png, 12, 6)[0]).toBe(128);
  });

  it("takes a column count, clamps values outside the range and draws NaN as 0", () => {
    const odd = Float32Array.from([2, -3, Number.NaN, 0.5]);
    const png = decode(imageGrid(odd, [1, 1, 1], [0, 1], 4));
    expect([png.width, png.height]).toEqual([4 + 5 * 2, 1 + 2 * 2]);
    expect([2, 5, 8, 11].map((x) => pixel(png, x, 2)[0])).toEqual([255, 0, 0, 128]);
  });

  it("maps an unbounded range from the samples' own minimum and maximum", () => {
    const png = decode(imageGrid(Float32Array.from([10, 20]), [1, 1, 1], null, 2));
    expect([pixel(png, 2, 2)[0], pixel(png, 5, 2)[0]]).toEqual([0, 255]);
  });

  it("keeps colour", () => {
    const png = decode(imageGrid(Float32Array.from([1, 0, 0.5]), [1, 1, 3], [0, 1]));
    expect(png.colorType).toBe(2);
    expect(pixel(png, 2, 2)).toEqual([255, 0, 128, 255]);
  });
});

describe("scatterPlot", () => {
  const extent = { x: [-2, 2] as [number, number], y: [-2, 2] as [number, number] };

  it("puts a point's pixel where the point is, with y upwards, on a white background", () => {
    // size 101 over [-2, 2]: x = 1 -> column 75, y = 1 -> row 25.
    const png = decode(scatterPlot(Float32Array.from([1, 1]), { extent, size: 101 }));
    expect([png.width, png.height]).toEqual([101, 101]);
    const [r, g, b] = pixel(png, 75, 25);
    expect(b! > r! && b! < 255 && r! < 200).toBe(true);
    expect(pixel(png, 75, 75)).toEqual([255, 255, 255, 255]);
    expect(pixel(png, 25, 25)).toEqual([255, 255, 255, 255]);
  });

  it("darkens where points pile up", () => {
    const one = decode(scatterPlot(Float32Array.from([1, 1]), { extent, size: 101 }));
    const many = decode(scatterPlot(Float32Array.from([1, 1, 1, 1, 1, 1]), { extent, size: 101 }));
    expect(pixel(many, 75, 25)[0]!).toBeLessThan(pixel(one, 75, 25)[0]!);
  });

  it("marks mode centres in red, draws the axes through 0 and a frame", () => {
    const png = decode(scatterPlot(new Float32Array(0), { extent, size: 101, modes: [[-1, -1]] }));
    // (-1, -1) -> column 25, row 75.
    expect(pixel(png, 25, 75)).toEqual([214, 39, 40, 255]);
    expect(pixel(png, 31, 75)).toEqual([214, 39, 40, 255]);
    expect(pixel(png, 50, 10)).toEqual([200, 200, 200, 255]); // the y axis, x = 0
    expect(pixel(png, 10, 50)).toEqual([200, 200, 200, 255]); // the x axis, y = 0
    expect(pixel(png, 0, 10)).toEqual([64, 64, 64, 255]);
  });

  it("by default frames the modes with a margin, whatever stray points there are", () => {
    const modes: [number, number][] = [[-1, 0], [1, 0], [0, 1], [0, -1]];
    const png = decode(scatterPlot(Float32Array.from([1e6, 1e6, Number.NaN, 0]), { modes, size: 101 }));
    // Extent: [-1.5, 1.5] both ways; (1, 0) -> column round(2.5 / 3 * 100) = 83, row 50.
    expect(pixel(png, 83, 50)).toEqual([214, 39, 40, 255]);
  });
});

describe("npy", () => {
  it("writes a version 1.0 header that numpy parses, and the values little-endian after it", async () => {
    const file = path.join(dir, "samples.npy");
    const values = Float32Array.from([0.5, -1, 2, 3.25, 1e-3, -7]);
    await writeNpy(file, values, [3, 2]);
    const bytes = new Uint8Array(readFileSync(file));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8]! | (bytes[9]! << 8);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString("latin1");
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }");
    expect(header.endsWith("\n")).toBe(true);
    expect((10 + headerLength) % 64).toBe(0);
    const data = new DataView(bytes.buffer, bytes.byteOffset + 10 + headerLength);
    expect(Array.from({ length: 6 }, (_, i) => data.getFloat32(4 * i, true))).toEqual(Array.from(values));
    expect(bytes.length).toBe(10 + headerLength + 24);
  });

  it("writes a one-dimensional shape as a Python one-tuple", () => {
    const bytes = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
    expect(Buffer.from(bytes.subarray(10, 80)).toString("latin1")).toContain("'shape': (3,), }");
    expect(() => encodeNpy(new Float32Array(5), [2, 2])).toThrow("shape [2, 2] holds 4 values, but there are 5");
  });
});

describe("csv", () => {
  it("writes a header and one line per sample, each value the shortest float32 decimal", () => {
    expect(toCsv(Float32Array.from([0.1, -2, 1e-7, 3.5]), 2)).toBe("x,y\n0.1,-2\n1e-7,3.5\n");
    expect(toCsv(Float32Array.from([1, 2, 3]), 3)).toBe("x,y,z\n1,2,3\n");
    expect(toCsv(Float32Array.from([1, 2, 3, 4]), 4)).toBe("v0,v1,v2,v3\n1,2,3,4\n");
  });

  it("round-trips every float32 it formats", () => {
    const values = Float32Array.from([Math.PI, -1 / 3, 123456.789, 1.17549435e-38, 3.4028235e38]);
    for (const v of values) expect(Math.fround(Number(formatFloat32(v)))).toBe(v);
    expect(formatFloat32(Math.PI)).toBe("3.1415927");
    expect(formatFloat32(Number.NaN)).toBe("NaN");
  });

  it("refuses values that are not whole rows", () => {
    expect(() => toCsv(new Float32Array(3), 2)).toThrow("3 values are not a whole number of rows of 2");
  });
});
