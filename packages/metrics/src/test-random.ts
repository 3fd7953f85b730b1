/** Seeded generators for tests only (excluded from the build): mulberry32 and Box-Muller. */
import { uniformSource } from "./seeded-random.js";

export { uniformSource };

export function normalSource(seed: number): () => number {
  const uniform = uniformSource(seed);
  return () => {
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A random symmetric positive definite d x d matrix: A A^T / d + jitter I. */
export function randomSpd(d: number, seed: number, jitter = 0.1): Float64Array {
  const normal = normalSource(seed);
  const a = Float64Array.from({ length: d * d }, () => normal());
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += a[i * d + k]! * a[j * d + k]!;
      out[i * d + j] = sum / d + (i === j ? jitter : 0);
    }
  }
  return out;
}
