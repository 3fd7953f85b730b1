import { Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { blasConv2DBackpropFilter } from "../blas/blas-kernels.js";
import { nativeBlasInUse } from "../blas/use-native-blas.js";
import { forwardConvInfo, readConvAttrs } from "../conv-geometry.js";
import { conv2DBackpropFilterByGemm, GEMM_MAX_IN_CHANNELS_FOR_FILTER_GRADIENT } from "../im2col.js";
import { WasmOps, type ExplicitPad, type Shape4 } from "../wasm-ops.js";

/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it.
 *
 *   dW[i, j, ci, co] = sum_{n, oh, ow} xPadded[n, oh*s + i, ow*s + j, ci] * dy[n, oh, ow, co]
 *
 * is itself a convolution: take the input channels as the batch and the batch as the
 * input channels (x -> [ci, H, W, N]), and dy as a filter of size OH x OW (dy -> [OH, OW, N, co])
 * applied with dilation s. Its stride-1 output, [ci, kh, kw, co], is dW up to a transpose.
 * So the whole kernel runs on XNNPACK: two transposes, one dilated convolution, one transpose.
 * With 8 input channels or fewer, im2col and one matrix product are faster (see im2col.ts).
 */
export function conv2DBackpropFilterWasm(
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: Shape4,
  attrs: Parameters<typeof readConvAttrs>[0],
  backend: BackendWasm,
): TensorInfo {
  const kernel = "Conv2DBackpropFilter";
  const info = forwardConvInfo(kernel, x.shape as Shape4, filterShape, readConvAttrs(attrs));
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  if (dy.shape.join() !== [n, oh, ow, co].join()) {
    throw new Error(
      `@gan/backend-wasm ${kernel}: dy has shape [${dy.shape}], but input [${x.shape}] ` +
        `with filter [${filterShape}] gives [${[n, oh, ow, co]}].`,
    );
  }
  const ops = new WasmOps(backend);
  if (n * oh * ow === 0 || ci * co === 0) return ops.zeros(filterShape);
  const blas = nativeBlasInUse();
  if (blas !== undefined) return blasConv2DBackpropFilter(blas, backend, x, dy, info);
  if (ci <= GEMM_MAX_IN_CHANNELS_FOR_FILTER_GRADIENT) return conv2DBackpropFilterByGemm(ops, x, dy, info);

  // The dilated correlation reads padded rows 0 .. (oh-1)*sh + kh - 1: pad at the bottom up
  // to that, or drop input rows beyond it (valid padding can leave rows no output reads).
  const padBottom = (oh - 1) * sh + kh - padInfo.top - h;
  const padRight = (ow - 1) * sw + kw - padInfo.left - w;
  const usedH = Math.min(h, h + padBottom);
  const usedW = Math.min(w, w + padRight);

  const xT = ops.transpose(x, [3, 1, 2, 0]); // [ci, H, W, N]
  let xUsed = xT;
  if (usedH < h || usedW < w) {
    if (usedH <= 0 || usedW <= 0) {
      ops.dispose(xT);
      return ops.zeros(filterShape);
    }
    xUsed = ops.slice(xT, [0, 0, 0, 0], [ci, usedH, usedW, n]);
    ops.dispose(xT);
  }
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, co]
  const pad: ExplicitPad = [
    [0, 0],
    [padInfo.top, Math.max(0, padBottom)],
    [padInfo.left, Math.max(0, padRight)],
    [0, 0],
  ];
  const grad = ops.conv2d(xUsed, dyT, pad, [sh, sw]); // [ci, kh, kw, co]
  ops.dispose(xUsed, dyT);
  const out = ops.transpose(grad, [1, 2, 0, 3]); // [kh, kw, ci, co]
  ops.dispose(grad);
  return out;
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = (attrs as { filterShape: Shape4 }).filterShape;
  return conv2DBackpropFilterWasm(x, dy, filterShape, attrs, backend as BackendWasm);
};

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc,
};
