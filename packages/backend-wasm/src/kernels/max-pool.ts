import { backend_util, MaxPoolGrad, MaxPoolWithArgmax, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * MaxPoolGrad and MaxPoolWithArgmax for wasm, in JavaScript. tfjs-backend-wasm 4.22's own
 * start each window's maximum at FLT_MIN, the smallest positive float, instead of -infinity:
 * in a window whose values are all negative (a maxpool after a conv or a leaky ReLU) no value
 * beats it, so MaxPoolGrad sends that window's gradient to the window's first position
 * instead of its maximum, and MaxPoolWithArgmax returns FLT_MIN and index 0. Here, as on cpu,
 * each window's maximum is its first largest value in row-major order (MaxPool itself, on
 * XNNPACK, is right).
 */
type PoolAttrs = { filterSize: [number, number] | number; strides: [number, number] | number; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };

/**
 * For each output value (batch, row, column, channel in NHWC order), the flat NHWC index
 * in x of its window's first maximum; -1 for a window wholly in the padding.
 */
function maxPositions(x: Float32Array, info: backend_util.Conv2DInfo): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const positions = new Int32Array(batchSize * outHeight * outWidth * channels);
  let out = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const top = r * strideHeight - info.padInfo.top;
      const rowStart = Math.max(0, top);
      const rowEnd = Math.min(inHeight, top + filterHeight);
      for (let q = 0; q < outWidth; q++) {
        const left = q * strideWidth - info.padInfo.left;
        const columnStart = Math.max(0, left);
        const columnEnd = Math.min(inWidth, left + filterWidth);
        for (let c = 0; c < channels; c++, out++) {
          let best = Number.NEGATIVE_INFINITY;
          let position = -1;
          for (let row = rowStart; row < rowEnd; row++) {
            for (let column = columnStart; column < columnEnd; column++) {
              const index = ((b * inHeight + row) * inWidth + column) * channels + c;
              const value = x[index] as number;
              if (value > best || position < 0) {
                best = value;
                position = index;
              }
            }
          }
          positions[out] = position;
        }
      }
    }
  }
  return positions;
}

function poolInfo(x: TensorInfo, attrs: PoolAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

const maxPoolGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const wasm = backend as BackendWasm;
  const positions = maxPositions(wasm.typedArrayFromHeap(input) as Float32Array, poolInfo(input, attrs as unknown as PoolAttrs));
  const dx = wasm.makeOutput(input.shape, "float32");
  // Views after the allocation: it can grow the heap.
  const dxValues = wasm.typedArrayFromHeap(dx) as Float32Array;
  const dyValues = wasm.typedArrayFromHeap(dy) as Float32Array;
  dxValues.fill(0);
  for (let out = 0; out < positions.length; out++) {
    const position = positions[out] as number;
    if (position >= 0) dxValues[position]! += dyValues[out] as number;
  }
  return dx;
};

const maxPoolWithArgmaxKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { includeBatchInIndex } = attrs as unknown as { includeBatchInIndex: boolean };
  const wasm = backend as BackendWasm;
  const info = poolInfo(x, attrs as unknown as PoolAttrs);
  const positions = maxPositions(wasm.typedArrayFromHeap(x) as Float32Array, info);
  const pooled = wasm.makeOutput(info.outShape, x.dtype);
  const indexes = wasm.makeOutput(info.outShape, "int32");
  const xValues = wasm.typedArrayFromHeap(x) as Float32Array;
  const pooledValues = wasm.typedArrayFromHeap(pooled) as Float32Array;
  const indexValues = wasm.typedArrayFromHeap(indexes) as Int32Array;
  const perSample = info.inHeight * info.inWidth * info.inChannels;
  for (let out = 0; out < positions.length; out++) {
    const position = positions[out] as number;
    pooledValues[out] = position >= 0 ? (xValues[position] as number) : Number.NEGATIVE_INFINITY;
    indexValues[out] = includeBatchInIndex || position < 0 ? position : position % perSample;
  }
  return [pooled, indexes];
};

/** Registered by `registerWasmTraining` in place of wasm's own. */
export const maxPoolGradConfig: KernelConfig = { kernelName: MaxPoolGrad, backendName: "wasm", kernelFunc: maxPoolGradKernel };
export const maxPoolWithArgmaxConfig: KernelConfig = { kernelName: MaxPoolWithArgmax, backendName: "wasm", kernelFunc: maxPoolWithArgmaxKernel };
