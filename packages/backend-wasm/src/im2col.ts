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
 * Runs of at least this many floats are copied or added by a SIMD loop (a call into wasm costs about
 * as much as a dozen scalar additions in JavaScript).
 */
const SIMD_MIN_RUN = 16;

/**
 * im2col: patches[(n, oh, ow), (i, j, c)] = xPadded[n, oh*sh + i, ow*sw + j, c], zero in the
 * padding. `patches` holds n*oh*ow rows of kh*kw*c values. With `simd` (both arrays then
 * views of its heap), runs of many channels are copied by its SIMD loop.
 */
export function gatherPatches(x: Float32Array, patches: Float32Array, info: backend_util.Conv2DInfo, simd?: HeapSimd): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const k = kh * kw * c;
  patches.fill(0, 0, n * oh * ow * k);
  let base = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++, base += k) {
        for (let i = 0; i < kh; i++) {
          const xr = r * sh + i - padInfo.top;
          if (xr < 0 || xr >= h) continue;
          // Whole rows of the patch: the kw*c values of one filter row are contiguous in x
          // where the row stays inside the image.
          const jFirst = Math.max(0, padInfo.left - q * sw);
          const jEnd = Math.min(kw, w + padInfo.left - q * sw);
          if (jEnd <= jFirst) continue;
          const from = ((b * h + xr) * w + q * sw + jFirst - padInfo.left) * c;
          const to = base + (i * kw + jFirst) * c;
          const count = (jEnd - jFirst) * c;
          // A short run (few channels) is cheaper as a loop than as a subarray and a set.
          if (simd !== undefined && count >= SIMD_MIN_RUN) simd.copy(heapAddress(patches, to), heapAddress(x, from), count);
          else if (count < 64) for (let e = 0; e < count; e++) patches[to + e] = x[from + e] as number;
          else patches.set(x.subarray(from, from + count), to);
        }
      }
    }
  }
}

/**
 * col2im, the adjoint of gatherPatches: dx[n, y, x, c] = the sum of the patch entries that
 * read xPadded[n, y, x, c]. Overwrites all of `dx`. With `simd` (both arrays then views of
 * its heap), the runs of many channels are added four floats at a time: the same float32
 * additions in the same order, so the same values, 5-10x faster than JavaScript's scalar
 * additions on the MNIST DCGAN's 64-channel layers.
 */
export function scatterPatches(patches: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo, simd?: HeapSimd): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const k = kh * kw * c;
  dx.fill(0, 0, n * h * w * c);
  let base = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++, base += k) {
        for (let i = 0; i < kh; i++) {
          const xr = r * sh + i - padInfo.top;
          if (xr < 0 || xr >= h) continue;
          const jFirst = Math.max(0, padInfo.left - q * sw);
          const jEnd = Math.min(kw, w + padInfo.left - q * sw);
          if (jEnd <= jFirst) continue;
          const to = ((b * h + xr) * w + q * sw + jFirst - padInfo.left) * c;
          const from = base + (i * kw + jFirst) * c;
          const count = (jEnd - jFirst) * c;
          if (simd !== undefined && count >= SIMD_MIN_RUN) simd.addInto(heapAddress(dx, to), heapAddress(patches, from), count);
          else for (let e = 0; e < count; e++) dx[to + e]! += patches[from + e] as number;
        }
      }
    }
  }
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
