/**
 * Where the losses and gradients of a run first stop being finite, without reading anything
 * back per step.
 *
 * Trade-off (README "When things go wrong"): reading one boolean per step would stop the run
 * at the very step a NaN appears, but it forces a device sync every step, which on GPU and
 * wasm costs as much as a small model's step. Instead each update folds "is everything
 * finite?" into a small variable on the device (one kernel of gan's on cpu and wasm, a few
 * tiny tfjs kernels elsewhere; no read), recording the first step at which each quantity
 * went bad. The variable is read in the same single read as the logged scalars, and before
 * every checkpoint is written. So a
 * NaN is reported with the exact step and quantity it appeared at, at most logEvery steps
 * later, and never reaches a checkpoint: the last checkpoint is always a good one, which is
 * what `--on-nan rollback` returns to.
 */
import { tf } from "../tfjs.js";
import { UserError } from "../errors.js";
import { hostMemory, kernelOnActiveBackend, registerHostKernel, type HostBackendName } from "../host-kernels.js";
import { readTensor } from "./tensor-reads.js";

/** The quantities watched, in the order of the health variable. */
export const WATCHED = ["d_loss", "g_loss", "d_gradients", "g_gradients"] as const;
export type Watched = (typeof WATCHED)[number];

const DESCRIPTION: Record<Watched, string> = {
  d_loss: "the discriminator loss (d_loss)",
  g_loss: "the generator loss (g_loss)",
  d_gradients: "the discriminator's gradients",
  g_gradients: "the generator's gradients",
};

/** A loss or gradient became NaN or infinite. */
export class NonFiniteError extends UserError {
  constructor(
    readonly step: number,
    readonly quantity: Watched,
  ) {
    super(`${DESCRIPTION[quantity]} became NaN or infinite at step ${step}`);
    this.name = "NonFiniteError";
  }
}

const HEALTH_PREFIX = "\u0000nonfinite:";

/**
 * The order the quantities arise in within a step: the D update (its loss, then its
 * gradients), then the G update. Within one step the earlier is the cause: NaN gradients in
 * D's update make D's weights NaN, and so G's loss of the same step.
 */
const WITHIN_STEP: readonly Watched[] = ["d_loss", "d_gradients", "g_loss", "g_gradients"];

/** The earliest bad step; within it, the quantity that arose first. */
function firstBadOf(steps: readonly number[]): NonFiniteError | undefined {
  let found: NonFiniteError | undefined;
  for (const quantity of WITHIN_STEP) {
    const step = steps[WATCHED.indexOf(quantity)]!;
    if (step >= 0 && (found === undefined || step < found.step)) found = new NonFiniteError(step, quantity);
  }
  return found;
}

/** The NaN watch's update of its variable as one kernel, on the backends that have it. */
export const NUMERIC_HEALTH = "GanNumericHealth";

interface ObserveAttrs {
  /** Where in the health variable the loss and the gradients are recorded. */
  lossIndex: number;
  gradientIndex: number;
  step: number;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/**
 * Inputs `firstBad` (the health variable), `loss` and `gradientSummary`; output: the next
 * health variable. What observe's chain of tfjs ops computes (isFinite, all, logicalNot,
 * stack, equal, logicalAnd, fill, where: 11 kernels per update), in one pass that reads the
 * few values once.
 */
function observeKernel(backendName: HostBackendName): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const memory = hostMemory(backendName, backend);
    const { firstBad, loss, gradientSummary } = inputs as Record<"firstBad" | "loss" | "gradientSummary", tf.TensorInfo>;
    const { lossIndex, gradientIndex, step } = attrs as unknown as ObserveAttrs;
    const next = Float32Array.from(memory.read(firstBad));
    if (next[lossIndex] === -1 && !allFinite(memory.read(loss))) next[lossIndex] = step;
    if (next[gradientIndex] === -1 && !allFinite(memory.read(gradientSummary))) next[gradientIndex] = step;
    return memory.output([next.length], next);
  };
}

registerHostKernel(NUMERIC_HEALTH, { cpu: observeKernel("cpu"), wasm: observeKernel("wasm") });

export class NumericHealth {
  /** Per watched quantity, the first (0-based) step at which it was not finite; -1 while it is. */
  private readonly firstBad = tf.variable(tf.fill([WATCHED.length], -1), false, undefined, "float32");

  /**
   * Folds one update's loss and a summary of its gradients in (call inside the update's
   * tidy): `gradientSummary` is any scalar that is non-finite exactly when a gradient is
   * (the Trainer passes the sum of all gradient entries).
   */
  observe(loss: "d_loss" | "g_loss", value: tf.Tensor, gradientSummary: tf.Tensor, step: number): void {
    const attrs: ObserveAttrs = { lossIndex: WATCHED.indexOf(loss), gradientIndex: WATCHED.indexOf(loss === "d_loss" ? "d_gradients" : "g_gradients"), step };
    tf.tidy(() => {
      const next = kernelOnActiveBackend(NUMERIC_HEALTH)
        ? (tf.engine().runKernel(NUMERIC_HEALTH, { firstBad: this.firstBad, loss: value, gradientSummary }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor)
        : this.observedWithOps(value, gradientSummary, attrs);
      this.firstBad.assign(next);
    });
  }

  /** observe's update as tfjs ops, for the backends without the kernel. */
  private observedWithOps(value: tf.Tensor, gradientSummary: tf.Tensor, { lossIndex, gradientIndex, step }: ObserveAttrs): tf.Tensor {
    const badLoss = tf.logicalNot(tf.all(tf.isFinite(value)));
    const badGradients = tf.logicalNot(tf.all(tf.isFinite(gradientSummary)));
    const bad = tf.stack(WATCHED.map((_, i) => (i === lossIndex ? badLoss : i === gradientIndex ? badGradients : tf.scalar(false, "bool"))));
    const fresh = tf.logicalAnd(bad, tf.equal(this.firstBad, -1));
    return tf.where(fresh, tf.fill([WATCHED.length], step), this.firstBad);
  }

  /**
   * Hands each watched quantity's first bad step to `record` as a scalar (within a tidy), so
   * that it is read in the same batch as the step's logged scalars.
   */
  recordInto(record: (name: string, value: tf.Tensor) => void): void {
    tf.tidy(() => WATCHED.forEach((quantity, i) => record(`${HEALTH_PREFIX}${quantity}`, tf.reshape(tf.slice(this.firstBad, [i], [1]), []))));
  }

  /** Takes recordInto's values out of a batch of read scalars; the first quantity that went bad, if any. */
  extract(values: Record<string, number>): NonFiniteError | undefined {
    const steps = WATCHED.map((quantity) => {
      const step = values[`${HEALTH_PREFIX}${quantity}`]!;
      delete values[`${HEALTH_PREFIX}${quantity}`];
      return step;
    });
    return firstBadOf(steps);
  }

  /** Reads the health variable on its own (before a checkpoint is written). */
  async read(): Promise<NonFiniteError | undefined> {
    return firstBadOf([...(await readTensor(this.firstBad))]);
  }

  /** After a rollback: everything is finite again. */
  reset(): void {
    tf.tidy(() => this.firstBad.assign(tf.fill([WATCHED.length], -1)));
  }

  dispose(): void {
    this.firstBad.dispose();
  }
}
