import { describe, expect, it } from "vitest";
import { featureStatistics, frechetDistance } from "./frechet.js";
import { multiplySquare } from "./symmetric-eigen.js";
import { normalSource, randomSpd } from "./test-random.js";

function diagonal(values: number[]): Float64Array {
  const d = values.length;
  const out = new Float64Array(d * d);
  values.forEach((v, i) => (out[i * d + i] = v));
  return out;
}

function transpose(m: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = m[i * d + j]!;
  return out;
}

/** A rotation: the orthogonal factor of a random matrix, by Gram-Schmidt on its rows. */
function randomRotation(d: number, seed: number): Float64Array {
  const normal = normalSource(seed);
  const q = Float64Array.from({ length: d * d }, () => normal());
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[i * d + j]! * q[k * d + j]!;
      for (let j = 0; j < d; j++) q[i * d + j]! -= dot * q[k * d + j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += q[i * d + j]! ** 2;
    for (let j = 0; j < d; j++) q[i * d + j]! /= Math.sqrt(norm);
  }
  return q;
}

describe("frechetDistance", () => {
  it("is 0 between identical distributions", () => {
    const d = 64;
    const cov = randomSpd(d, 11);
    const normal = normalSource(12);
    const mean = Float64Array.from({ length: d }, () => normal());
    expect(frechetDistance({ mean, cov }, { mean, cov })).toBeLessThan(1e-9);
  });

  it("matches the closed form for diagonal covariances", () => {
    // Commuting covariances: d = sum (m1 - m2)^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    const m1 = [0, 1, 2, -1];
    const m2 = [1, 1, 0, -1.5];
    const v1 = [1, 4, 0.25, 2];
    const v2 = [9, 1, 0.25, 0.5];
    let expected = 0;
    for (let i = 0; i < 4; i++) expected += (m1[i]! - m2[i]!) ** 2 + (Math.sqrt(v1[i]!) - Math.sqrt(v2[i]!)) ** 2;
    expect(expected).toBeCloseTo(1 + 0 + 4 + 0.25 + 4 + 1 + 0 + (Math.SQRT2 - Math.SQRT1_2) ** 2, 12);
    expect(frechetDistance({ mean: m1, cov: diagonal(v1) }, { mean: m2, cov: diagonal(v2) })).toBeCloseTo(expected, 10);
  });

  it("reduces to (m1 - m2)^2 + (s1 - s2)^2 in one dimension", () => {
    expect(frechetDistance({ mean: [3], cov: [4] }, { mean: [1], cov: [0.25] })).toBeCloseTo(4 + 1.5 ** 2, 12);
  });

  it("matches the 2x2 closed form for non-commuting covariances", () => {
    // For 2x2 M with non-negative eigenvalues: Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)).
    const c1 = new Float64Array([2, 0.8, 0.8, 1]);
    const c2 = new Float64Array([1, -0.3, -0.3, 3]);
    const product = multiplySquare(c1, c2, 2);
    const traceProduct = product[0]! + product[3]!;
    const det = (c1[0]! * c1[3]! - c1[1]! ** 2) * (c2[0]! * c2[3]! - c2[1]! ** 2);
    const expected = 0.5 ** 2 + 2 ** 2 + 2 + 1 + 1 + 3 - 2 * Math.sqrt(traceProduct + 2 * Math.sqrt(det));
    expect(frechetDistance({ mean: [0.5, 2], cov: c1 }, { mean: [0, 0], cov: c2 })).toBeCloseTo(expected, 12);
  });

  it("is invariant under a rotation of the feature space", () => {
    const d = 12;
    const c1 = randomSpd(d, 21);
    const c2 = randomSpd(d, 22, 0.5);
    const normal = normalSource(23);
    const m1 = Float64Array.from({ length: d }, () => normal());
    const m2 = Float64Array.from({ length: d }, () => normal());
    const q = randomRotation(d, 24);
    const rotateMean = (m: Float64Array) => Float64Array.from({ length: d }, (_, i) => m.reduce((s, v, j) => s + q[i * d + j]! * v, 0));
    const rotateCov = (c: Float64Array) => multiplySquare(multiplySquare(q, c, d), transpose(q, d), d);
    const before = frechetDistance({ mean: m1, cov: c1 }, { mean: m2, cov: c2 });
    const after = frechetDistance({ mean: rotateMean(m1), cov: rotateCov(c1) }, { mean: rotateMean(m2), cov: rotateCov(c2) });
    expect(before).toBeGreaterThan(1);
    expect(after).toBeCloseTo(before, 9);
  });

  it("stays finite and non-negative with singular covariances", () => {
    // Fewer samples than dimensions: rank-deficient covariances, where sqrtm needs an epsilon.
    const d = 20;
    const normal = normalSource(5);
    const a = featureStatistics(Float64Array.from({ length: 8 * d }, () => normal()), 8, d);
    const b = featureStatistics(Float64Array.from({ length: 8 * d }, () => normal()), 8, d);
    const distance = frechetDistance(a, b);
    expect(Number.isFinite(distance)).toBe(true);
    expect(distance).toBeGreaterThan(0);
    expect(frechetDistance(a, a)).toBeLessThan(1e-9);
  });

  it("names mismatched dimensions", () => {
    expect(() => frechetDistance({ mean: [0, 0], cov: [1, 0, 0, 1] }, { mean: [0], cov: [1] })).toThrow(
      "frechetDistance: the means have different dimensions (2 and 1)",
    );
    expect(() => frechetDistance({ mean: [0, 0], cov: [1, 0, 0] }, { mean: [0, 0], cov: [1, 0, 0, 1] })).toThrow(
      "the first covariance has 3 entries, expected 2x2 = 4",
    );
  });
});

describe("featureStatistics", () => {
  it("computes the mean and the unbiased covariance", () => {
    // Rows (1, 2), (3, 2), (5, 8): mean (3, 4); cov with n - 1 = 2.
    const stats = featureStatistics(new Float32Array([1, 2, 3, 2, 5, 8]), 3, 2);
    expect([...stats.mean]).toEqual([3, 4]);
    // dx = (-2, 0, 2), dy = (-2, -2, 4): var x = 8/2, cov = 12/2, var y = 24/2.
    expect([...stats.cov]).toEqual([4, 6, 6, 12]);
    expect(stats.n).toBe(3);
    expect(stats.d).toBe(2);
  });

  it("recovers a known Gaussian from many samples", () => {
    const normal = normalSource(99);
    const n = 20000;
    const features = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const z1 = normal();
      const z2 = normal();
      features[2 * i] = 1 + 2 * z1; // var 4
      features[2 * i + 1] = -1 + z1 + z2; // var 2, cov with x = 2
    }
    const stats = featureStatistics(features, n, 2);
    expect(stats.mean[0]).toBeCloseTo(1, 1);
    expect(stats.mean[1]).toBeCloseTo(-1, 1);
    expect(stats.cov[0]).toBeCloseTo(4, 0);
    expect(stats.cov[1]).toBeCloseTo(2, 0);
    expect(stats.cov[3]).toBeCloseTo(2, 0);
    expect(frechetDistance(stats, { mean: [1, -1], cov: [4, 2, 2, 2] })).toBeLessThan(0.01);
  });

  it("names what is wrong with its input", () => {
    expect(() => featureStatistics(new Float32Array(5), 3, 2)).toThrow("featureStatistics: expected n*d = 3*2 = 6 values, got 5");
    expect(() => featureStatistics(new Float32Array(2), 1, 2)).toThrow("a covariance needs at least 2 vectors, got 1");
  });
});
