import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { featureMatrix } from "./feature-matrix.js";
import { kernelInceptionDistance, polynomialMmd } from "./kid.js";
import { normalSource } from "./test-random.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function gaussian(n: number, d: number, seed: number, shift = 0) {
  const normal = normalSource(seed);
  return featureMatrix(Float32Array.from({ length: n * d }, () => normal() + shift), n, d);
}

describe("polynomialMmd", () => {
  it("is the hand-computed unbiased estimate for two 1-d sets of two", async () => {
    // d = 1: k(a, b) = (ab + 1)^3. X = {0, 1}, Y = {1, 2}.
    // within X: 2 k(0, 1) = 2; within Y: 2 k(1, 2) = 2 * 27; across: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27.
    const mmd = await polynomialMmd(featureMatrix(Float32Array.of(0, 1), 2, 1), featureMatrix(Float32Array.of(1, 2), 2, 1));
    expect(mmd).toBeCloseTo((2 + 54) / 2 - (2 * 37) / 4, 12);
  });
});

describe("kernelInceptionDistance", () => {
  it("is near 0 for two samples of one distribution and clearly positive for shifted ones", async () => {
    const same = await kernelInceptionDistance(gaussian(300, 8, 1), gaussian(300, 8, 2), { subsets: 20, subsetSize: 100 });
    const shifted = await kernelInceptionDistance(gaussian(300, 8, 1), gaussian(300, 8, 3, 0.5), { subsets: 20, subsetSize: 100 });
    expect(Math.abs(same.mean)).toBeLessThan(3 * same.std!);
    expect(shifted.mean).toBeGreaterThan(10 * same.std!);
  });

  it("reports the subsets' spread (population std) and the mean's standard error, std / sqrt(subsets)", async () => {
    const a = gaussian(60, 4, 6);
    const b = gaussian(60, 4, 7);
    // The subsets are drawn in order from one seeded stream, so one subset is the first of two.
    const one = await kernelInceptionDistance(a, b, { subsets: 1, subsetSize: 30, seed: 3 });
    const two = await kernelInceptionDistance(a, b, { subsets: 2, subsetSize: 30, seed: 3 });
    expect(one.std).toBeNull();
    expect(one.standardError).toBeNull();
    const first = one.mean;
    const second = 2 * two.mean - first;
    expect(two.std).toBeCloseTo(Math.abs(first - second) / 2, 12);
    expect(two.standardError).toBeCloseTo(Math.abs(first - second) / 2 / Math.SQRT2, 12);
  });

  it("draws the same subsets for the same seed, and caps the subset size at the smaller set", async () => {
    const a = gaussian(50, 4, 4);
    const b = gaussian(40, 4, 5);
    const first = await kernelInceptionDistance(a, b, { subsets: 3, seed: 7 });
    expect(first.subsetSize).toBe(40);
    expect(await kernelInceptionDistance(a, b, { subsets: 3, seed: 7 })).toEqual(first);
    expect((await kernelInceptionDistance(a, b, { subsets: 3, seed: 8 })).mean).not.toBe(first.mean);
  });

  it("refuses feature sets of different dimensions and sets of one vector", async () => {
    await expect(kernelInceptionDistance(gaussian(10, 4, 1), gaussian(10, 3, 2))).rejects.toThrow(/dimensions differ: 3 and 4|dimensions/);
    await expect(kernelInceptionDistance(gaussian(1, 4, 1), gaussian(10, 4, 2))).rejects.toThrow(/at least 2 vectors in each set/);
  });
});
