/** Seeded generators for tests only (excluded from the build): mulberry32 and Box-Muller. */
export function uniformSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
