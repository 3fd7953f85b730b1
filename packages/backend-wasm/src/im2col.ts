import type { backend_util, TensorInfo } from "@tensorflow/tfjs-core";
import { heapAddress, heapSimd, type HeapSimd } from "./heap-simd.js";
import type { Shape4, WasmOps } from "./wasm-ops.js";

/**
 * The conv gradients as one matrix product each, for layers with few input channels.
 *
 * With a few input channels (an image layer: the first conv of D, the last deconv of G),
 * the convolution forms leave XNNPACK with tiny channel counts and it runs at a fraction
 * of its speed. Gathering patches (im2col) in JavaScript and doing one large matrix product
 * is 2-4x faster with 1-3 channels. Measured on MNIST DCGAN shapes (batch 64, 4x4, stride 2):
 * for the input gradient the two are even at 4 channels and the convolution form wins from
 * 8 on (1.3-1.9x); for the filter gradient they are even at 8 and the convolution form wins
 * from 16 on (about 2x).
 */
export const GEMM_MAX_IN_CHANNELS_FOR_INPUT_GRADIENT = 4;
export const GEMM_MAX_IN_CHANNELS_FOR_FILTER_GRADIENT = 8;

/**
 * Series of runs of at least this many floats in all are copied or added by a SIMD loop (a call
 * into wasm costs about as much as a dozen scalar additions in JavaScript).
 */
const SIMD_MIN_FLOATS = 16;

/**
 * A series of runs: `rows` runs of `count` floats, run r at `patch + r * patchStride` in the
 * patch matrix and at `image + r * imageStride` in the image (offsets in floats).
 */
type RunVisitor = (patch: number, image: number, count: number, rows: number, patchStride: number, imageStride: number) => void;

/**
 * The runs im2col copies: patches[(n, oh, ow), (i, j, c)] = xPadded[n, oh*sh + i, ow*sw + j, c]
 * for the i and j where the filter stays inside the image (padding reads zeros), the values
 * of one filter row being contiguous in both. For each output pixel, its filter rows inside
 * the image are one series: contiguous in the patch row (which is written in order), w*c
 * apart in the image.
 */
function forEachRun(info: backend_util.Conv2DInfo, visit: RunVisitor): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const k = kh * kw * c;
  let base = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const iFirst = Math.max(0, padInfo.top - r * sh);
      const iEnd = Math.min(kh, h + padInfo.top - r * sh);
      if (iEnd <= iFirst) {
        base += ow * k;
        continue;
      }
      for (let q = 0; q < ow; q++, base += k) {
        const jFirst = Math.max(0, padInfo.left - q * sw);
        const jEnd = Math.min(kw, w + padInfo.left - q * sw);
        if (jEnd <= jFirst) continue;
        const image = ((b * h + r * sh + iFirst - padInfo.top) * w + q * sw + jFirst - padInfo.left) * c;
        visit(base + (iFirst * kw + jFirst) * c, image, (jEnd - jFirst) * c, iEnd - iFirst, kw * c, w * c);
      }
    }
  }
}

/**
 * im2col: patches[(n, oh, ow), (i, j, c)] = xPadded[n, oh*sh + i, ow*sw + j, c], zero in the
 * padding. `patches` holds n*oh*ow rows of kh*kw*c values. With `simd` (both arrays then
 * views of its heap), series of runs are copied by its SIMD loop.
 */
export function gatherPatches(x: Float32Array, patches: Float32Array, info: backend_util.Conv2DInfo, simd?: HeapSimd): void {
  const { batchSize: n, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, inChannels: c } = info;
  patches.fill(0, 0, n * oh * ow * kh * kw * c);
  forEachRun(info, (patch, image, count, rows, patchStride, imageStride) => {
    if (simd !== undefined && count * rows >= SIMD_MIN_FLOATS) {
      simd.copy(heapAddress(patches, patch), heapAddress(x, image), count, rows, 4 * patchStride, 4 * imageStride);
      return;
    }
    for (let row = 0; row < rows; row++, patch += patchStride, image += imageStride) {
      for (let e = 0; e < count; e++) patches[patch + e] = x[image + e] as number;
    }
  });
}

/**
 * col2im, the adjoint of gatherPatches: dx[n, y, x, c] = the sum of the patch entries that
 * read xPadded[n, y, x, c], added in the order of the output pixels. Overwrites all of `dx`.
 * With `simd` (both arrays then views of its heap), series of runs are added four floats at a
 * time: the same float32 additions in the same order, so the same values, 5-10x faster than
 * JavaScript's scalar additions on the MNIST DCGAN's 64-channel layers.
 */
export function scatterPatches(patches: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo, simd?: HeapSimd): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  dx.fill(0, 0, n * h * w * c);
  forEachRun(info, (patch, image, count, rows, patchStride, imageStride) => {
    if (simd !== undefined && count * rows >= SIMD_MIN_FLOATS) {
      simd.addInto(heapAddress(dx, image), heapAddress(patches, patch), count, rows, 4 * imageStride, 4 * patchStride);
      return;
    }
    for (let row = 0; row < rows; row++, patch += patchStride, image += imageStride) {
      for (let e = 0; e < count; e++) dx[image + e]! += patches[patch + e] as number;
    }
  });
}

function im2col(ops: WasmOps, x: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inChannels: c, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const patches = ops.backend.makeOutput([n * oh * ow, kh * kw * c], "float32");
  gatherPatches(ops.heapView(x), ops.heapView(patches), info, heapSimd(ops.backend)); // views taken after the allocation
  return patches;
}

function col2im(ops: WasmOps, cols: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const dx = ops.backend.makeOutput([n, h, w, c], "float32");
  scatterPatches(ops.heapView(cols), ops.heapView(dx), info, heapSimd(ops.backend)); // views taken after the allocation
  return dx;
}

/** dx = col2im(dy[M, co] x W^T[co, kh*kw*ci]). */
export function conv2DBackpropInputByGemm(
  ops: WasmOps,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const k = kh * kw * ci;
  const w2 = ops.reshape(filter, [1, k, co]);
  const wT = ops.transpose(w2, [0, 2, 1]); // [1, co, k]
  const dy3 = ops.reshape(dy, [1, m, co]);
  const cols = ops.batchMatMul(dy3, wT); // [1, m, k]
  ops.dispose(w2, wT, dy3);
  const dx = col2im(ops, cols, info);
  ops.dispose(cols);
  return dx;
}

/** dW = im2col(x)^T[kh*kw*ci, M] x dy[M, co]. */
export function conv2DBackpropFilterByGemm(
  ops: WasmOps,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const m = info.batchSize * info.outHeight * info.outWidth;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const patches = im2col(ops, x, info);
  const patches3 = ops.reshape(patches, [1, m, k]);
  const patchesT = ops.transpose(patches3, [0, 2, 1]); // [1, k, m]
  ops.dispose(patches, patches3);
  const dy3 = ops.reshape(dy, [1, m, info.outChannels]);
  const dW = ops.batchMatMul(patchesT, dy3); // [1, k, co]
  ops.dispose(patchesT, dy3);
  const out = ops.reshape(dW, info.filterShape);
  ops.dispose(dW);
  return out;
}
