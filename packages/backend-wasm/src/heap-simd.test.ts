import { beforeAll, describe, expect, it } from "vitest";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd, type HeapSimd } from "./heap-simd.js";
import { seededValues, setUpBackends, tf } from "./test-helpers.js";

beforeAll(setUpBackends);

/** Signed zeros, NaNs of both signs (quiet and signalling), denormals, infinities, extremes: as bits, so that NaN payloads are what they are. */
const SPECIAL_BITS = [0, 0x80000000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0xffa00001, 1, 0x80000001, 0x7f800000, 0xff800000, 0x3f800000, 0xbf800000, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x40490fdb];
const SPECIALS = new Float32Array(Uint32Array.from(SPECIAL_BITS).buffer);

const bitsOf = (values: ArrayLike<number>) => [...new Uint32Array(Float32Array.from(values).buffer)];

/** The wasm backend and its SIMD loops. */
function wasmLoops(): { backend: BackendWasm; simd: HeapSimd } {
  tf.setBackend("wasm");
  const backend = tf.backend() as BackendWasm;
  const simd = heapSimd(backend);
  expect(simd).toBeDefined();
  return { backend, simd: simd! };
}

describe("the SIMD loops on the wasm heap", () => {
  it("addInto and copy match JavaScript's float32 loops for every count, offset, number of runs and stride (overlapping runs add in order)", () => {
    const { backend, simd } = wasmLoops();
    tf.tidy(() => {
      const a = tf.tensor1d(Float32Array.from(seededValues(96, 150), (v, i) => v * 10 ** ((i % 7) - 3)));
      const b = tf.tensor1d(Float32Array.from(seededValues(96, 151), (v, i) => v * 10 ** ((i % 5) - 2)));
      const heapA = backend.typedArrayFromHeap(a) as Float32Array;
      const heapB = backend.typedArrayFromHeap(b) as Float32Array;
      const original = Float32Array.from(heapA);
      // [dst, src, runs, dst stride, src stride]: one run; runs apart; runs that overlap in dst (col2im's) or in src (im2col's).
      for (const [dst, src, rows, dstStride, srcStride] of [[0, 0, 1, 0, 0], [3, 1, 1, 0, 0], [5, 17, 1, 0, 0], [2, 3, 3, 15, 14], [1, 0, 4, 3, 16], [0, 2, 3, 16, 5]] as const) {
        for (let count = 0; count <= 13; count++) {
          const where = `${count} x ${rows} at ${dst} (+${dstStride}) from ${src} (+${srcStride})`;
          heapA.set(original);
          const expected = Float32Array.from(original);
          for (let r = 0; r < rows; r++) for (let i = 0; i < count; i++) expected[dst + r * dstStride + i]! += heapB[src + r * srcStride + i]!;
          simd.addInto(heapAddress(heapA, dst), heapAddress(heapB, src), count, rows, 4 * dstStride, 4 * srcStride);
          expect([...heapA], `addInto ${where}`).toEqual([...expected]);
          if (dstStride > 0 && dstStride < count) continue; // copy's runs must not overlap
          heapA.set(original);
          expected.set(original);
          for (let r = 0; r < rows; r++) expected.set(heapB.subarray(src + r * srcStride, src + r * srcStride + count), dst + r * dstStride);
          simd.copy(heapAddress(heapA, dst), heapAddress(heapB, src), count, rows, 4 * dstStride, 4 * srcStride);
          expect([...heapA], `copy ${where}`).toEqual([...expected]);
        }
      }
    });
  });

  it("reluGradient is wasm's Step then Multiply, bit for bit, on every kind of float, and leaves the last count % 4 to the caller", () => {
    const { backend, simd } = wasmLoops();
    const specials = SPECIALS;
    // Every (dy, y) pair of special values, then seeded values of both signs and many scales.
    const pairs = specials.length ** 2;
    const length = pairs + 67;
    const seededDy = seededValues(length, 152);
    const seededY = seededValues(length, 153);
    const dyValues = Float32Array.from({ length }, (_, i) => (i < pairs ? specials[Math.floor(i / specials.length)]! : seededDy[i]! * 10 ** ((i % 9) - 4)));
    const yValues = Float32Array.from({ length }, (_, i) => (i < pairs ? specials[i % specials.length]! : seededY[i]! * 10 ** ((i % 7) - 3)));
    tf.tidy(() => {
      const dy = tf.tensor1d(dyValues);
      const y = tf.tensor1d(yValues);
      const expected = bitsOf(tf.mul(dy, tf.step(y)).dataSync());
      for (const count of [0, 1, 3, 4, 7, 8, 13, dyValues.length]) {
        const out = tf.fill([dyValues.length], 7);
        const outHeap = backend.typedArrayFromHeap(out) as Float32Array;
        simd.reluGradient(heapAddress(backend.typedArrayFromHeap(dy) as Float32Array), heapAddress(backend.typedArrayFromHeap(y) as Float32Array), heapAddress(outHeap), count);
        const whole = count & ~3;
        expect(bitsOf(outHeap.subarray(0, whole)), `count ${count}`).toEqual(expected.slice(0, whole));
        expect([...outHeap.subarray(whole)].every((v) => v === 7), `count ${count}: past the whole groups`).toBe(true);
      }
    });
  });

  it("addRelu is wasm's Add then Relu, bit for bit, on every kind of float, for a bias broadcast over rows of any width", () => {
    const { backend, simd } = wasmLoops();
    const specials = SPECIALS;
    const seeded = Float32Array.from(seededValues(9 * 13, 154), (v, i) => v * 10 ** ((i % 7) - 3));
    tf.tidy(() => {
      // Every (sum term, bias) pair of special values, by the SIMD lanes (one row of the specials)
      // and by the scalar loop (a column of them, the bias broadcast down it).
      for (let b = 0; b < specials.length; b++) {
        for (const [rows, cols] of [[1, specials.length], [specials.length, 1]] as const) {
          const product = tf.tensor2d(specials, [rows, cols]);
          const bias = tf.tensor1d(Float32Array.from({ length: cols }, () => specials[b]!));
          const expected = bitsOf(tf.relu(tf.add(product, bias)).dataSync());
          const heap = backend.typedArrayFromHeap(product) as Float32Array;
          simd.addRelu(heapAddress(heap), heapAddress(backend.typedArrayFromHeap(bias) as Float32Array), cols, rows, 4 * cols, 0);
          expect(bitsOf(heap), `${rows}x${cols}, bias ${SPECIAL_BITS[b]!.toString(16)}`).toEqual(expected);
        }
      }
      // Seeded rows of widths 1 to 13, the bias broadcast (stride 0) over 9 rows.
      for (let cols = 1; cols <= 13; cols++) {
        const product = tf.tensor2d(seeded.slice(0, 9 * cols), [9, cols]);
        const bias = tf.tensor1d(Float32Array.from(seededValues(cols, 155 + cols)));
        const expected = bitsOf(tf.relu(tf.add(product, bias)).dataSync());
        const heap = backend.typedArrayFromHeap(product) as Float32Array;
        simd.addRelu(heapAddress(heap), heapAddress(backend.typedArrayFromHeap(bias) as Float32Array), cols, 9, 4 * cols, 0);
        expect(bitsOf(heap), `${cols} columns`).toEqual(expected);
      }
    });
  });

  it("leakyRelu is wasm's LeakyRelu, bit for bit, on every kind of float, in place or not, for every count", () => {
    const { backend, simd } = wasmLoops();
    const values = Float32Array.from([...SPECIALS, ...seededValues(67, 160).map((v, i) => v * 10 ** ((i % 9) - 4))]);
    tf.tidy(() => {
      for (const alpha of [0.2, 0, 1.5]) {
        const x = tf.tensor1d(values);
        const expected = bitsOf(tf.leakyRelu(x, alpha).dataSync());
        for (const count of [0, 1, 3, 4, 7, 8, 13, values.length]) {
          const out = tf.fill([values.length], 7);
          const outHeap = backend.typedArrayFromHeap(out) as Float32Array;
          simd.leakyRelu(heapAddress(backend.typedArrayFromHeap(x) as Float32Array), heapAddress(outHeap), count, alpha);
          expect(bitsOf(outHeap.subarray(0, count)), `alpha ${alpha}, count ${count}`).toEqual(expected.slice(0, count));
          expect([...outHeap.subarray(count)].every((v) => v === 7), `alpha ${alpha}, count ${count}: past the end`).toBe(true);
        }
        const inPlace = tf.tensor1d(values);
        const heap = backend.typedArrayFromHeap(inPlace) as Float32Array;
        simd.leakyRelu(heapAddress(heap), heapAddress(heap), values.length, alpha);
        expect(bitsOf(heap), `alpha ${alpha}, in place`).toEqual(expected);
        // Each value alone, by the scalar loop.
        const alone = tf.tensor1d(values);
        const aloneHeap = backend.typedArrayFromHeap(alone) as Float32Array;
        for (let i = 0; i < values.length; i++) simd.leakyRelu(heapAddress(aloneHeap, i), heapAddress(aloneHeap, i), 1, alpha);
        expect(bitsOf(aloneHeap), `alpha ${alpha}, one at a time`).toEqual(expected);
      }
    });
  });

  it("leakyReluGradient is wasm's where(greater(y, 0), dy, mul(dy, alpha)), bit for bit, on every pair of special values, for every count", () => {
    const { backend, simd } = wasmLoops();
    const specials = SPECIALS;
    const pairs = specials.length ** 2;
    const length = pairs + 67;
    const seededDy = seededValues(length, 161);
    const seededY = seededValues(length, 162);
    const dyValues = Float32Array.from({ length }, (_, i) => (i < pairs ? specials[Math.floor(i / specials.length)]! : seededDy[i]! * 10 ** ((i % 9) - 4)));
    const yValues = Float32Array.from({ length }, (_, i) => (i < pairs ? specials[i % specials.length]! : seededY[i]! * 10 ** ((i % 7) - 3)));
    tf.tidy(() => {
      const dy = tf.tensor1d(dyValues);
      const y = tf.tensor1d(yValues);
      for (const alpha of [0.2, 0, 1.5]) {
        const expected = bitsOf(tf.where(tf.greater(y, 0), dy, tf.mul(dy, alpha)).dataSync());
        for (const count of [0, 1, 3, 4, 7, 8, 13, length]) {
          const out = tf.fill([length], 7);
          const outHeap = backend.typedArrayFromHeap(out) as Float32Array;
          simd.leakyReluGradient(heapAddress(backend.typedArrayFromHeap(dy) as Float32Array), heapAddress(backend.typedArrayFromHeap(y) as Float32Array), heapAddress(outHeap), count, alpha);
          expect(bitsOf(outHeap.subarray(0, count)), `alpha ${alpha}, count ${count}`).toEqual(expected.slice(0, count));
          expect([...outHeap.subarray(count)].every((v) => v === 7), `alpha ${alpha}, count ${count}: past the end`).toBe(true);
        }
        // Each pair alone, by the scalar loop.
        const out = tf.fill([length], 7);
        const outHeap = backend.typedArrayFromHeap(out) as Float32Array;
        const [dyHeap, yHeap] = [dy, y].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
        for (let i = 0; i < length; i++) simd.leakyReluGradient(heapAddress(dyHeap!, i), heapAddress(yHeap!, i), heapAddress(outHeap, i), 1, alpha);
        expect(bitsOf(outHeap), `alpha ${alpha}, one at a time`).toEqual(expected);
      }
    });
  });

  it("add, sub, mul and div, elementwise and by a scalar, are wasm's kernels bit for bit, on every pair of special values", () => {
    const { backend, simd } = wasmLoops();
    const specials = SPECIALS;
    const k = specials.length;
    // a runs through the specials k times, b through each special k times: every pair, then 7 seeded values, so that the scalar loop runs too.
    const seededA = seededValues(7, 156);
    const seededB = seededValues(7, 157);
    const aValues = Float32Array.from({ length: k * k + 7 }, (_, i) => (i < k * k ? specials[i % k]! : seededA[i - k * k]! * 1e3));
    const bValues = Float32Array.from({ length: k * k + 7 }, (_, i) => (i < k * k ? specials[Math.floor(i / k)]! : seededB[i - k * k]! * 1e-2));
    const kernels = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
    tf.tidy(() => {
      const a = tf.tensor1d(aValues);
      const b = tf.tensor1d(bValues);
      const at = (t: tf.Tensor) => heapAddress(backend.typedArrayFromHeap(t) as Float32Array);
      for (const name of ["add", "sub", "mul", "div"] as const) {
        const expected = bitsOf(kernels[name](a, b).dataSync());
        const out = tf.zeros([aValues.length]);
        simd[name](at(a), at(b), at(out), aValues.length);
        expect(bitsOf(backend.typedArrayFromHeap(out)), name).toEqual(expected);
        for (let j = 0; j < k; j++) {
          const scalar = tf.scalar(specials[j]!);
          const expectedScalar = bitsOf(kernels[name](a, scalar).dataSync());
          const outScalar = tf.zeros([aValues.length]);
          simd[`${name}Scalar`](at(a), at(scalar), at(outScalar), aValues.length);
          expect(bitsOf(backend.typedArrayFromHeap(outScalar)), `${name} by ${SPECIAL_BITS[j]!.toString(16)}`).toEqual(expectedScalar);
        }
      }
    });
  });
});
