import { beforeAll, describe, expect, it } from "vitest";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapSimd } from "./heap-simd.js";
import { gatherPatches, scatterPatches } from "./im2col.js";
import { seededValues, setUpBackends, tf } from "./test-helpers.js";

beforeAll(setUpBackends);

type Info = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** im2col and col2im as plain loops over (image, output row, output column, filter row, filter column, channel): the definition, and col2im's order of additions. */
function reference(info: Info, visit: (patchIndex: number, imageIndex: number) => void): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const y = r * sh + i - padInfo.top;
            const x = q * sw + j - padInfo.left;
            if (y < 0 || y >= h || x < 0 || x >= w) continue;
            for (let ch = 0; ch < c; ch++) visit((((b * oh + r) * ow + q) * kh * kw + i * kw + j) * c + ch, ((b * h + y) * w + x) * c + ch);
          }
        }
      }
    }
  }
}

const GEOMETRIES: [string, [number, number, number, number], [number, number, number, number], number, "same" | "valid"][] = [
  ["3x3 stride 1 same, 5 channels", [2, 6, 7, 5], [3, 3, 5, 1], 1, "same"],
  ["4x4 stride 2 same, 1 channel", [2, 7, 6, 1], [4, 4, 1, 1], 2, "same"],
  ["4x4 stride 2 same, 16 channels", [1, 8, 8, 16], [4, 4, 16, 1], 2, "same"],
  ["1x1 stride 1, 3 channels", [2, 4, 5, 3], [1, 1, 3, 1], 1, "same"],
  ["3x3 stride 2 valid, 6 channels", [1, 9, 7, 6], [3, 3, 6, 1], 2, "valid"],
  ["5x5 on a 3x3 image (no column inside), 4 channels", [1, 3, 3, 4], [5, 5, 4, 1], 1, "same"],
];

describe("im2col and col2im", () => {
  it.each(GEOMETRIES)("%s: bit for bit the plain loops, with the SIMD loops and without", (_name, xShape, wShape, stride, pad) => {
    tf.setBackend("wasm");
    const backend = tf.backend() as BackendWasm;
    const info = tf.backend_util.computeConv2DInfo(xShape, wShape, stride, 1, pad);
    const rows = info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
    const imageSize = xShape.reduce((a, b) => a * b);
    const image = Float32Array.from(seededValues(imageSize, 7), (v, i) => v * 10 ** ((i % 5) - 2));
    const cols = Float32Array.from(seededValues(rows, 8), (v, i) => v * 10 ** ((i % 7) - 3));
    const expectedPatches = new Float32Array(rows);
    reference(info, (p, x) => (expectedPatches[p] = image[x]!));
    const expectedDx = new Float32Array(imageSize);
    reference(info, (p, x) => (expectedDx[x] = Math.fround(expectedDx[x]! + cols[p]!)));
    tf.tidy(() => {
      // Heap views, as the kernels pass them (allocated first: an allocation can grow the heap).
      const tensors = [tf.tensor1d(image), tf.zeros([rows]), tf.tensor1d(cols), tf.zeros([imageSize])];
      const [x, patches, colsOnHeap, dx] = tensors.map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
      for (const simd of [heapSimd(backend), undefined]) {
        patches.fill(NaN);
        gatherPatches(x, patches, info, simd);
        expect([...patches], `im2col ${simd ? "SIMD" : "JavaScript"}`).toEqual([...expectedPatches]);
        dx.fill(NaN);
        scatterPatches(colsOnHeap, dx, info, simd);
        expect([...dx], `col2im ${simd ? "SIMD" : "JavaScript"}`).toEqual([...expectedDx]);
      }
    });
  });
});
