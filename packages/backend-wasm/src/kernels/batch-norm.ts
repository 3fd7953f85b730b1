import { FusedBatchNorm, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd } from "../heap-simd.js";
import { originalWasmKernel } from "../wasm-ops.js";

/**
 * FusedBatchNorm (batch norm's normalisation: offset + (x - mean) * scale / sqrt(variance +
 * epsilon) per channel) as one SIMD pass on the heap. wasm's kernel is a scalar loop with a
 * division and four index wraps per value: 5-6 ms a call on the MNIST ResNet's [64, 28, 28, 32]
 * maps, 4% of its training step, 8% of the DCGAN's. Here the same operations in the same order
 * and precision, two values at a time (heapSimd's batchNorm: (x - mean) * scale in float32, the
 * division by the float32 sqrt(variance + epsilon) and the offset's addition in float64, as
 * wasm's compiled kernel does them), with the per-channel norm computed once: bit-identical.
 * Taken when mean, variance, offset and scale are all vectors of the last axis's length, an even
 * number (what a batch-norm layer passes); anything else (a missing offset or scale, broadcast
 * statistics, odd channel counts) keeps wasm's kernel.
 */
const batchNormKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, mean, variance, offset, scale } = inputs as Record<string, TensorInfo | undefined>;
  const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
  const channels = x!.shape[x!.shape.length - 1] ?? 0;
  const perChannel = (t: TensorInfo | undefined) => t !== undefined && t.dtype === "float32" && t.shape.length === 1 && t.shape[0] === channels;
  const wasm = backend as BackendWasm;
  const simd = heapSimd(wasm);
  const taken =
    simd !== undefined &&
    x!.dtype === "float32" &&
    x!.shape.length >= 2 &&
    channels > 0 &&
    channels % 2 === 0 &&
    [mean, variance, offset, scale].every(perChannel);
  if (!taken) return originalWasmKernel(FusedBatchNorm)({ inputs, backend, attrs });
  const out = wasm.makeOutput(x!.shape, "float32");
  // The per-channel norm and offset as float64 vectors, side by side (4 floats a channel; the
  // heap's allocations are 8-byte aligned, as a Float64Array view needs).
  const doubles = wasm.makeOutput([4 * channels], "float32");
  // Views after the allocations: they can grow the heap.
  const scratch = wasm.typedArrayFromHeap(doubles) as Float32Array;
  const norm = new Float64Array(scratch.buffer, scratch.byteOffset, channels);
  const offsets = new Float64Array(scratch.buffer, scratch.byteOffset + 8 * channels, channels);
  const varianceValues = wasm.typedArrayFromHeap(variance!) as Float32Array;
  const epsilon = Math.fround(varianceEpsilon);
  for (let c = 0; c < channels; c++) norm[c] = Math.fround(Math.sqrt(Math.fround((varianceValues[c] as number) + epsilon)));
  offsets.set(wasm.typedArrayFromHeap(offset!) as Float32Array);
  const view = (t: TensorInfo) => heapAddress(wasm.typedArrayFromHeap(t) as Float32Array);
  const count = (wasm.typedArrayFromHeap(x!) as Float32Array).length;
  simd.batchNorm(view(x!), view(mean!), view(scale!), heapAddress(scratch), heapAddress(scratch, 2 * channels), view(out), count, channels * 4);
  wasm.disposeData(doubles.dataId);
  return out;
};

export const fusedBatchNormConfig: KernelConfig = { kernelName: FusedBatchNorm, backendName: "wasm", kernelFunc: batchNormKernel };
