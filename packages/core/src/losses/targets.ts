/**
 * The elementwise pieces the losses are made of, computed stably from logits (D has no output
 * sigmoid: the sigmoid lives in the loss).
 */
import { tf } from "../tfjs.js";
import { logisticKernelsAvailable, sigmoidCrossEntropyKernel, softplusKernel } from "./logistic-kernels.js";

/**
 * Numerically stable binary cross-entropy from logits, per element:
 * max(x, 0) - x t + log(1 + exp(-|x|)). Never exponentiates a large positive number, so
 * logits of +-1e4 give finite losses and gradients.
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, targets: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = asTargets(targets, logits);
    // One kernel each way where the backend has it (logistic-kernels.ts: the same numbers).
    if (logisticKernelsAvailable() && logits.dtype === "float32") {
      const tensor = typeof t === "number" ? tf.scalar(t) : t;
      if (tensor.dtype === "float32" && (tensor.rank === 0 || sameShape(tensor.shape, logits.shape))) return sigmoidCrossEntropyKernel(logits, tensor);
    }
    return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, t)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  });
}

/** log(1 + exp(x)), stably: max(x, 0) + log(1 + exp(-|x|)). BCE(x, 1) = softplus(-x), BCE(x, 0) = softplus(x). */
export function softplus(x: tf.Tensor): tf.Tensor {
  if (logisticKernelsAvailable() && x.dtype === "float32") return softplusKernel(x);
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/**
 * A target tensor with one value per sample is reshaped to the logits' shape: a [batch]
 * tensor against [batch, 1] logits would otherwise broadcast into a [batch, batch] loss.
 */
function asTargets(targets: number | tf.Tensor, logits: tf.Tensor): number | tf.Tensor {
  if (typeof targets === "number") return targets;
  if (targets.size === logits.size && !sameShape(targets.shape, logits.shape)) return tf.reshape(targets, logits.shape);
  return targets;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

export function squaredError(x: tf.Tensor, target: number | tf.Tensor): tf.Tensor {
  return tf.square(tf.sub(x, asTargets(target, x)));
}
