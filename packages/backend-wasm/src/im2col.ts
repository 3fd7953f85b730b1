import type { backend_util, TensorInfo } from "@tensorflow/tfjs-core";
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

/** patches[(n, oh, ow), (i, j, c)] = xPadded[n, oh*sh + i, ow*sw + j, c]; zero in the padding. */
function im2col(ops: WasmOps, x: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const k = kh * kw * c;
  const patches = ops.backend.makeOutput([n * oh * ow, k], "float32");
  const src = ops.heapView(x); // views taken after the allocation above
  const dst = ops.heapView(patches);
  dst.fill(0);
  let base = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++, base += k) {
        for (let i = 0; i < kh; i++) {
          const xr = r * sh + i - padInfo.top;
          if (xr < 0 || xr >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xc = q * sw + j - padInfo.left;
            if (xc < 0 || xc >= w) continue;
            const from = ((b * h + xr) * w + xc) * c;
            const to = base + (i * kw + j) * c;
            for (let ch = 0; ch < c; ch++) dst[to + ch] = src[from + ch] as number;
          }
        }
      }
    }
  }
  return patches;
}

/** The adjoint of im2col: dx[n, y, x, c] = sum of the patch entries that read xPadded[n, y, x, c]. */
function col2im(ops: WasmOps, cols: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const k = kh * kw * c;
  const dx = ops.backend.makeOutput([n, h, w, c], "float32");
  const src = ops.heapView(cols); // views taken after the allocation above
  const dst = ops.heapView(dx);
  dst.fill(0);
  let base = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++, base += k) {
        for (let i = 0; i < kh; i++) {
          const xr = r * sh + i - padInfo.top;
          if (xr < 0 || xr >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xc = q * sw + j - padInfo.left;
            if (xc < 0 || xc >= w) continue;
            const to = ((b * h + xr) * w + xc) * c;
            const from = base + (i * kw + j) * c;
            for (let ch = 0; ch < c; ch++) dst[to + ch]! += src[from + ch] as number;
          }
        }
      }
    }
  }
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
