import {
  engine,
  FusedBatchNorm,
  getBackend,
  getKernel,
  Rsqrt,
  Sum,
  util,
  type GradConfig,
  type KernelConfig,
  type KernelFunc,
  type Tensor,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
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

// ---- the gradient ------------------------------------------------------------------------------

/** The kernel of batch norm's gradient on wasm: dx and the gradients of mean, variance, scale and offset. */
export const BATCH_NORM_GRAD_KERNEL = "GanBatchNormGrad";

/**
 * tfjs-core's FusedBatchNorm gradient as one kernel: r = rsqrt(variance + epsilon) by the
 * backend's Rsqrt, its per-channel products in JavaScript (float32 products, rounded as the
 * Multiply kernels round them), the full-size products in one SIMD pass (heapSimd's
 * batchNormGrad, each in tfjs's operand order), and the sums over the batch by the backend's
 * own Sum kernel, as tfjs's sum() runs it. tfjs runs a Sub, a Tile, eight Multiply and four Sum
 * kernels over the feature map, each product to a tensor of its own; the values are the same
 * bit for bit. Inputs dy, x ([N, H, W, C], C a multiple of four) and mean, variance, scale ([C]).
 */
const batchNormGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, mean, variance, scale } = inputs as Record<string, TensorInfo>;
  const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
  const wasm = backend as BackendWasm;
  const simd = heapSimd(wasm)!;
  const channels = x!.shape[3]!;
  const count = util.sizeFromShape(x!.shape);
  const heap = (t: TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
  const at = (t: TensorInfo, index = 0) => heapAddress(heap(t), index);
  // variance + epsilon, a float32 sum as the Add kernel makes it, then the backend's Rsqrt.
  const shifted = wasm.makeOutput([channels], "float32");
  heap(shifted).set(heap(variance!).map((v) => v + Math.fround(varianceEpsilon)));
  const r = getKernel(Rsqrt, "wasm")!.kernelFunc({ inputs: { x: shifted }, backend, attrs: {} }) as TensorInfo;
  // -r (r times -1) and r * r * r * -0.5, as tfjs's Multiply kernels round them.
  const vectors = wasm.makeOutput([2 * channels], "float32");
  const rValues = heap(r);
  const vectorValues = heap(vectors);
  for (let c = 0; c < channels; c++) {
    const rc = rValues[c]!;
    vectorValues[c] = rc * -1;
    vectorValues[channels + c] = Math.fround(Math.fround(Math.fround(rc * rc) * rc) * -0.5);
  }
  const [dx, pMean, pVariance, pScale] = [0, 1, 2, 3].map(() => wasm.makeOutput(x!.shape, "float32")) as TensorInfo[];
  // Addresses after every allocation (they can move the heap's views, not its offsets).
  simd.batchNormGrad(
    at(dy!), at(x!), at(mean!), at(scale!), at(r), at(vectors), at(vectors, channels),
    at(dx!), at(pMean!), at(pVariance!), at(pScale!), count, 4 * channels,
  );
  const sum = getKernel(Sum, "wasm")!.kernelFunc;
  const overBatch = (t: TensorInfo) => sum({ inputs: { x: t }, backend, attrs: { axis: [0, 1, 2], keepDims: false } }) as TensorInfo;
  const gradients = [dx!, overBatch(pMean!), overBatch(pVariance!), overBatch(pScale!), overBatch(dy!)];
  for (const t of [shifted, r, vectors, pMean!, pVariance!, pScale!]) wasm.disposeData(t.dataId);
  return gradients;
};

export const batchNormGradKernelConfig: KernelConfig = { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: "wasm", kernelFunc: batchNormGradKernel };

/** tfjs-core's gradient of FusedBatchNorm, kept when the one below replaces it (the other cases use it). */
let tfjsGradient: GradConfig | undefined;

/** tfjs-core's FusedBatchNorm gradient as kept (the tests compare with it). */
export function tfjsBatchNormGradient(): GradConfig | undefined {
  return tfjsGradient;
}

/** Keeps `config` as tfjs's FusedBatchNorm gradient, the one this module's gradient falls back to. */
export function keepTfjsBatchNormGradient(config: GradConfig | undefined): void {
  if (config !== undefined && config !== batchNormGradConfig) tfjsGradient = config;
}

/** Whether the one-kernel gradient applies: wasm, no tape recording it, a [N, H, W, C] map with per-channel statistics and scale. */
function oneKernel(dy: Tensor, x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor | undefined): boolean {
  // A tape recording this gradient (a gradient of a gradient) differentiates tfjs's ops, not the kernel.
  if (engine().isTapeOn() || getBackend() !== "wasm" || getKernel(BATCH_NORM_GRAD_KERNEL, "wasm") === undefined) return false;
  const channels = x.shape[3] ?? 0;
  const vector = (t: Tensor | undefined) => t !== undefined && t !== null && t.dtype === "float32" && t.rank === 1 && t.shape[0] === channels;
  return (
    x.rank === 4 &&
    x.dtype === "float32" &&
    dy.dtype === "float32" &&
    util.arraysEqual(dy.shape, x.shape) &&
    channels > 0 &&
    channels % 4 === 0 &&
    [mean, variance, scale].every(vector) &&
    heapSimd(engine().backend as unknown as BackendWasm) !== undefined
  );
}

/**
 * FusedBatchNorm's gradient: on wasm, the five gradients from one kernel (those the engine does
 * not ask for are freed with the backward pass's scope); elsewhere, and while a tape records the
 * gradient, tfjs-core's.
 */
export const batchNormGradConfig: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    if (!oneKernel(dy as Tensor, x, mean, variance, scale)) {
      if (tfjsGradient === undefined) throw new Error("@gan/backend-wasm: tfjs-core's FusedBatchNorm gradient was not registered before gan's");
      return tfjsGradient.gradFunc(dy, saved, attrs);
    }
    // Made here, in the backward pass's scope, not in the functions below: the engine calls each
    // of those in a tidy of its own, which would free the other four.
    const [dx, dMean, dVariance, dScale, dOffset] = engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy, x, mean, variance, scale } as never, attrs) as unknown as Tensor[];
    return { x: () => dx!, mean: () => dMean!, variance: () => dVariance!, scale: () => dScale!, offset: () => dOffset! };
  },
};
