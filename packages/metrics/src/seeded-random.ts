/**
 * mulberry32: a small seeded generator of uniform numbers in [0, 1), enough for choosing
 * KID's subsets reproducibly (the same seed gives the same subsets on every machine).
 */
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

/** `count` distinct indices of 0..n-1 in random order (a partial Fisher-Yates shuffle). */
export function chooseWithoutReplacement(n: number, count: number, uniform: () => number): Int32Array {
  if (count > n) throw new Error(`chooseWithoutReplacement: cannot choose ${count} of ${n}`);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(uniform() * (n - i));
    const swap = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = swap;
  }
  return pool.slice(0, count);
}
