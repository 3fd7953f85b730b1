import { describe, expect, it } from "vitest";
import { multiplySquare, sqrtSymmetricPsd, symmetricEigen } from "./symmetric-eigen.js";
import { normalSource, randomSpd } from "./test-random.js";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe("symmetricEigen", () => {
  it("finds the eigenvalues of a 2x2 matrix in closed form", () => {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
    const { values } = symmetricEigen([2, 1, 1, 2], 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
  });

  it("reconstructs a random symmetric 40x40 matrix from orthonormal eigenvectors", () => {
    const d = 40;
    const normal = normalSource(7);
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) m[i * d + j] = m[j * d + i] = normal();
    const { values, vectors } = symmetricEigen(m, d);
    const scaled = new Float64Array(d * d);
    const transposed = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < d; k++) {
        scaled[i * d + k] = vectors[i * d + k]! * values[k]!;
        transposed[k * d + i] = vectors[i * d + k]!;
      }
    }
    expect(maxAbsDiff(multiplySquare(scaled, transposed, d), m)).toBeLessThan(1e-12);
    const identity = new Float64Array(d * d);
    for (let i = 0; i < d; i++) identity[i * d + i] = 1;
    expect(maxAbsDiff(multiplySquare(transposed, vectors, d), identity)).toBeLessThan(1e-12);
  });

  it("rejects a matrix of the wrong size", () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow("symmetricEigen: expected 2x2 = 4 entries, got 3");
  });
});

describe("sqrtSymmetricPsd", () => {
  it("squares back to a positive definite matrix", () => {
    const d = 30;
    const spd = randomSpd(d, 3);
    const root = sqrtSymmetricPsd(spd, d);
    expect(maxAbsDiff(multiplySquare(root, root, d), spd)).toBeLessThan(1e-12);
  });

  it("handles a singular covariance (rank 2 in 5 dimensions)", () => {
    const d = 5;
    const u = [1, 2, 0, -1, 3];
    const w = [0, 1, 1, 1, -2];
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j] = u[i]! * u[j]! + w[i]! * w[j]!;
    const root = sqrtSymmetricPsd(m, d);
    expect(maxAbsDiff(multiplySquare(root, root, d), m)).toBeLessThan(1e-12);
    expect(root.every(Number.isFinite)).toBe(true);
  });
});
