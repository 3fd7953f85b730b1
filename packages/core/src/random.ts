/**
 * A fast seeded random number generator for everything a run draws in JavaScript: latent
 * vectors, Gaussian-mixture data, epoch shuffles, trick noise.
 *
 * Why not tfjs's own: `tf.randomNormal` draws through seedrandom's alea one value at a time
 * and cannot be saved and restored, so a resumed run could not see the numbers an
 * uninterrupted one would. This is xoshiro128** (Blackman and Vigna) in 32-bit integer
 * arithmetic, whose whole state is four words that fit in a checkpoint as JSON, with
 * Marsaglia and Tsang's ziggurat (128 layers) for normals: about 99% of draws cost one
 * 32-bit word, a table lookup and a multiply, with no logarithm or square root. Each
 * word's low 7 bits pick the layer and its high 25 bits the value, so the two never share
 * bits (Doornik's remark on the original, which used the same bits for both).
 *
 * Uniform values have 32 bits of resolution (a multiple of 2^-32), plenty for float32 data.
 */

export interface RngState {
  algorithm: "xoshiro128**";
  /** The four state words (unsigned 32-bit). */
  s: [number, number, number, number];
  /** The stream's key: its initial state, from which `split` derives children. */
  key: [number, number, number, number];
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Fills `out` with normal values of the given mean and standard deviation; returns `out`. */
  fillNormal(out: Float32Array, mean?: number, std?: number): Float32Array;
  /** Fills `out` with values uniform in [lo, hi); returns `out`. */
  fillUniform(out: Float32Array, lo?: number, hi?: number): Float32Array;
  /** Uniform integer in [0, n), without modulo bias; n at most 2^32. */
  int(n: number): number;
  /** Fisher-Yates shuffle in place; returns `array`. */
  shuffle<T extends { length: number; [index: number]: unknown }>(array: T): T;
  /**
   * An independent child stream named `label`. It depends only on this stream's key (its
   * seed and the labels of the splits that made it) and on `label`, never on how many values
   * this stream has drawn: `createRng(7).split("data")` is the same stream at every point of
   * a run, so splitting in a different order or after a resume changes nothing.
   */
  split(label: string): Rng;
  /** The whole state as plain JSON, for checkpoints. */
  getState(): RngState;
  /** Restores a state from `getState` (of this stream or any other). */
  setState(state: RngState): void;
}

const TWO_POW_MINUS_32 = 1 / 4294967296;

// Ziggurat tables for 128 layers (Marsaglia and Tsang 2000, "The ziggurat method for
// generating random variables", with their R and layer area V), scaled for a 25-bit signed
// value j in [-2^24, 2^24): a draw inside layer i's rectangle is |j| < K[i], and its value
// is j * W[i]. F[i] is the density at the layer's outer edge.
const ZIGGURAT_R = 3.442619855899;
const ZIGGURAT_K = new Float64Array(128);
const ZIGGURAT_W = new Float64Array(128);
const ZIGGURAT_F = new Float64Array(128);
{
  const scale = 2 ** 24;
  const area = 9.91256303526217e-3;
  let edge = ZIGGURAT_R;
  let previous = edge;
  const q = area / Math.exp(-0.5 * edge * edge);
  ZIGGURAT_K[0] = (edge / q) * scale;
  ZIGGURAT_K[1] = 0;
  ZIGGURAT_W[0] = q / scale;
  ZIGGURAT_W[127] = edge / scale;
  ZIGGURAT_F[0] = 1;
  ZIGGURAT_F[127] = Math.exp(-0.5 * edge * edge);
  for (let i = 126; i >= 1; i--) {
    edge = Math.sqrt(-2 * Math.log(area / edge + Math.exp(-0.5 * edge * edge)));
    ZIGGURAT_K[i + 1] = (edge / previous) * scale;
    previous = edge;
    ZIGGURAT_F[i] = Math.exp(-0.5 * edge * edge);
    ZIGGURAT_W[i] = edge / scale;
  }
}

/** MurmurHash3's finaliser: a bijective 32-bit mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A splitmix32 sequence: turns one 32-bit seed into any number of well-mixed words. */
function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    return fmix32(x);
  };
}

function nonZero(key: number[]): [number, number, number, number] {
  // xoshiro's one forbidden state is all zeros; a hash output of four zero words is
  // astronomically unlikely but costs nothing to rule out.
  if (!key.some((word) => word !== 0)) key[0] = 0x9e3779b9;
  return [key[0]! >>> 0, key[1]! >>> 0, key[2]! >>> 0, key[3]! >>> 0];
}

function keyFromSeed(seed: number): [number, number, number, number] {
  if (!Number.isFinite(seed)) throw new Error(`random seed must be a finite number, got ${seed}`);
  const integer = Math.trunc(seed);
  // Seeds above 2^32 keep their high bits, so 1 and 2^32 + 1 are different streams.
  const low = integer >>> 0;
  const high = Math.floor(integer / 4294967296) >>> 0;
  const words = splitmix32(low ^ fmix32(high ^ 0x6a09e667));
  return nonZero([words(), words(), words(), words()]);
}

function keyFromLabel(parent: readonly number[], label: string): [number, number, number, number] {
  // FNV-1a over the label's UTF-16 code units, then each parent word mixed with its own
  // splitmix output, so children of different parents or labels share nothing.
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const words = splitmix32(h);
  return nonZero(parent.map((word) => fmix32((word ^ words()) >>> 0)));
}

function isWord(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

function checkState(state: RngState): void {
  const ok =
    state !== null &&
    typeof state === "object" &&
    state.algorithm === "xoshiro128**" &&
    Array.isArray(state.s) &&
    state.s.length === 4 &&
    state.s.every(isWord) &&
    state.s.some((word) => word !== 0) &&
    Array.isArray(state.key) &&
    state.key.length === 4 &&
    state.key.every(isWord);
  if (!ok) throw new Error(`not a saved random-number state: ${JSON.stringify(state)?.slice(0, 200)}`);
}

/** The next 32-bit output of the xoshiro128** state `s` (four words, advanced in place), as a signed integer. */
function nextSignedWord(s: Int32Array): number {
  const s0 = s[0]!;
  const s1 = s[1]!;
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
  const s2 = s[2]! ^ s0;
  const s3 = s[3]! ^ s1;
  s[0] = s0 ^ s3;
  s[1] = s1 ^ s2;
  s[2] = s2 ^ (s1 << 9);
  s[3] = rotl(s3, 11);
  return result;
}

/** The next output as an unsigned integer in [0, 2^32). */
const nextWord = (s: Int32Array): number => nextSignedWord(s) >>> 0;

/**
 * The ziggurat's rare cases (about 1.2% of draws): a point in a layer's wedge, accepted
 * against the density itself, or in the base layer's tail beyond R, drawn by Marsaglia's
 * exponential method. Draws from the state `s` as normal() would from where it left off.
 */
function normalSlowPath(s: Int32Array, j: number, layer: number): number {
  for (;;) {
    const x = j * ZIGGURAT_W[layer]!;
    if (layer === 0) {
      let tail: number;
      let y: number;
      do {
        // (word + 0.5) * 2^-32 lies strictly inside (0, 1): log never sees 0.
        tail = -Math.log((nextWord(s) + 0.5) * TWO_POW_MINUS_32) / ZIGGURAT_R;
        y = -Math.log((nextWord(s) + 0.5) * TWO_POW_MINUS_32);
      } while (y + y < tail * tail);
      return j > 0 ? ZIGGURAT_R + tail : -ZIGGURAT_R - tail;
    }
    const below = ZIGGURAT_F[layer]!;
    const above = ZIGGURAT_F[layer - 1]!;
    if (below + nextWord(s) * TWO_POW_MINUS_32 * (above - below) < Math.exp(-0.5 * x * x)) return x;
    const word = nextSignedWord(s);
    j = word >> 7;
    layer = word & 127;
    if (Math.abs(j) < ZIGGURAT_K[layer]!) return j * ZIGGURAT_W[layer]!;
  }
}

/**
 * Fills out[from..] with the ziggurat's fast path, mean + std * j * W[layer], the generator
 * inlined on local variables (a call and four stores per value would cost more than the
 * ziggurat itself). Stops at the first draw outside the layers' rectangles, leaves that
 * draw's word in s[4] and returns its index (out.length once full). This loop has no call
 * in it: with the slow path's call in its body, even a call never taken, every draw took
 * about 1.5 times as long.
 */
function fillNormalFast(out: Float32Array, s: Int32Array, mean: number, std: number, from: number): number {
  let s0 = s[0]!;
  let s1 = s[1]!;
  let s2 = s[2]!;
  let s3 = s[3]!;
  const n = out.length;
  let i = from;
  for (; i < n; i++) {
    const word = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    const j = word >> 7;
    const layer = word & 127;
    if (Math.abs(j) >= ZIGGURAT_K[layer]!) {
      s[4] = word;
      break;
    }
    out[i] = mean + std * j * ZIGGURAT_W[layer]!;
  }
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
  return i;
}

class Xoshiro128 implements Rng {
  /** The four state words, as int32 (getState turns them unsigned), and fillNormalFast's word for the slow path. */
  private readonly s = new Int32Array(5);

  constructor(private key: [number, number, number, number]) {
    this.s.set(key);
  }

  next(): number {
    return nextWord(this.s) * TWO_POW_MINUS_32;
  }

  normal(): number {
    const word = nextSignedWord(this.s);
    const j = word >> 7;
    const layer = word & 127;
    if (Math.abs(j) < ZIGGURAT_K[layer]!) return j * ZIGGURAT_W[layer]!;
    return normalSlowPath(this.s, j, layer);
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    // The fast path runs in a loop of its own (fillNormalFast), left at a draw outside the
    // layers' rectangles; it draws exactly what out.length calls of normal() would (tested).
    const s = this.s;
    const n = out.length;
    for (let i = fillNormalFast(out, s, mean, std, 0); i < n; i = fillNormalFast(out, s, mean, std, i + 1)) {
      const word = s[4]!;
      out[i] = mean + std * normalSlowPath(s, word >> 7, word & 127);
    }
    return out;
  }

  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    const width = (hi - lo) * TWO_POW_MINUS_32;
    for (let i = 0; i < out.length; i++) out[i] = lo + nextWord(this.s) * width;
    // Rounding to float32 can turn a value just below `hi` into `hi` itself.
    if (hi > lo) {
      const top = Math.fround(hi);
      for (let i = 0; i < out.length; i++) if (out[i]! >= top) out[i] = lo;
    }
    return out;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new Error(`rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    // Rejection sampling on the top of the 32-bit range removes modulo bias.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const word = nextWord(this.s);
      if (word < limit) return word % n;
    }
  }

  shuffle<T extends { length: number; [index: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const value = array[i];
      array[i] = array[j];
      array[j] = value;
    }
    return array;
  }

  split(label: string): Rng {
    return new Xoshiro128(keyFromLabel(this.key, label));
  }

  getState(): RngState {
    return {
      algorithm: "xoshiro128**",
      s: [this.s[0]! >>> 0, this.s[1]! >>> 0, this.s[2]! >>> 0, this.s[3]! >>> 0],
      key: [...this.key],
    };
  }

  setState(state: RngState): void {
    checkState(state);
    this.s.set(state.s);
    this.key = [...state.key];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A stream seeded from `seed` (any finite number; its integer part is used). */
export function createRng(seed: number): Rng {
  return new Xoshiro128(keyFromSeed(seed));
}

/** A stream that continues from a saved state. */
export function rngFromState(state: RngState): Rng {
  checkState(state);
  const rng = new Xoshiro128([...state.key]);
  rng.setState(state);
  return rng;
}
