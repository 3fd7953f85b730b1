import {
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { forwardConvInfo, readConvAttrs } from "../conv-geometry.js";
import { subPixelTransposedConv } from "../sub-pixel.js";
import { WasmOps, type ExplicitPad, type Shape4 } from "../wasm-ops.js";

/**
 * The depthwise convolution's gradient kernels for the wasm backend, which ships neither.
 * Filter [kh, kw, C, M]; dy [N, OH, OW, C*M] with channel c*M + m.
 */

/**
 * dW[i, j, c, m] = sum_{n, oh, ow} xPadded[n, oh*s + i, ow*s + j, c] * dy[n, oh, ow, c*M + m].
 *
 * A depthwise convolution cannot sum over the batch, so the batch goes into the channels:
 * x -> [1, H, W, N*C] and dy -> filter [OH, OW, N*C, M], applied with dilation s, give
 * [1, kh, kw, N*C*M]; summing over N leaves dW. Same work as the direct sum, on XNNPACK.
 */
export function depthwiseBackpropFilterWasm(
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: Shape4,
  attrs: Parameters<typeof readConvAttrs>[0],
  backend: BackendWasm,
): TensorInfo {
  const kernel = DepthwiseConv2dNativeBackpropFilter;
  const info = forwardConvInfo(kernel, x.shape as Shape4, filterShape, readConvAttrs(attrs), true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: cm } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const m = filterShape[3];
  checkDy(kernel, dy, [n, oh, ow, cm]);
  const ops = new WasmOps(backend);
  if (n * oh * ow * cm === 0) return ops.zeros(filterShape);

  const padBottom = (oh - 1) * sh + kh - padInfo.top - h;
  const padRight = (ow - 1) * sw + kw - padInfo.left - w;
  const usedH = Math.min(h, h + padBottom);
  const usedW = Math.min(w, w + padRight);
  if (usedH <= 0 || usedW <= 0) return ops.zeros(filterShape);

  const xT = ops.transpose(x, [1, 2, 0, 3]); // [H, W, N, C]
  const xAsChannels = ops.reshape(xT, [1, h, w, n * c]);
  ops.dispose(xT);
  let xUsed = xAsChannels;
  if (usedH < h || usedW < w) {
    xUsed = ops.slice(xAsChannels, [0, 0, 0, 0], [1, usedH, usedW, n * c]);
    ops.dispose(xAsChannels);
  }
  const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, C*M]
  const dyAsFilter = ops.reshape(dyT, [oh, ow, n * c, m]);
  ops.dispose(dyT);
  const pad: ExplicitPad = [
    [0, 0],
    [padInfo.top, Math.max(0, padBottom)],
    [padInfo.left, Math.max(0, padRight)],
    [0, 0],
  ];
  const perSample = ops.depthwiseConv2d(xUsed, dyAsFilter, pad, [sh, sw]); // [1, kh, kw, N*C*M]
  ops.dispose(xUsed, dyAsFilter);
  const split = ops.reshape(perSample, [kh, kw, n, c * m]);
  ops.dispose(perSample);
  const summed = n === 1 ? split : ops.sum(split, [2]);
  if (summed !== split) ops.dispose(split);
  const out = ops.reshape(summed, filterShape);
  ops.dispose(summed);
  return out;
}

/**
 * dx[n, y, x, c] = sum over taps and m of dy[n, oh, ow, c*M + m] * W[i, j, c, m]: a
 * depthwise convolution of dy with the flipped filter, then a sum over M, split into
 * one stride-1 convolution per output phase when strided (see sub-pixel.ts).
 */
export function depthwiseBackpropInputWasm(
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: Shape4,
  attrs: Parameters<typeof readConvAttrs>[0],
  backend: BackendWasm,
): TensorInfo {
  const kernel = DepthwiseConv2dNativeBackpropInput;
  const filterShape = filter.shape as Shape4;
  const info = forwardConvInfo(kernel, inputShape, filterShape, readConvAttrs(attrs), true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outChannels: cm } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  const m = filterShape[3];
  checkDy(kernel, dy, [n, oh, ow, cm]);
  const ops = new WasmOps(backend);
  if (n * h * w * c === 0 || oh * ow * cm === 0) return ops.zeros(inputShape);

  return subPixelTransposedConv(ops, {
    dy,
    batch: n,
    outHeight: h,
    outWidth: w,
    outChannels: c,
    strides: [info.strideHeight, info.strideWidth],
    filterSize: [kh, kw],
    padTopLeft: [info.padInfo.top, info.padInfo.left],
    // Wsub[th, tw, c*M + m, 0] = W[tapsH[th], tapsW[tw], c, m]: one contiguous run per tap.
    subFilter(tapsH, tapsW) {
      const out = ops.backend.makeOutput([tapsH.length, tapsW.length, cm, 1], "float32");
      const src = ops.heapView(filter); // views taken after the allocation above
      const dst = ops.heapView(out);
      let k = 0;
      for (const th of tapsH) {
        for (const tw of tapsW) {
          const start = (th * kw + tw) * cm;
          dst.set(src.subarray(start, start + cm), k);
          k += cm;
        }
      }
      return out;
    },
    convolve(window, subFilter, pad) {
      const perMultiplier = ops.depthwiseConv2d(window, subFilter, pad); // [N, qh, qw, C*M]
      if (m === 1) return perMultiplier;
      const [, qh, qw] = perMultiplier.shape as Shape4;
      const split = ops.reshape(perMultiplier, [n, qh, qw, c, m]);
      ops.dispose(perMultiplier);
      const summed = ops.sum(split, [4]);
      ops.dispose(split);
      return summed;
    },
  });
}

function checkDy(kernel: string, dy: TensorInfo, expected: number[]): void {
  if (dy.shape.join() !== expected.join()) {
    throw new Error(
      `@gan/backend-wasm ${kernel}: dy has shape [${dy.shape}], expected [${expected}] ` +
        `from the input and filter shapes.`,
    );
  }
}

const filterKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = (attrs as { filterShape: Shape4 }).filterShape;
  return depthwiseBackpropFilterWasm(x, dy, filterShape, attrs, backend as BackendWasm);
};

const inputKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = (attrs as { inputShape: Shape4 }).inputShape;
  return depthwiseBackpropInputWasm(dy, filter, inputShape, attrs, backend as BackendWasm);
};

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: "wasm",
  kernelFunc: filterKernelFunc,
};

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: "wasm",
  kernelFunc: inputKernelFunc,
};
