import { beforeAll, describe, expect, it } from "vitest";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd } from "./heap-simd.js";
import { seededValues, setUpBackends, tf } from "./test-helpers.js";

beforeAll(setUpBackends);

describe("the SIMD loops on the wasm heap", () => {
  it("addInto and copy match JavaScript's float32 loops for every count and offset (whole groups of four and the rest)", () => {
    tf.setBackend("wasm");
    const backend = tf.backend() as BackendWasm;
    const simd = heapSimd(backend)!;
    expect(simd).toBeDefined();
    tf.tidy(() => {
      const a = tf.tensor1d(Float32Array.from(seededValues(64, 150), (v, i) => v * 10 ** ((i % 7) - 3)));
      const b = tf.tensor1d(Float32Array.from(seededValues(64, 151), (v, i) => v * 10 ** ((i % 5) - 2)));
      const heapA = backend.typedArrayFromHeap(a) as Float32Array;
      const heapB = backend.typedArrayFromHeap(b) as Float32Array;
      const original = Float32Array.from(heapA);
      for (const [dst, src] of [[0, 0], [3, 1], [5, 17]] as const) {
        for (let count = 0; count <= 13; count++) {
          heapA.set(original);
          const expected = Float32Array.from(original);
          for (let i = 0; i < count; i++) expected[dst + i]! += heapB[src + i]!;
          simd.addInto(heapAddress(heapA, dst), heapAddress(heapB, src), count);
          expect([...heapA], `addInto ${count} at ${dst} from ${src}`).toEqual([...expected]);
          heapA.set(original);
          expected.set(original);
          expected.set(heapB.subarray(src, src + count), dst);
          simd.copy(heapAddress(heapA, dst), heapAddress(heapB, src), count);
          expect([...heapA], `copy ${count} at ${dst} from ${src}`).toEqual([...expected]);
        }
      }
    });
  });
});
