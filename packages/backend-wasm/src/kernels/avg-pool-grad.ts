import { AvgPoolGrad, backend_util, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { originalWasmKernel } from "../wasm-ops.js";

/**
 * AvgPoolGrad for windows that tile the input without overlap or padding (a 2x2 pooling at
 * stride 2, as in ResNet discriminators): each dx value is its window's dy times 1 / area,
 * so each window row of dx is computed once and copied to the window's other rows. wasm's
 * own kernel visits every window of every dx value: 20 ms a call on the MNIST ResNet's
 * [64, 28, 28, 32] maps, 10% of its training step. The product is the float32 product of dy
 * and the float32 1 / area, as wasm's kernel adds it to zero: bit-identical. Overlapping or
 * padded windows keep wasm's kernel.
 */
interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

const avgPoolGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const tiles =
    dy.dtype === "float32" &&
    info.strideHeight === fh &&
    info.strideWidth === fw &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    oh * fh <= h &&
    ow * fw <= w;
  if (!tiles) return originalWasmKernel(AvgPoolGrad)({ inputs, backend, attrs });
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(input.shape, "float32");
  // Views after the allocation: it can grow the heap.
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const dyValues = wasm.typedArrayFromHeap(dy) as Float32Array;
  const scale = Math.fround(1 / (fh * fw));
  const rowFloats = w * c;
  // Rows and columns past the last whole window (a 'valid' pooling of an odd size) get no gradient.
  if (oh * fh < h || ow * fw < w) dx.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const row = (b * h + y * fh) * rowFloats;
      let from = (b * oh + y) * ow * c;
      for (let x = 0; x < ow; x++, from += c) {
        for (let k = 0; k < c; k++) {
          const value = Math.fround((dyValues[from + k] as number) * scale);
          for (let j = 0; j < fw; j++) dx[row + (x * fw + j) * c + k] = value;
        }
      }
      for (let i = 1; i < fh; i++) dx.copyWithin(row + i * rowFloats, row, row + rowFloats);
    }
  }
  return out;
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const avgPoolGradConfig: KernelConfig = { kernelName: AvgPoolGrad, backendName: "wasm", kernelFunc: avgPoolGradKernel };
