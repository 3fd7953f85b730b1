import { Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { blasConv2DBackpropInput } from "../blas/blas-kernels.js";
import { nativeBlasInUse } from "../blas/use-native-blas.js";
import { forwardConvInfo, readConvAttrs } from "../conv-geometry.js";
import { conv2DBackpropInputByGemm, GEMM_MAX_IN_CHANNELS_FOR_INPUT_GRADIENT } from "../im2col.js";
import { subPixelTransposedConv } from "../sub-pixel.js";
import { WasmOps, type Shape4 } from "../wasm-ops.js";

/**
 * Conv2DBackpropInput for the wasm backend on XNNPACK.
 *
 * tfjs-backend-wasm computes it with plain loops; it serves both the transposed
 * convolutions of a generator and the input gradients of a discriminator, so it dominated
 * a DCGAN step. Here it is a stride-1 convolution of dy with the spatially flipped filter,
 * its channel axes swapped, split into one small convolution per output phase when the
 * stride is 2 or more (see sub-pixel.ts). With 4 input channels or fewer (the result's
 * channels), one matrix product and col2im are faster (see im2col.ts).
 */
export function conv2DBackpropInputWasm(
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: Shape4,
  attrs: Parameters<typeof readConvAttrs>[0],
  backend: BackendWasm,
): TensorInfo {
  const kernel = "Conv2DBackpropInput";
  const info = forwardConvInfo(kernel, inputShape, filter.shape as Shape4, readConvAttrs(attrs));
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = info;
  if (dy.shape.join() !== [n, oh, ow, co].join()) {
    throw new Error(
      `@gan/backend-wasm ${kernel}: dy has shape [${dy.shape}], but input [${inputShape}] ` +
        `with filter [${filter.shape}] gives [${[n, oh, ow, co]}].`,
    );
  }
  const ops = new WasmOps(backend);
  if (n * h * w * ci === 0) return ops.zeros(inputShape);
  if (oh * ow * co === 0) return ops.zeros(inputShape);
  const blas = nativeBlasInUse();
  if (blas !== undefined) return blasConv2DBackpropInput(blas, backend, dy, filter, info);
  if (ci <= GEMM_MAX_IN_CHANNELS_FOR_INPUT_GRADIENT) return conv2DBackpropInputByGemm(ops, dy, filter, info);

  return subPixelTransposedConv(ops, {
    dy,
    batch: n,
    outHeight: h,
    outWidth: w,
    outChannels: ci,
    strides: [info.strideHeight, info.strideWidth],
    filterSize: [kh, kw],
    padTopLeft: [info.padInfo.top, info.padInfo.left],
    // Wsub[th, tw, o, i] = W[tapsH[th], tapsW[tw], i, o]: the taps already come reversed.
    subFilter(tapsH, tapsW) {
      const out = ops.backend.makeOutput([tapsH.length, tapsW.length, co, ci], "float32");
      const src = ops.heapView(filter); // views taken after the allocation above
      const dst = ops.heapView(out);
      let k = 0;
      for (const th of tapsH) {
        for (const tw of tapsW) {
          const base = (th * kw + tw) * ci * co;
          for (let o = 0; o < co; o++) {
            for (let i = 0; i < ci; i++) dst[k++] = src[base + i * co + o] as number;
          }
        }
      }
      return out;
    },
    convolve: (window, subFilter, pad) => ops.conv2d(window, subFilter, pad),
  });
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = (attrs as { inputShape: Shape4 }).inputShape;
  return conv2DBackpropInputWasm(dy, filter, inputShape, attrs, backend as BackendWasm);
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc,
};
