import {
  Equal,
  getGradient,
  Greater,
  Less,
  LessEqual,
  LogicalAnd,
  LogicalNot,
  LogicalOr,
  LogicalXor,
  NotEqual,
  registerGradient,
  zeros,
  type Tensor,
} from "@tensorflow/tfjs-core";
import { backendWasmState } from "./state.js";

/**
 * Kernels whose output is a step function of their inputs (comparisons, boolean logic),
 * and which tfjs-core 4.22 ships no gradient for. Their derivative is zero almost
 * everywhere. First-order gradients never differentiate them, but a gradient of a gradient
 * does, because the gradients of these ops build masks with them:
 *
 *   LeakyRelu, Prelu, Selu:  where(greater(x, 0), ...)
 *   Relu6:                   lessEqual(x, 6) * step(x)
 *   Minimum:                 lessEqual(a, b), greater(a, b)
 *   ClipByValue:             logicalAnd(greaterEqual(x, lo), lessEqual(x, hi))
 *   Max / Min (reductions):  equal(x, max)
 *   Select (where):          logicalNot(condition)
 *
 * Maximum uses greaterEqual and less; Relu and Abs use step. tfjs-core already ships
 * gradients for GreaterEqual and Step, so they are left alone.
 */
const BINARY_STEP_KERNELS = [Greater, Less, LessEqual, Equal, NotEqual, LogicalAnd, LogicalOr, LogicalXor];
const UNARY_STEP_KERNELS = [LogicalNot];

/** The kernels `registerDoubleBackpropGradients` gives a zero gradient (unless one exists). */
export const ZERO_GRADIENT_KERNELS: readonly string[] = [...BINARY_STEP_KERNELS, ...UNARY_STEP_KERNELS];

// Gradients must be float32 whatever the input's dtype (tfjs checks), hence zeros(shape).
const zerosFor = (t: Tensor | undefined) => () => zeros((t as Tensor).shape, "float32");

/**
 * Registers a zero gradient for the comparison and logical kernels, on every backend, so
 * that gradient penalties (the gradient of ||grad_x D(x)||^2) work through LeakyReLU, Prelu,
 * Relu6, Selu, Minimum, clipping and max-reductions. Idempotent; a gradient someone else
 * already registered for one of these kernels is kept.
 */
export function registerDoubleBackpropGradients(): void {
  const state = backendWasmState();
  if (state.doubleBackpropGradientsRegistered) return;
  for (const kernelName of BINARY_STEP_KERNELS) {
    if (getGradient(kernelName) != null) continue;
    registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => ({ a: zerosFor(saved[0]), b: zerosFor(saved[1]) }),
    });
  }
  for (const kernelName of UNARY_STEP_KERNELS) {
    if (getGradient(kernelName) != null) continue;
    registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (_dy, saved) => ({ x: zerosFor(saved[0]) }),
    });
  }
  state.doubleBackpropGradientsRegistered = true;
}
