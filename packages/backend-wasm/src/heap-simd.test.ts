import { beforeAll, describe, expect, it } from "vitest";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd } from "./heap-simd.js";
import { seededValues, setUpBackends, tf } from "./test-helpers.js";

beforeAll(setUpBackends);

describe("the SIMD loops on the wasm heap", () => {
  it("addInto and copy match JavaScript's float32 loops for every count, offset, number of runs and stride (overlapping runs add in order)", () => {
    tf.setBackend("wasm");
    const backend = tf.backend() as BackendWasm;
    const simd = heapSimd(backend)!;
    expect(simd).toBeDefined();
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
});
