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
import { adamConstants, fusedAdamAvailable, fusedAdamStep } from "./fused-adam.js";

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
  /** The tfjs optimizer, which holds the state (slots, iterations) `applyGradients` updates. */
  readonly optimizer: tf.Optimizer;
  /**
   * One update from `grads` (variable name -> gradient, as tf.variableGrads gives them), the
   * same as the tfjs optimizer's applyGradients; call inside a tidy. Adam on the cpu and
   * wasm backends runs as one fused kernel per call (see fused-adam.ts), which also returns
   * a scalar that is non-finite exactly when a gradient entry is; otherwise undefined.
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
   * The state, for a checkpoint. `tensors` are the optimizer's live slot variables, as
   * tfjs's getWeights hands them out: read them before the next update and do not dispose
   * them.
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

/** Adam's settings, running powers of beta1 and beta2 and moments, private in tfjs's typings. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/** The parts of tfjs optimizers the typings keep protected or leave out. */
interface TfjsOptimizerInternals {
  learningRate: number;
  setLearningRate?(learningRate: number): void;
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

  applyGradients(grads: tf.NamedTensorMap): tf.Scalar | undefined {
    if (this.spec.kind !== "adam" || !fusedAdamAvailable()) {
      this.optimizer.applyGradients(grads);
      return undefined;
    }
    return this.fusedAdam(grads);
  }

  /**
   * tfjs's AdamOptimizer.applyGradients as one kernel, on tfjs's own state: the moments
   * are made (zeros, named `<variable>/m` and `/v`) and indexed by the gradients' order the
   * way it makes them, so saveState, restoreState and checkpoints are those of tfjs's Adam.
   */
  private fusedAdam(grads: tf.NamedTensorMap): tf.Scalar {
    const adam = this.optimizer as unknown as AdamInternals;
    const moment = (slots: AdamInternals["accumulatedFirstMoment"], i: number, name: string, suffix: string): tf.Variable => {
      slots[i] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(tf.engine().registeredVariables[name]!).variable(false)) };
      return slots[i].variable;
    };
    const variables = Object.keys(grads).flatMap((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`applyGradients: no variable named ${name}`);
      const m = moment(adam.accumulatedFirstMoment, i, name, "m");
      const v = moment(adam.accumulatedSecondMoment, i, name, "v");
      const gradient = grads[name];
      return gradient == null ? [] : [{ value, gradient, m, v }];
    });
    const summary = fusedAdamStep({
      variables,
      accBeta1: adam.accBeta1,
      accBeta2: adam.accBeta2,
      constants: adamConstants(adam.learningRate, adam.beta1, adam.beta2, adam.epsilon),
    });
    adam.incrementIterations();
    return summary;
  }

  async saveState(): Promise<OptimizerState> {
    const [iterations, ...slots] = await this.optimizer.getWeights();
    // tfjs makes a fresh scalar for the iteration count at every getWeights; it goes in the JSON.
    const count = (await iterations!.tensor.data())[0]!;
    iterations!.tensor.dispose();
    return { json: { kind: this.kind, iterations: count, learningRateScale: this.scale }, tensors: slots };
  }

  async restoreState(state: OptimizerState): Promise<void> {
    const { json, tensors } = state;
    if (json.kind !== this.kind) {
      throw new UserError(`the saved optimizer state is for ${json.kind}, but this optimizer is ${this.kind}`);
    }
    if (!Number.isInteger(json.iterations) || json.iterations < 0 || !(json.learningRateScale > 0)) {
      throw new UserError(`not a saved optimizer state: ${JSON.stringify(json).slice(0, 200)}`);
    }
    const groups = this.slotGroups();
    if (tensors.length % groups !== 0) {
      throw new UserError(`a saved ${this.kind} state has ${tensors.length} slot tensors, not a multiple of ${groups}`);
    }
    // setWeights replaces the slot arrays without freeing what they held.
    const [current, ...held] = await this.optimizer.getWeights();
    current!.tensor.dispose();
    for (const slot of held) slot.tensor.dispose();
    const iterations = tf.scalar(json.iterations, "int32");
    try {
      // setWeights turns each tensor into a new variable that holds its own reference to the
      // data, so the caller's tensors can be disposed (or keep changing) without touching ours.
      await this.optimizer.setWeights([{ name: "iter", tensor: iterations }, ...tensors]);
    } finally {
      iterations.dispose();
    }
    if (this.spec.kind === "adam") this.restoreAdamPowers(json.iterations);
    this.scale = json.learningRateScale;
    this.apply(valueAt(this.spec.lr, this.step) * this.scale);
  }

  /**
   * Adam's bias corrections use beta1^t and beta2^t, which tfjs keeps as float32 scalars
   * multiplied by beta at every update. Its setWeights recomputes them with pow(), which differs
   * in the last bit for most t (0.999^t): a resumed run's updates, and then its losses, would
   * drift from the uninterrupted run's. Rebuild them the way the uninterrupted run did: t + 1
   * float32 products (a product of two float32 values is exact in float64, so fround of it is
   * the float32 multiply every backend does).
   */
  private restoreAdamPowers(iterations: number): void {
    const adam = this.optimizer as unknown as AdamInternals;
    const accumulate = (beta: number) => {
      const b = Math.fround(beta);
      let power = b;
      for (let i = 0; i < iterations; i++) power = Math.fround(power * b);
      return power;
    };
    for (const [variable, beta] of [
      [adam.accBeta1, adam.beta1],
      [adam.accBeta2, adam.beta2],
    ] as const) {
      const value = tf.scalar(accumulate(beta));
      variable.assign(value);
      value.dispose();
    }
  }

  /** How many slot tensors each trained variable has. */
  private slotGroups(): number {
    if (this.spec.kind === "adam" || this.spec.kind === "rmsprop") return 2;
    return 1;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** An optimizer for the plan's `spec`, its learning rate set for step 0. */
export function createOptimizer(spec: OptimizerSpec): ScheduledOptimizer {
  return new Scheduled(spec);
}
