import {
  elu,
  engine,
  Elu,
  Equal,
  exp,
  Exp,
  getGradient,
  greater,
  Greater,
  Less,
  LessEqual,
  LogicalAnd,
  LogicalNot,
  LogicalOr,
  LogicalXor,
  mul,
  NotEqual,
  registerGradient,
  scalar,
  sigmoid,
  Sigmoid,
  softmax,
  Softmax,
  square,
  sub,
  sum,
  tanh,
  Tanh,
  where,
  zeros,
  type GradConfig,
  type Tensor,
} from "@tensorflow/tfjs-core";
import { adjointGradients } from "./adjoint-gradients.js";

/**
 * Gradients that make gradients of gradients (gradient penalties) correct in tfjs 4.22.
 *
 * 1. Zero gradients. Comparisons and boolean logic are step functions of their inputs, so
 *    their derivative is zero almost everywhere, but tfjs-core ships no gradient for them.
 *    First-order gradients never differentiate them; a gradient of a gradient does, because
 *    the gradients of these ops build masks with them:
 *
 *      LeakyRelu, Prelu, Selu:  where(greater(x, 0), ...)
 *      Relu6:                   lessEqual(x, 6) * step(x)
 *      Minimum:                 lessEqual(a, b), greater(a, b)
 *      ClipByValue:             logicalAnd(greaterEqual(x, lo), lessEqual(x, hi))
 *      Max / Min (reductions):  equal(x, max)
 *      Select (where):          logicalNot(condition)
 *
 *    Maximum uses greaterEqual and less; Relu and Abs use step. tfjs-core ships gradients
 *    for GreaterEqual and Step, so they are left alone.
 *
 * 2. Gradients that use the op's output. tfjs saves an output for the gradient by recording
 *    a copy on the tape *before* the op's own tape entry, so when the gradient is itself
 *    differentiated, the copy looks unreachable and every path through it is dropped:
 *    for Tanh, Sigmoid, Exp, Elu and Softmax the second-order gradient is silently wrong
 *    (or fails, when no other path reaches a weight). The replacements below save the input
 *    as well and, only while a tape is recording (a gradient of a gradient is being taken),
 *    recompute the output from it; first-order gradients are computed as before.
 *
 * 3. Gradients of gradient kernels. AvgPoolGrad, MaxPoolGrad, ResizeBilinearGrad and
 *    ResizeNearestNeighborGrad have none in tfjs-core; adjoint-gradients.ts gives them theirs,
 *    so penalties go through avgpool, maxpool and upsampling layers.
 */
const BINARY_STEP_KERNELS = [Greater, Less, LessEqual, Equal, NotEqual, LogicalAnd, LogicalOr, LogicalXor];
const UNARY_STEP_KERNELS = [LogicalNot];

/** The kernels `registerDoubleBackpropGradients` gives a zero gradient (unless one exists). */
export const ZERO_GRADIENT_KERNELS: readonly string[] = [...BINARY_STEP_KERNELS, ...UNARY_STEP_KERNELS];

// Gradients must be float32 whatever the input's dtype (tfjs checks), hence zeros(shape).
const zerosFor = (t: Tensor | undefined) => () => zeros((t as Tensor).shape, "float32");

const zeroGradients: GradConfig[] = [
  ...BINARY_STEP_KERNELS.map(
    (kernelName): GradConfig => ({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => ({ a: zerosFor(saved[0]), b: zerosFor(saved[1]) }),
    }),
  ),
  ...UNARY_STEP_KERNELS.map(
    (kernelName): GradConfig => ({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (_dy, saved) => ({ x: zerosFor(saved[0]) }),
    }),
  ),
];

/** The op's output: the saved one, or recomputed from the saved input while taping. */
function output(saved: Tensor[], recompute: (x: Tensor) => Tensor): Tensor {
  const [x, y] = saved as [Tensor, Tensor];
  return engine().isTapeOn() ? recompute(x) : y;
}

const outputGradients: GradConfig[] = [
  {
    kernelName: Tanh,
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => mul(sub(scalar(1), square(output(saved, tanh))), dy as Tensor) }),
  },
  {
    kernelName: Sigmoid,
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({
      x: () => {
        const y = output(saved, sigmoid);
        return mul(dy as Tensor, mul(y, sub(scalar(1), y)));
      },
    }),
  },
  {
    kernelName: Exp,
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => mul(dy as Tensor, output(saved, exp)) }),
  },
  {
    kernelName: Elu,
    inputsToSave: ["x"],
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({
      x: () => {
        if (!engine().isTapeOn()) {
          return engine().runKernel("EluGrad", { dy: dy as Tensor, y: saved[1] as Tensor }) as Tensor;
        }
        // EluGrad itself has no gradient: build elu' = (x > 0 ? 1 : elu(x) + 1) from ops.
        const x = saved[0] as Tensor;
        return where(greater(x, 0), dy as Tensor, mul(dy as Tensor, exp(x)));
      },
    }),
  },
  {
    kernelName: Softmax,
    inputsToSave: ["logits"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const { dim } = attrs as unknown as { dim: number };
      return {
        logits: () => {
          const y = output(saved, (logits) => softmax(logits, dim));
          const dyTimesY = mul(dy as Tensor, y);
          return sub(dyTimesY, mul(sum(dyTimesY, [dim], true), y));
        },
      };
    },
  },
];

/** The kernels whose gradient `registerDoubleBackpropGradients` replaces (see 2. above). */
export const OUTPUT_GRADIENT_KERNELS: readonly string[] = outputGradients.map((g) => g.kernelName);

/**
 * Registers, on every backend, the zero gradients of comparison and logical kernels and the
 * gradients of pooling's and resizing's gradient kernels (unless one is already registered),
 * and the double-backprop-safe gradients of Tanh, Sigmoid, Exp, Elu and Softmax, so that
 * gradient penalties (the gradient of ||grad_x D(x)||^2) are right through LeakyReLU, Prelu,
 * Relu6, Selu, Minimum, clipping, max-reductions, pooling, upsampling and those.
 *
 * Idempotent. Call it after importing tfjs-layers (or @tensorflow/tfjs): their bundles
 * register tfjs-core's own gradients on import and would replace those of group 2; calling
 * it again afterwards puts them back.
 */
export function registerDoubleBackpropGradients(): void {
  for (const config of [...zeroGradients, ...adjointGradients]) {
    if (getGradient(config.kernelName) == null) registerGradient(config);
  }
  for (const config of outputGradients) {
    if (getGradient(config.kernelName) !== config) registerGradient(config);
  }
}
