/**
 * The sigmoid losses' elementwise chains as one kernel each way, with tfjs's numbers.
 *
 * Sigmoid cross-entropy from logits, max(x, 0) - x t + log(1 + exp(-|x|)), is eight tfjs
 * kernels forward and about fifteen backward (softplus, the same without the x t term, six and
 * about ten), each on a batch of D's logits: a few hundred floats, so that tfjs's engine and
 * tape cost far more than the arithmetic (about 70 of a ring MLP step's kernels). Here each
 * chain is one kernel, and its gradient another, made of the very kernel functions the engine
 * would run (Relu, Multiply, Sub, Abs, Neg, Exp, Log1p, Add forward; Add, RealDiv, Multiply,
 * Neg, Step backward) in the order tfjs's tape runs them, the gradient reaching x from Abs,
 * then from Multiply, then from Relu, as tfjs adds them up: the same values bit for bit (the
 * wasm backend's Exp and Log1p are its own expf and log1pf either way). Only the order in which
 * x's gradient is added to that of another consumer of the same logits can differ, and gan's
 * losses have none.
 *
 * While a tape records the gradient itself (a gradient of a gradient), it is computed with the
 * tfjs ops instead, which a tape can differentiate.
 */
import { hostBackendKernels, hostMemory, kernelOnActiveBackend, registerHostKernel, type HostBackendName, type HostKernels } from "../host-kernels.js";
import { registerBinaryKernel } from "../binary-kernel.js";
import { tf } from "../tfjs.js";

export const SIGMOID_CROSS_ENTROPY = "GanSigmoidCrossEntropy";
export const SIGMOID_CROSS_ENTROPY_GRAD = "GanSigmoidCrossEntropyGrad";
export const SOFTPLUS = "GanSoftplus";
export const SOFTPLUS_GRAD = "GanSoftplusGrad";

/** A scalar float32 on the backend, for the constants tfjs's ops turn numbers into. */
type Scalar = (value: number) => tf.TensorInfo;

/** exp(-|x|) by the backend's kernels, as tfjs's ops run it (log1p of it ends softplus; the gradient reads it). */
function expMinusAbs(run: HostKernels, x: tf.TensorInfo): tf.TensorInfo {
  const abs = run.kernel("Abs", { x });
  const minusAbs = run.kernel("Neg", { x: abs });
  const out = run.kernel("Exp", { x: minusAbs });
  run.dispose(abs);
  run.dispose(minusAbs);
  return out;
}

/** relu(x) - x t (without targets: relu(x)) + log(1 + exp(-|x|)). */
function logisticForward(run: HostKernels, x: tf.TensorInfo, targets: tf.TensorInfo | undefined): tf.TensorInfo {
  const relu = run.kernel("Relu", { x });
  let linear = relu;
  if (targets !== undefined) {
    const product = run.binary("Multiply", x, targets);
    linear = run.binary("Sub", relu, product);
    run.dispose(relu);
    run.dispose(product);
  }
  const exp = expMinusAbs(run, x);
  const softplusTail = run.kernel("Log1p", { x: exp });
  const out = run.binary("Add", linear, softplusTail);
  [linear, exp, softplusTail].forEach((t) => run.dispose(t));
  return out;
}

/**
 * The gradient with respect to x of the chain above, from dy, in the order of tfjs's tape:
 * Add passes dy to both terms; Log1p's gradient dy / (e + 1), Exp's times e, Neg's negated,
 * Abs's times step(x, -1): x's first gradient; Sub's -dy to the product, Multiply's times t:
 * added to it; Relu's dy times step(x): added last.
 */
function logisticBackward(run: HostKernels, scalar: Scalar, dy: tf.TensorInfo, x: tf.TensorInfo, targets: tf.TensorInfo | undefined): tf.TensorInfo {
  const exp = expMinusAbs(run, x);
  const one = scalar(1);
  const expPlusOne = run.binary("Add", exp, one);
  const dExp = run.binary("RealDiv", dy, expPlusOne);
  const dMinusAbs = run.binary("Multiply", dExp, exp);
  const dAbs = run.kernel("Neg", { x: dMinusAbs });
  const signs = run.kernel("Step", { x }, { alpha: -1 });
  let dx = run.binary("Multiply", dAbs, signs);
  [one, expPlusOne, dExp, dMinusAbs, dAbs, signs, exp].forEach((t) => run.dispose(t));
  if (targets !== undefined) {
    const dProduct = run.kernel("Neg", { x: dy });
    const dxProduct = run.binary("Multiply", dProduct, targets);
    const sum = run.binary("Add", dx, dxProduct);
    [dProduct, dxProduct, dx].forEach((t) => run.dispose(t));
    dx = sum;
  }
  const mask = run.kernel("Step", { x }, { alpha: 0 });
  const dxRelu = run.binary("Multiply", dy, mask);
  const total = run.binary("Add", dx, dxRelu);
  [mask, dxRelu, dx].forEach((t) => run.dispose(t));
  return total;
}

/** The same gradient with tfjs ops, for a tape to differentiate. */
function logisticBackwardOps(dy: tf.Tensor, x: tf.Tensor, targets: tf.Tensor | undefined): tf.Tensor {
  const exp = tf.exp(tf.neg(tf.abs(x)));
  let dx = tf.mul(tf.neg(tf.mul(tf.div(dy, tf.add(exp, 1)), exp)), tf.step(x, -1));
  if (targets !== undefined) dx = tf.add(dx, tf.mul(tf.neg(dy), targets));
  return tf.add(dx, tf.mul(dy, tf.step(x)));
}

function kernels(backendName: HostBackendName, withTargets: boolean): { forward: tf.KernelFunc; backward: tf.KernelFunc } {
  const scalarOn = (backend: object): Scalar => {
    const memory = hostMemory(backendName, backend);
    return (value) => memory.output([], [value]);
  };
  return {
    forward: ({ inputs, backend }) => {
      const { x, targets } = inputs as { x: tf.TensorInfo; targets?: tf.TensorInfo };
      return logisticForward(hostBackendKernels(backendName, backend), x, withTargets ? targets : undefined);
    },
    backward: ({ inputs, backend }) => {
      const { dy, x, targets } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; targets?: tf.TensorInfo };
      return logisticBackward(hostBackendKernels(backendName, backend), scalarOn(backend), dy, x, withTargets ? targets : undefined);
    },
  };
}

function gradient(kernelName: string, gradKernelName: string, withTargets: boolean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: withTargets ? ["x", "targets"] : ["x"],
    gradFunc: (dy, saved): Record<string, () => tf.Tensor> => {
      const [x, targets] = saved as [tf.Tensor, tf.Tensor | undefined];
      const dx = () => {
        if (tf.engine().isTapeOn()) return logisticBackwardOps(dy as tf.Tensor, x, targets);
        return tf.engine().runKernel(gradKernelName, { dy: dy as tf.Tensor, x, ...(targets && { targets }) }) as tf.Tensor;
      };
      if (!withTargets) return { x: dx };
      // Multiply's gradient for the targets (a label trick's tensor may depend on weights): -dy x, summed over what t was broadcast along.
      const dTargets = () => {
        const product = tf.mul(tf.neg(dy as tf.Tensor), x);
        const axes = tf.backend_util.getReductionAxes(targets!.shape, product.shape);
        return tf.reshape(axes.length > 0 ? tf.sum(product, axes) : product, targets!.shape);
      };
      return { x: dx, targets: dTargets };
    },
  };
}

let registered = false;

function registerLogisticKernels(): void {
  if (registered) return;
  registered = true;
  registerBinaryKernel();
  for (const [name, gradName, withTargets] of [
    [SIGMOID_CROSS_ENTROPY, SIGMOID_CROSS_ENTROPY_GRAD, true],
    [SOFTPLUS, SOFTPLUS_GRAD, false],
  ] as const) {
    const cpu = kernels("cpu", withTargets);
    const wasm = kernels("wasm", withTargets);
    registerHostKernel(name, { cpu: cpu.forward, wasm: wasm.forward });
    registerHostKernel(gradName, { cpu: cpu.backward, wasm: wasm.backward });
    tf.registerGradient(gradient(name, gradName, withTargets));
  }
}

/** Whether the active backend runs the chains as kernels (cpu and wasm); otherwise the caller runs tfjs's ops. */
export function logisticKernelsAvailable(): boolean {
  registerLogisticKernels();
  return kernelOnActiveBackend(SIGMOID_CROSS_ENTROPY);
}

/** max(x, 0) - x t + log(1 + exp(-|x|)) as one kernel; `targets` of x's shape or a scalar. */
export function sigmoidCrossEntropyKernel(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(SIGMOID_CROSS_ENTROPY, { x: logits, targets }) as tf.Tensor;
}

/** max(x, 0) + log(1 + exp(-|x|)) as one kernel. */
export function softplusKernel(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(SOFTPLUS, { x }) as tf.Tensor;
}
