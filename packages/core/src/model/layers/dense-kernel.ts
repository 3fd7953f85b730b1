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
import { hostBackendKernels, registerHostKernel, kernelOnActiveBackend, type HostBackendName } from "../../host-kernels.js";
import { tf, tfl } from "../../tfjs.js";

export const DENSE_KERNEL = "GanDense";

/** The activations this kernel applies: tfjs-layers' class names for them. */
type DenseActivation = "relu" | "linear";

interface DenseAttrs {
  activation: DenseActivation;
  /** Whether a gradient tape records the call: tfjs-core computes the layer differently then. */
  taped: boolean;
}

const PLAIN_PRODUCT = { transposeA: false, transposeB: false };

/** A matrix as a batch of one, on the same buffer. */
const asBatchOfOne = (t: tf.TensorInfo): tf.TensorInfo => ({ ...t, shape: [1, ...t.shape] });

function denseKernel(backendName: HostBackendName): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const run = hostBackendKernels(backendName, backend);
    const { x, kernel, bias } = inputs as { x: tf.TensorInfo; kernel: tf.TensorInfo; bias?: tf.TensorInfo };
    const { activation, taped } = attrs as unknown as DenseAttrs;
    // tfjs-core's fused matMul: without a tape, or for a linear layer, the fused kernel (on
    // blas its bias is written into the product's output first, which rounds as adding it
    // after), on the operands as tfjs-core hands them to it, as batches of one matrix (the
    // same buffers); a ReLU layer on the tape, the product, the bias and the activation apart.
    if (!taped || activation === "linear") {
      const inputs3D = { a: asBatchOfOne(x), b: asBatchOfOne(kernel), ...(bias !== undefined && { bias }) };
      const out = run.kernel("_FusedMatMul", inputs3D, { ...PLAIN_PRODUCT, activation });
      return { ...out, shape: [x.shape[0]!, kernel.shape[1]!] };
    }
    const product = run.kernel("BatchMatMul", { a: x, b: kernel }, PLAIN_PRODUCT);
    const preActivation = bias === undefined ? product : run.kernel("Add", { a: product, b: bias });
    if (preActivation !== product) run.dispose(product);
    const out = run.kernel("Relu", { x: preActivation });
    run.dispose(preActivation);
    return out;
  };
}

const denseGradient: tf.GradConfig = {
  kernelName: DENSE_KERNEL,
  inputsToSave: ["x", "kernel"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, kernel, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const { activation } = attrs as unknown as { activation: DenseActivation };
    // Every input's gradient reads dz, so it is made once, here (the engine's gradient scope disposes it).
    const dz = activation === "relu" ? tf.mul(dy as tf.Tensor2D, tf.step(y)) : (dy as tf.Tensor2D);
    return {
      x: () => tf.matMul(dz, kernel, false, true),
      kernel: () => tf.matMul(x, dz, true, false),
      bias: () => tf.sum(dz, 0),
    };
  },
};

let registered = false;

function registerDenseKernel(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(DENSE_KERNEL, { cpu: denseKernel("cpu"), wasm: denseKernel("wasm") });
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

function isDenseActivation(name: string | undefined): name is DenseActivation {
  return name === "relu" || name === "linear";
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
    const activation = dense.activation?.getClassName() ?? "linear";
    if (input?.rank !== 2 || dense.kernel === null || !isDenseActivation(activation) || !kernelOnActiveBackend(DENSE_KERNEL)) {
      return layersCall(inputs, kwargs);
    }
    dense.invokeCallHook(inputs, kwargs);
    const weights = { x: input, kernel: dense.kernel.read(), ...(dense.bias !== null && { bias: dense.bias.read() }) };
    const attrs: DenseAttrs = { activation, taped: tf.engine().isTapeOn() };
    return tf.engine().runKernel(DENSE_KERNEL, weights, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  };
  return layer;
}
