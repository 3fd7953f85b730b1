import { describe, expect, it } from "vitest";
import { gridMeans, mixtureMetrics, reverseKLToUniform, ringMeans } from "./mixture.js";

/** `perMode` samples placed exactly on each mean, as (x, y) pairs. */
function onMeans(means: [number, number][], perMode: number): Float32Array {
  const out = new Float32Array(means.length * perMode * 2);
  let i = 0;
  for (const [x, y] of means) {
    for (let k = 0; k < perMode; k++) {
      out[i++] = x;
      out[i++] = y;
    }
  }
  return out;
}

describe("ringMeans and gridMeans", () => {
  it("puts 8 ring means on the unit circle, 45 degrees apart", () => {
    const ring = ringMeans(8, 1);
    expect(ring).toHaveLength(8);
    expect(ring[0]![0]).toBeCloseTo(1, 12);
    expect(ring[0]![1]).toBeCloseTo(0, 12);
    expect(ring[2]![0]).toBeCloseTo(0, 12);
    expect(ring[2]![1]).toBeCloseTo(1, 12);
    expect(ring[1]![0]).toBeCloseTo(Math.SQRT1_2, 12);
    for (const [x, y] of ring) expect(Math.hypot(x, y)).toBeCloseTo(1, 12);
  });

  it("lays the 25-grid on {-4,-2,0,2,4}^2", () => {
    const grid = gridMeans(5, 2);
    expect(grid).toHaveLength(25);
    const xs = [...new Set(grid.map(([x]) => x))].sort((a, b) => a - b);
    const ys = [...new Set(grid.map(([, y]) => y))].sort((a, b) => a - b);
    expect(xs).toEqual([-4, -2, 0, 2, 4]);
    expect(ys).toEqual([-4, -2, 0, 2, 4]);
    expect(grid[0]).toEqual([-4, -4]);
    expect(grid[1]).toEqual([-2, -4]);
  });

  it("rejects a non-integer number of modes", () => {
    expect(() => ringMeans(2.5, 1)).toThrow("ringMeans: modes must be a positive integer, got 2.5");
    expect(() => gridMeans(0, 2)).toThrow("gridMeans: side must be a positive integer, got 0");
  });
});

describe("mixtureMetrics", () => {
  const grid = gridMeans(5, 2);
  const std = 0.05;

  it("scores every mode exactly covered as all modes, 100% high quality, KL 0", () => {
    const result = mixtureMetrics(onMeans(grid, 100), grid, std);
    expect(result.modes).toBe(25);
    expect(result.totalModes).toBe(25);
    expect(result.highQuality).toBe(1);
    expect(result.reverseKL).toBe(0);
    expect(result.counts).toEqual(new Array(25).fill(100));
  });

  it("scores a generator stuck on one mode as 1 mode with reverse KL log K", () => {
    const ring = ringMeans(8, 1);
    const samples = onMeans([ring[3]!], 2500);
    const result = mixtureMetrics(samples, ring, std);
    expect(result.modes).toBe(1);
    expect(result.highQuality).toBe(1);
    expect(result.reverseKL).toBeCloseTo(Math.log(8), 12);
    expect(result.counts).toEqual([0, 0, 0, 2500, 0, 0, 0, 0]);
  });

  it("counts off-mode noise against high quality but not against the histogram", () => {
    // 400 samples on the means (16 per mode), 100 at (1, 1): distance sqrt(2) from the
    // nearest means, 28 standard deviations away, so HQ = 400 / 500 exactly.
    const onMode = onMeans(grid, 16);
    const samples = new Float32Array(onMode.length + 200);
    samples.set(onMode);
    samples.fill(1, onMode.length);
    const result = mixtureMetrics(samples, grid, std);
    expect(result.highQuality).toBe(0.8);
    expect(result.modes).toBe(25);
    expect(result.reverseKL).toBe(0);
  });

  it("draws the line at 3 standard deviations", () => {
    const means: [number, number][] = [[0, 0], [10, 10]];
    const inside = [0.149, 0, 0, -0.149];
    const outside = [0.151, 0, 0, 0.1501];
    const result = mixtureMetrics(new Float64Array([...inside, ...outside]), means, 0.05);
    expect(result.counts).toEqual([2, 0]);
    expect(result.highQuality).toBe(0.5);
  });

  it("matches a hand-computed two-mode case", () => {
    // 4 modes; high-quality samples: 3 near mode 0, 1 near mode 1; one sample far away.
    // p = (3/4, 1/4); KL = 3/4 log(3/4 * 4) + 1/4 log(1/4 * 4) = 3/4 log 3.
    const means: [number, number][] = [[0, 0], [2, 0], [0, 2], [2, 2]];
    const samples = new Float64Array([0.01, 0, -0.02, 0.01, 0, 0.05, 2.1, 0.03, 1, 1]);
    const result = mixtureMetrics(samples, means, 0.05);
    expect(result.counts).toEqual([3, 1, 0, 0]);
    expect(result.modes).toBe(2);
    expect(result.highQuality).toBe(0.8);
    expect(result.reverseKL).toBeCloseTo(0.75 * Math.log(3), 14);
    expect(result.reverseKL).toBeCloseTo(0.823959216501, 10);
  });

  it("reports NaN reverse KL when no sample is near any mode", () => {
    const result = mixtureMetrics(new Float32Array([1, 1, 3, 3]), grid, std);
    expect(result.modes).toBe(0);
    expect(result.highQuality).toBe(0);
    expect(result.reverseKL).toBeNaN();
  });

  it("treats NaN samples as off-mode", () => {
    const result = mixtureMetrics(new Float32Array([0, 0, Number.NaN, 0]), grid, std);
    expect(result.highQuality).toBe(0.5);
    expect(result.modes).toBe(1);
  });

  it("names what is wrong with its input", () => {
    expect(() => mixtureMetrics(new Float32Array(3), grid, std)).toThrow("samples hold 3 numbers, not a whole number of (x, y) pairs");
    expect(() => mixtureMetrics(new Float32Array(2), [], std)).toThrow("mixtureMetrics: the mixture has no means");
    expect(() => mixtureMetrics(new Float32Array(2), grid, 0)).toThrow("std must be a positive number, got 0");
    expect(() => mixtureMetrics(new Float32Array(0), grid, std)).toThrow("mixtureMetrics: no samples to measure");
  });
});

describe("reverseKLToUniform", () => {
  it("is log K for a single full bin and 0 for a flat histogram", () => {
    expect(reverseKLToUniform([5, 0, 0, 0])).toBeCloseTo(Math.log(4), 14);
    expect(reverseKLToUniform([7, 7, 7])).toBe(0);
  });
});
