/**
 * A dense layer under the gradient tape as one kernel forward and a short gradient, with the
 * numbers of tfjs-layers' Dense.
 *
 * tfjs-layers' Dense calls tfjs-core's fused matMul; while the tape records, tfjs-core runs
 * a ReLU layer unfused (BatchMatMul, Add, Relu: three kernels, five saved tensors) and its
 * gradient as eight (Relu's Step, Cast and Multiply, Add's Reshape, Sum and Reshape, the two
 * products), and a linear layer through a custom gradient with reshapes to three dimensions
 * around every kernel (about twelve kernels each way). Each kernel pays tfjs's engine and
 * tape, which is most of a small network's step beside its products. Here the layer is one
 * kernel, `GanDense`, made of the very kernel functions the engine would have run, in the
 * same order, on the same backend: BatchMatMul, Add and Relu for ReLU, _FusedMatMul for
 * linear, so its values are those of tfjs's path bit for bit. Its gradient is tfjs-core's
 * arithmetic without the reshapes: dz = dy * step(y) for ReLU (y > 0 exactly where the
 * pre-activation is), dx = dz W^T, dW = x^T dz and db = the sum of dz over the batch, with
 * tfjs ops, so that gradients of gradients (R1, gradient penalties) still flow through it.
 *
 * Without a tape, tfjs-core runs the layer as one fused kernel between reshapes to three
 * dimensions and a custom gradient's scope (five engine calls); GanDense runs that kernel
 * alone. A Dense layer on an input of rank other than 2, with another activation, or on a
 * backend without the kernel (webgl, tfjs-node) keeps tfjs-layers' call.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd } from "@gan/backend-wasm/heap-simd";
import { hostBackendKernels, hostMemory, registerHostKernel, kernelOnActiveBackend, type HostBackendName, type HostKernels } from "../../host-kernels.js";
import { tf, tfl } from "../../tfjs.js";

export const DENSE_KERNEL = "GanDense";
export const DENSE_RELU_GRADIENT_KERNEL = "GanDenseReluGrad";

/**
 * The activations this kernel applies: tfjs-layers' class names for them. Leaky ReLU is not a
 * Dense layer's own activation in tfjs-layers but a LeakyReLU layer after a linear one: a chain
 * of layers (layer-chain.ts) runs the two as one GanDense call (`withLeakyRelu`).
 */
type DenseActivation = "relu" | "linear" | "leakyrelu";

interface DenseAttrs {
  activation: DenseActivation;
  /** Leaky ReLU's slope below 0 (0 for the other activations). */
  alpha: number;
  /** Whether a gradient tape records the call: tfjs-core computes the layer differently then. */
  taped: boolean;
  /** Whether the layer adds a bias (its gradient is then made with dz's). */
  useBias: boolean;
}

interface ReluGradientAttrs {
  /** Whether to sum dz over the batch too: the bias's gradient. */
  withBias: boolean;
  activation: "relu" | "leakyrelu";
  /** Leaky ReLU's slope below 0 (0 for ReLU). */
  alpha: number;
}

const PLAIN_PRODUCT = { transposeA: false, transposeB: false };

/** A matrix as a batch of one, on the same buffer. */
const asBatchOfOne = (t: tf.TensorInfo): tf.TensorInfo => ({ ...t, shape: [1, ...t.shape] });

function denseKernel(backendName: HostBackendName, simdOnHeap = true): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const run = hostBackendKernels(backendName, backend);
    const { x, kernel, bias } = inputs as { x: tf.TensorInfo; kernel: tf.TensorInfo; bias?: tf.TensorInfo };
    const { activation, alpha, taped } = attrs as unknown as DenseAttrs;
    // tfjs-core's fused matMul: without a tape, or for a linear layer, the fused kernel (on
    // blas its bias is written into the product's output first, which rounds as adding it
    // after), on the operands as tfjs-core hands them to it, as batches of one matrix (the
    // same buffers); a ReLU layer on the tape, the product, the bias and the activation apart.
    // Leaky ReLU is a linear layer's output through wasm's LeakyRelu, as tfjs-layers' LeakyReLU
    // layer runs it after the Dense layer.
    if (!taped || activation !== "relu") {
      const inputs3D = { a: asBatchOfOne(x), b: asBatchOfOne(kernel), ...(bias !== undefined && { bias }) };
      const out = run.kernel("_FusedMatMul", inputs3D, { ...PLAIN_PRODUCT, activation: activation === "leakyrelu" ? "linear" : activation });
      const product = { ...out, shape: [x.shape[0]!, kernel.shape[1]!] };
      if (activation !== "leakyrelu") return product;
      if (backendName === "wasm" && leakyReluOnHeap(backend as unknown as BackendWasm, product, alpha)) return product;
      const activated = run.kernel("LeakyRelu", { x: product }, { alpha });
      run.dispose(product);
      return activated;
    }
    const product = run.kernel("BatchMatMul", { a: x, b: kernel }, PLAIN_PRODUCT);
    if (bias !== undefined && backendName === "wasm" && simdOnHeap && addReluOnHeap(backend as unknown as BackendWasm, product, bias)) return product;
    const preActivation = bias === undefined ? product : run.kernel("Add", { a: product, b: bias });
    if (preActivation !== product) run.dispose(product);
    const out = run.kernel("Relu", { x: preActivation });
    run.dispose(preActivation);
    return out;
  };
}

/**
 * relu(product + bias) in one SIMD pass on the wasm heap, in place on the product (this
 * kernel's own intermediate, which no other tensor sees): heap-simd's addRelu, the operations
 * of wasm's Add and Relu. False where the loop cannot run (then the kernels do it).
 */
function addReluOnHeap(backend: BackendWasm, product: tf.TensorInfo, bias: tf.TensorInfo): boolean {
  const simd = heapSimd(backend);
  if (simd === undefined) return false;
  const units = bias.shape[0]!;
  const rows = tf.util.sizeFromShape(product.shape) / units;
  const productAt = heapAddress(backend.typedArrayFromHeap(product) as Float32Array);
  simd.addRelu(productAt, heapAddress(backend.typedArrayFromHeap(bias) as Float32Array), units, rows, 4 * units, 0);
  return true;
}

/** leaky relu(x) in one SIMD pass on the wasm heap, in place on this kernel's own product; false where the loop cannot run. */
function leakyReluOnHeap(backend: BackendWasm, product: tf.TensorInfo, alpha: number): boolean {
  const simd = heapSimd(backend);
  if (simd === undefined) return false;
  const at = heapAddress(backend.typedArrayFromHeap(product) as Float32Array);
  simd.leakyRelu(at, at, tf.util.sizeFromShape(product.shape), alpha);
  return true;
}

/**
 * A ReLU layer's gradient before its products, as one kernel: dz = dy * step(y) and, with a
 * bias, db = the sum of dz over the batch (the backend's Sum): the arithmetic tfjs's ops do,
 * in that order, so the same values bit for bit. For leaky ReLU, dz = where(y > 0, dy, dy *
 * alpha), tfjs's gradient of LeakyRelu with its mask taken from the output instead of the
 * input (for alpha >= 0 the output is above 0 exactly where the input is, NaN included): on
 * wasm heap-simd's leakyReluGradient, elsewhere the same selection in JavaScript. On wasm, dz is one SIMD pass over the heap
 * (heap-simd's reluGradient: the same f32x4.mul of dy by the same step values as XNNPACK's
 * Multiply after wasm's Step); on cpu, and where no SIMD loop runs, it is the backend's Step
 * and Multiply. db is made whether or not the bias's gradient is asked for (the engine asks
 * for each input's gradient separately, after this), and dropped with the gradient's scope
 * when it is not.
 */
function reluGradientKernel(backendName: HostBackendName): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const run = hostBackendKernels(backendName, backend);
    const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
    const { withBias, activation, alpha } = attrs as unknown as ReluGradientAttrs;
    const dz =
      activation === "leakyrelu"
        ? (backendName === "wasm" && leakyReluGradientOnHeap(backend as unknown as BackendWasm, dy, y, alpha)) || leakyReluGradientInJs(backendName, backend, dy, y, alpha)
        : (backendName === "wasm" && reluGradientOnHeap(backend as unknown as BackendWasm, dy, y)) || stepTimes(run, dy, y);
    if (!withBias) return [dz];
    return [dz, run.kernel("Sum", { x: dz }, { axis: 0, keepDims: false })];
  };
}

/** dy * step(y) by the backend's Step and Multiply. */
function stepTimes(run: HostKernels, dy: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo {
  const mask = run.kernel("Step", { x: y }, { alpha: 0 });
  const dz = run.kernel("Multiply", { a: dy, b: mask });
  run.dispose(mask);
  return dz;
}

/** dy * step(y) in one SIMD pass on the wasm heap; undefined where the loop cannot run (then the kernels do it). */
function reluGradientOnHeap(backend: BackendWasm, dy: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo | undefined {
  const simd = heapSimd(backend);
  const count = tf.util.sizeFromShape(dy.shape);
  // The loop does whole groups of four; the last 0-3 values are redone in the last group of four, so fewer than four go to the kernels.
  if (simd === undefined || count < 4) return undefined;
  const out = backend.makeOutput(dy.shape, "float32");
  const [dyAt, yAt, outAt] = [dy, y, out].map((t) => heapAddress(backend.typedArrayFromHeap(t) as Float32Array));
  simd.reluGradient(dyAt!, yAt!, outAt!, count);
  const last = 4 * (count - 4);
  if (count % 4 !== 0) simd.reluGradient(dyAt! + last, yAt! + last, outAt! + last, 4);
  return out;
}

/** where(y > 0, dy, dy * alpha) in one SIMD pass on the wasm heap; undefined where the loop cannot run. */
function leakyReluGradientOnHeap(backend: BackendWasm, dy: tf.TensorInfo, y: tf.TensorInfo, alpha: number): tf.TensorInfo | undefined {
  const simd = heapSimd(backend);
  if (simd === undefined) return undefined;
  const out = backend.makeOutput(dy.shape, "float32");
  const [dyAt, yAt, outAt] = [dy, y, out].map((t) => heapAddress(backend.typedArrayFromHeap(t) as Float32Array));
  simd.leakyReluGradient(dyAt!, yAt!, outAt!, tf.util.sizeFromShape(dy.shape), alpha);
  return out;
}

/**
 * where(y > 0, dy, dy * alpha) in JavaScript: on cpu what its Greater, Multiply (by alpha as a
 * float32) and Select compute, value for value.
 */
function leakyReluGradientInJs(backendName: HostBackendName, backend: object, dy: tf.TensorInfo, y: tf.TensorInfo, alpha: number): tf.TensorInfo {
  const memory = hostMemory(backendName, backend);
  const dyValues = memory.read(dy);
  const yValues = memory.read(y);
  const slope = Math.fround(alpha);
  const dz = new Float32Array(dyValues.length);
  for (let i = 0; i < dz.length; i++) dz[i] = yValues[i]! > 0 ? dyValues[i]! : dyValues[i]! * slope;
  return memory.output(dy.shape, dz);
}

/** dz and, with a bias, db: one kernel where the backend has it and no tape records this gradient, tfjs ops otherwise. */
function reluGradient(dy: tf.Tensor2D, y: tf.Tensor2D, activation: "relu" | "leakyrelu", alpha: number, withBias: boolean): { dz: tf.Tensor2D; db?: () => tf.Tensor } {
  // A tape recording this gradient (a gradient of a gradient, as R1's) differentiates the ops, not the kernel.
  if (tf.engine().isTapeOn() || !kernelOnActiveBackend(DENSE_RELU_GRADIENT_KERNEL)) {
    const dz = activation === "relu" ? tf.mul<tf.Tensor2D>(dy, tf.step(y)) : tf.where<tf.Tensor2D>(tf.greater(y, 0), dy, tf.mul<tf.Tensor2D>(dy, alpha));
    return { dz, db: () => tf.sum(dz, 0) };
  }
  const attrs: ReluGradientAttrs = { withBias, activation, alpha };
  const [dz, db] = tf.engine().runKernel(DENSE_RELU_GRADIENT_KERNEL, { dy, y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { dz: dz as tf.Tensor2D, ...(db !== undefined && { db: () => db }) };
}

const denseGradient: tf.GradConfig = {
  kernelName: DENSE_KERNEL,
  inputsToSave: ["x", "kernel"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, kernel, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const { activation, alpha, useBias } = attrs as unknown as DenseAttrs;
    // Every input's gradient reads dz, so it is made once, here (the engine's gradient scope disposes it).
    const { dz, db } = activation === "linear" ? { dz: dy as tf.Tensor2D, db: undefined } : reluGradient(dy as tf.Tensor2D, y, activation, alpha, useBias);
    return {
      x: () => tf.matMul(dz, kernel, false, true),
      kernel: () => tf.matMul(x, dz, true, false),
      bias: db ?? (() => tf.sum(dz, 0)),
    };
  },
};

/** GanDense on wasm with the backend's Add and Relu instead of the SIMD pass: what a benchmark measures the pass against. */
export const DENSE_KERNEL_WITHOUT_SIMD: Parameters<typeof tf.registerKernel>[0] = { kernelName: DENSE_KERNEL, backendName: "wasm", kernelFunc: denseKernel("wasm", false) };

let registered = false;

function registerDenseKernel(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(DENSE_KERNEL, { cpu: denseKernel("cpu"), wasm: denseKernel("wasm") });
  registerHostKernel(DENSE_RELU_GRADIENT_KERNEL, { cpu: reluGradientKernel("cpu"), wasm: reluGradientKernel("wasm") });
  tf.registerGradient(denseGradient);
}

/** What of tfjs-layers' Dense this reads (the class itself is not exported). */
interface DenseInternals {
  kernel: { read(): tf.Tensor } | null;
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string } | null;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: object): tf.Tensor | tf.Tensor[];
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: object): void;
}

/** The activations a Dense layer applies itself through GanDense (leaky ReLU comes from a layer of its own). */
function isOwnActivation(name: string | undefined): name is "relu" | "linear" {
  return name === "relu" || name === "linear";
}

/** The kwarg by which a chain asks a linear layer's call to apply leaky ReLU too (`withLeakyRelu`). */
const LEAKY_RELU_ALPHA = "ganLeakyReluAlpha";

/** The layers made by denseWithTapeKernel, with the call it gave them. */
const kernelCalls = new WeakMap<tfl.layers.Layer, DenseInternals["call"]>();

/** Whether GanDense computes `layer` on `input` now (otherwise tfjs-layers' Dense does). */
function computesWithKernel(dense: DenseInternals, input: tf.Tensor | undefined): boolean {
  return input?.rank === 2 && dense.kernel !== null && kernelOnActiveBackend(DENSE_KERNEL);
}

/**
 * `layer` (a tfjs-layers Dense) computing through GanDense. Its
 * weights, names and serialisation stay Dense's: only this instance's `call` changes.
 */
export function denseWithTapeKernel(layer: tfl.layers.Layer): tfl.layers.Layer {
  registerDenseKernel();
  const dense = layer as unknown as DenseInternals;
  const layersCall = dense.call.bind(dense);
  dense.call = (inputs, kwargs) => {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const own = dense.activation?.getClassName() ?? "linear";
    const leakyAlpha = (kwargs as Record<string, unknown> | undefined)?.[LEAKY_RELU_ALPHA] as number | undefined;
    if (leakyAlpha !== undefined && !(own === "linear" && computesWithKernel(dense, input))) {
      throw new Error(`GanDense cannot apply leaky ReLU to layer ${layer.name} (activation ${own}): withLeakyRelu should not have been called`);
    }
    if (!isOwnActivation(own) || !computesWithKernel(dense, input)) return layersCall(inputs, kwargs);
    dense.invokeCallHook(inputs, kwargs);
    const weights = { x: input!, kernel: dense.kernel!.read(), ...(dense.bias !== null && { bias: dense.bias.read() }) };
    const activation: DenseActivation = leakyAlpha === undefined ? own : "leakyrelu";
    const attrs: DenseAttrs = { activation, alpha: leakyAlpha ?? 0, taped: tf.engine().isTapeOn(), useBias: dense.bias !== null };
    return tf.engine().runKernel(DENSE_KERNEL, weights, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  };
  kernelCalls.set(layer, dense.call);
  return layer;
}

/**
 * `layer` applied to `x` with leaky ReLU (slope `alpha` below 0) after it, as one GanDense call,
 * through the layer's own `apply` (its checks and call hook); undefined where that cannot be:
 * a layer not made by denseWithTapeKernel (or whose call was replaced since), one with an activation of its own, a negative
 * slope (the gradient reads the mask from the output), an input of rank other than 2, a
 * backend without the kernel. The numbers are those of the Dense layer followed by
 * tfjs-layers' LeakyReLU layer, bit for bit.
 */
export function withLeakyRelu(layer: tfl.layers.Layer, x: tf.Tensor, alpha: number, kwargs: object): tf.Tensor | undefined {
  const dense = layer as unknown as DenseInternals;
  if (kernelCalls.get(layer) !== dense.call || !(alpha >= 0) || (dense.activation?.getClassName() ?? "linear") !== "linear" || !computesWithKernel(dense, x)) return undefined;
  const output = layer.apply([x], { ...kwargs, [LEAKY_RELU_ALPHA]: alpha }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(output) ? output[0]! : output;
}
