/**
 * Optimizers with scheduled learning rates, over tfjs's own (adam, sgd / momentum, rmsprop).
 *
 * tfjs optimizers take a fixed learning rate at construction, and they do not all read it
 * the same way: Adam and RMSProp read their `learningRate` field at every update, but SGD
 * and Momentum bake it into a kept scalar tensor `c` that only `setLearningRate()` rebuilds,
 * so assigning the field there silently changes nothing (tested). `setStep` does the right
 * thing for each, and only when the rate changes, so a constant rate costs nothing per step.
 *
 * The learning rate at a step is `valueAt(spec.lr, step) * scale`; the scale starts at 1
 * and is what `scaleLearningRate` changes (halving after a NaN rollback), so it survives
 * schedule changes and is saved with the state.
 */
import { tf } from "./tfjs.js";
import { valueAt, type Optimizer as OptimizerSpec, type OptimizerKind } from "@gan/plan";
import { UserError } from "./errors.js";
import { FlatSlots, adamPowers, adamRule, nextAdamPowers, fusedOptimizerAvailable, rmspropRule, sgdRule, type AdamPowers, type UpdateRule } from "./fused-optimizer.js";

/** A tensor with a name, as tfjs optimizers give out their slots (tfjs-core does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** What a checkpoint keeps of an optimizer besides its slot tensors. */
export interface OptimizerStateJson {
  kind: OptimizerKind;
  /** Updates applied so far (Adam's bias correction depends on it). */
  iterations: number;
  /** The factor `scaleLearningRate` has built up. */
  learningRateScale: number;
}

export interface OptimizerState {
  json: OptimizerStateJson;
  /**
   * The slot variables (Adam's first and second moments, momentum accumulators, RMSProp's
   * mean squares), in tfjs's order: positional, one per trained variable in the order the
   * gradients were applied. Restore them into an optimizer that sees its variables in the
   * same order.
   */
  tensors: NamedTensor[];
}

export interface ScheduledOptimizer {
  readonly kind: OptimizerKind;
  /**
   * The tfjs optimizer: it counts the updates (`iterations`), and holds the slots where the
   * update is tfjs's own (backends without the fused kernel).
   */
  readonly optimizer: tf.Optimizer;
  /**
   * One update from `grads` (variable name -> gradient, as tf.variableGrads gives them), the
   * same as the tfjs optimizer's applyGradients; call inside a tidy. On the cpu and wasm
   * backends it runs as one fused kernel per call over the variables and flat slot buffers (see
   * fused-optimizer.ts), which also returns a scalar that is non-finite exactly when a
   * gradient entry is; elsewhere tfjs's optimizer runs and this returns undefined.
   */
  applyGradients(grads: tf.NamedTensorMap): tf.Scalar | undefined;
  /** Sets the learning rate for `step` from the schedule (call before the step's updates). */
  setStep(step: number): void;
  /** The learning rate in force. */
  learningRate(): number;
  /** Multiplies the learning rate by `factor` from now on, across schedule changes. */
  scaleLearningRate(factor: number): void;
  /** The product of every `scaleLearningRate` factor so far (1 at first). */
  learningRateScale(): number;
  /**
   * The state, for a checkpoint: `tensors` are one per trained variable and slot, named and
   * ordered as tfjs's getWeights lists them, and the caller's to dispose.
   */
  saveState(): Promise<OptimizerState>;
  /**
   * Restores a state from `saveState` (of this run or a checkpoint). The caller may dispose
   * `state.tensors` afterwards. Slots this optimizer held before are
   * freed.
   */
  restoreState(state: OptimizerState): Promise<void>;
  /** Frees the optimizer's slots. */
  dispose(): void;
}

/** Adam's running powers of beta1 and beta2, private in tfjs's typings. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** The parts of tfjs optimizers the typings keep protected or leave out. */
interface TfjsOptimizerInternals {
  learningRate: number;
  setLearningRate?(learningRate: number): void;
  incrementIterations(): void;
}

function checkLearningRate(rate: number, where: string): number {
  if (!Number.isFinite(rate) || rate < 0) throw new UserError(`${where}: the learning rate must be a finite number >= 0, got ${rate}`);
  return rate;
}

function construct(spec: OptimizerSpec, rate: number): tf.Optimizer {
  switch (spec.kind) {
    case "adam":
      return tf.train.adam(rate, spec.beta1, spec.beta2, spec.epsilon);
    case "sgd":
      return spec.momentum > 0 ? tf.train.momentum(rate, spec.momentum) : tf.train.sgd(rate);
    case "rmsprop":
      return tf.train.rmsprop(rate, spec.decay, spec.momentum, spec.epsilon);
  }
}

class Scheduled implements ScheduledOptimizer {
  readonly kind: OptimizerKind;
  readonly optimizer: tf.Optimizer;
  private scale = 1;
  private step = 0;
  private rate: number;

  constructor(private readonly spec: OptimizerSpec) {
    this.kind = spec.kind;
    this.rate = checkLearningRate(valueAt(spec.lr, 0), `${spec.kind} at step 0`);
    this.optimizer = construct(spec, this.rate);
  }

  setStep(step: number): void {
    this.step = step;
    this.apply(valueAt(this.spec.lr, step) * this.scale);
  }

  private apply(rate: number): void {
    if (rate === this.rate) return;
    checkLearningRate(rate, `${this.kind} at step ${this.step}`);
    const internals = this.optimizer as unknown as TfjsOptimizerInternals;
    // SGD and Momentum hold the rate in a kept scalar that only setLearningRate rebuilds.
    if (typeof internals.setLearningRate === "function") internals.setLearningRate(rate);
    else internals.learningRate = rate;
    this.rate = rate;
  }

  learningRate(): number {
    return this.rate;
  }

  scaleLearningRate(factor: number): void {
    if (!Number.isFinite(factor) || factor <= 0) throw new Error(`learning-rate scale factor must be a finite number > 0, got ${factor}`);
    this.scale *= factor;
    this.apply(valueAt(this.spec.lr, this.step) * this.scale);
  }

  learningRateScale(): number {
    return this.scale;
  }

  /**
   * Whether this optimizer's updates are fused (fused-optimizer.ts) or tfjs's, decided at its
   * first update or state change by the backend then active, and kept: the slots live in one
   * place or the other.
   */
  private fused: FlatSlots | null | undefined;
  /** Adam's beta1^t and beta2^t for the fused update. */
  private powers: AdamPowers | undefined;

  private fusedSlots(): FlatSlots | null {
    if (this.fused === undefined) this.fused = fusedOptimizerAvailable() ? new FlatSlots(this.rule().kind) : null;
    return this.fused;
  }

  /** The fused update's rule at the rate in force. */
  private rule(): UpdateRule {
    const spec = this.spec;
    switch (spec.kind) {
      case "adam":
        this.powers ??= adamPowers(spec.beta1, spec.beta2, 0);
        return adamRule(this.rate, spec.beta1, spec.beta2, spec.epsilon, this.powers);
      case "sgd":
        return sgdRule(this.rate, spec.momentum);
      case "rmsprop":
        return rmspropRule(this.rate, spec.decay, spec.momentum, spec.epsilon);
    }
  }

  applyGradients(grads: tf.NamedTensorMap): tf.Scalar | undefined {
    const slots = this.fusedSlots();
    if (slots === null) {
      this.optimizer.applyGradients(grads);
      return undefined;
    }
    const summary = slots.update(grads, this.rule());
    (this.optimizer as unknown as TfjsOptimizerInternals).incrementIterations();
    if (this.spec.kind === "adam") this.powers = nextAdamPowers(this.powers!, this.spec.beta1, this.spec.beta2);
    return summary;
  }

  async saveState(): Promise<OptimizerState> {
    const [iterations, ...slots] = await this.optimizer.getWeights();
    // tfjs makes a fresh scalar for the iteration count at every getWeights; it goes in the JSON.
    const count = (await iterations!.tensor.data())[0]!;
    iterations!.tensor.dispose();
    const fused = this.fusedSlots();
    // tfjs's slots are its live variables: the caller gets tensors of its own, as from the fused slots.
    const tensors = fused === null ? slots.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) })) : fused.save();
    return { json: { kind: this.kind, iterations: count, learningRateScale: this.scale }, tensors };
  }

  async restoreState(state: OptimizerState): Promise<void> {
    const { json, tensors } = state;
    if (json.kind !== this.kind) {
      throw new UserError(`the saved optimizer state is for ${json.kind}, but this optimizer is ${this.kind}`);
    }
    if (!Number.isInteger(json.iterations) || json.iterations < 0 || !(json.learningRateScale > 0)) {
      throw new UserError(`not a saved optimizer state: ${JSON.stringify(json).slice(0, 200)}`);
    }
    const fused = this.fusedSlots();
    const groups = this.slotGroups();
    if (fused === null && tensors.length % groups !== 0) {
      throw new UserError(`a saved ${this.kind} state has ${tensors.length} slot tensors, not a multiple of ${groups}`);
    }
    // Checked (and copied) before anything changes, so a refused state leaves this optimizer as it was.
    fused?.restore(tensors);
    // setWeights replaces the slot arrays without freeing what they held.
    const [current, ...held] = await this.optimizer.getWeights();
    current!.tensor.dispose();
    for (const slot of held) slot.tensor.dispose();
    const iterations = tf.scalar(json.iterations, "int32");
    try {
      // setWeights turns each tensor into a new variable that holds its own reference to the
      // data, so the caller's tensors can be disposed (or keep changing) without touching ours.
      // With the fused update tfjs keeps only the iteration count.
      await this.optimizer.setWeights([{ name: "iter", tensor: iterations }, ...(fused === null ? tensors : [])]);
    } finally {
      iterations.dispose();
    }
    if (this.spec.kind === "adam") this.restoreAdamPowers(this.spec.beta1, this.spec.beta2, json.iterations);
    this.scale = json.learningRateScale;
    this.apply(valueAt(this.spec.lr, this.step) * this.scale);
  }

  /**
   * Adam's bias corrections use beta1^t and beta2^t, which tfjs keeps as float32 scalars
   * multiplied by beta at every update. Its setWeights recomputes them with pow(), which differs
   * in the last bit for most t (0.999^t): a resumed run's updates, and then its losses, would
   * drift from the uninterrupted run's. Rebuild them the way the uninterrupted run did
   * (adamPowers: t + 1 float32 products), for the fused update and for tfjs's.
   */
  private restoreAdamPowers(beta1: number, beta2: number, iterations: number): void {
    this.powers = adamPowers(beta1, beta2, iterations);
    const adam = this.optimizer as unknown as AdamInternals;
    for (const [variable, power] of [
      [adam.accBeta1, this.powers.beta1],
      [adam.accBeta2, this.powers.beta2],
    ] as const) {
      const value = tf.scalar(power);
      variable.assign(value);
      value.dispose();
    }
  }

  /** How many slot tensors each trained variable has in tfjs's optimizer. */
  private slotGroups(): number {
    if (this.spec.kind === "adam" || this.spec.kind === "rmsprop") return 2;
    return 1;
  }

  dispose(): void {
    this.fused?.dispose();
    this.optimizer.dispose();
  }
}

/** An optimizer for the plan's `spec`, its learning rate set for step 0. */
export function createOptimizer(spec: OptimizerSpec): ScheduledOptimizer {
  return new Scheduled(spec);
}
