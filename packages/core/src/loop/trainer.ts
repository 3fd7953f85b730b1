/**
 * The training loop's state and its step: the two networks, their optimizers, the data
 * source, the random streams and the hook bus, and what one step does with them.
 *
 * One step (docs/ARCHITECTURE.md, "Life of a spec", steps 8 and 9): the `first` hooks say how many discriminator and generator
 * updates to make (default 1 and 1). Each discriminator update sees an all-real and an
 * all-fake batch in separate forward passes (ganhacks #4), with the waterfall hooks
 * discriminatorInputs, labels and discriminatorLoss at their places; each generator update
 * passes its fake batch through discriminatorFakeInputs, D's logits on it through generatorLogits
 * and its loss through generatorLoss
 * (a loss that declares generatorUsesRealLogits, such as the relativistic ones, also gets D's
 * logits on a real batch drawn for that update; the others draw none).
 * afterDiscriminatorStep and afterGeneratorStep follow each update.
 *
 * Nothing is read back to JavaScript on a step that is not logged: losses and tricks'
 * scalars stay tensors (StepScalars) and are read in one batch on logged steps. Every
 * update runs inside tf.tidy, so the number of live tensors stays flat across steps.
 */
import { tf, tfl } from "../tfjs.js";
import type { JsonValue, Plan } from "@gan/plan";
import { openDataSource } from "../data/loaders.js";
import type { DataSource, DataSourceOptions } from "../data/source.js";
import { discriminatorAccuracy, resolveLoss, runDiscriminatorLoss, runGeneratorLoss, type RunLoss } from "../losses/index.js";
import { trainableVariables } from "../model/build-network.js";
import { applyDiscriminator, applyGenerator, classTensor, sampleClasses, type DiscriminatorOutputs } from "../model/conditional.js";
import { UserError } from "../errors.js";
import { createOptimizer, type ScheduledOptimizer } from "../optimizers.js";
import { createRng, type Rng, type RngState } from "../random.js";
import type { HookBus, TrickCheckpoint } from "../trick/bus.js";
import type { Trick } from "../trick/define-trick.js";
import type { ClassBatch, Labels, RunContext } from "../trick/hooks.js";
import { sampleLatent } from "./latent.js";
import { NumericHealth, type NonFiniteError } from "./numeric-health.js";
import { StepScalars } from "./step-scalars.js";
import { readTensorSync } from "./tensor-reads.js";
import { buildRunNetworks, type RunNetworks } from "./run-networks.js";

export interface TrainerOptions {
  /** The trick modules, aligned with plan.tricks (the CLI loads them with loadTrickModule). */
  tricks?: readonly Trick[];
  /** A data source to use instead of opening plan.data (tests). */
  dataSource?: DataSource;
  /** Where tricks' warnings go. */
  warn?(message: string): void;
  /** How opening the plan's data treats files it cannot read (see DataSourceOptions). */
  onBadFile?: DataSourceOptions["onBadFile"];
  /** Progress of a long first opening of the data (an images folder being decoded). */
  dataProgress?: DataSourceOptions["progress"];
}

/** The random streams of the loop itself, saved in checkpoints. */
export interface LoopRngStates {
  latent: RngState;
  dropout: RngState;
}

/** Everything but the networks' weights and the optimizers' slots that a checkpoint keeps. */
export interface LoopState {
  /** The next step to run (= steps completed). */
  step: number;
  rng: LoopRngStates;
  data: JsonValue;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

// What waterfall hooks must hand on: a trick returning something else is named at once,
// instead of failing later inside tfjs with a message about neither the trick nor the hook.

/** The start of a refusal: what the hook returned in place of `what`, of shape `expected`. */
function returnedInstead(value: unknown, what: string, expected: readonly number[]): string {
  return `it returned ${value instanceof tf.Tensor ? `a tensor of shape ${formatShape(value.shape)}` : "something that is not a tensor"} for ${what}, which has shape ${formatShape(expected)}`;
}

function checkShape(what: string, expected: readonly number[]) {
  return (value: tf.Tensor): string | undefined =>
    value instanceof tf.Tensor && sameShape(value.shape, expected) ? undefined : returnedInstead(value, what, expected);
}

/** A subset of the rows of a tensor of shape `expected`: the same columns, 1 to expected[0] rows. */
function checkRows(what: string, expected: readonly number[]) {
  return (value: tf.Tensor): string | undefined =>
    value instanceof tf.Tensor && value.shape[0]! >= 1 && value.shape[0]! <= expected[0]! && sameShape(value.shape.slice(1), expected.slice(1))
      ? undefined
      : `${returnedInstead(value, what, expected)}: keep 1 to ${expected[0]} of its rows`;
}

function checkInputs(realShape: readonly number[], fakeShape: readonly number[]) {
  const real = checkShape("the real batch", realShape);
  const fake = checkShape("the fake batch", fakeShape);
  return (inputs: { real: tf.Tensor; fake: tf.Tensor }) => real(inputs.real) ?? fake(inputs.fake);
}

function checkLabels(batch: number) {
  const one = (label: number | tf.Tensor, which: string): string | undefined => {
    if (typeof label === "number") return Number.isFinite(label) ? undefined : `its ${which} label is ${label}`;
    if (!(label instanceof tf.Tensor)) return `its ${which} label is neither a number nor a tensor`;
    return label.size === 1 || label.size === batch
      ? undefined
      : `its ${which} labels have shape ${formatShape(label.shape)}: give one number, or one value per sample (${batch})`;
  };
  return (labels: Labels) => one(labels.real, "real") ?? one(labels.fake, "fake");
}

function checkScalar(loss: tf.Scalar): string | undefined {
  if (!(loss instanceof tf.Tensor)) return "it returned a loss that is not a tensor";
  return loss.rank === 0 ? undefined : `it returned a loss of shape ${formatShape(loss.shape)}: a loss is a scalar (reduce it with tf.mean)`;
}

/** The sum over every gradient of `reduce(gradient)` (a scalar per gradient); 0 for none. */
function sumOverGradients(grads: tf.NamedTensorMap, reduce: (gradient: tf.Tensor) => tf.Tensor): tf.Scalar {
  const parts = Object.values(grads).map(reduce);
  return (parts.length === 0 ? tf.scalar(0) : tf.addN(parts)) as tf.Scalar;
}

/** The squared global norm of a set of gradients. */
function gradientNormSquared(grads: tf.NamedTensorMap): tf.Scalar {
  return sumOverGradients(grads, (gradient) => tf.sum(tf.square(gradient)));
}

/**
 * The sum of every gradient entry: NaN or infinite when any entry is, and finite otherwise
 * (short of a sum beyond 3e38, where the squared norm would have overflowed long before).
 * One kernel per gradient where the squared norm takes two: the NaN watch runs every update.
 */
function gradientSum(grads: tf.NamedTensorMap): tf.Scalar {
  return sumOverGradients(grads, (gradient) => tf.sum(gradient));
}

export class Trainer implements RunNetworks {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly generatorOptimizer: ScheduledOptimizer;
  readonly discriminatorOptimizer: ScheduledOptimizer;
  readonly bus: HookBus;
  /** The plan's loss, resolved to its declaration and implementation (built in, or a trick's). */
  readonly loss: RunLoss;
  /** The next step to run; equals the number of steps completed. */
  step = 0;

  private readonly scalars = new StepScalars();
  private readonly health = new NumericHealth();
  private readonly latentRng: Rng;
  private readonly dropoutRng: Rng;
  private readonly generatorVariables: tf.Variable[];
  private readonly discriminatorVariables: tf.Variable[];

  /** D in training mode on a batch and, under a condition, the batch's classes ([n, 1]). */
  private discriminate(x: tf.Tensor, classes: tf.Tensor | undefined): DiscriminatorOutputs {
    return applyDiscriminator(this.discriminator, this.plan, x, classes, true);
  }

  /** What hooks get as `discriminator`: D's logits, with the classes of the batch at hand. */
  private discriminatorFor(classes: tf.Tensor | undefined): (x: tf.Tensor) => tf.Tensor {
    return (x) => this.discriminate(x, classes).logits;
  }

  private constructor(
    readonly plan: Plan,
    readonly data: DataSource,
    rng: Rng,
    tricks: readonly Trick[],
    warn: (message: string) => void,
  ) {
    this.latentRng = rng.split("latent");
    this.dropoutRng = rng.split("dropout");
    const networks = buildRunNetworks(plan, {
      tricks,
      rng,
      dropoutRng: () => this.dropoutRng,
      log: (name, value) => this.scalars.record(name, value),
      warn,
    });
    this.generator = networks.generator;
    this.discriminator = networks.discriminator;
    this.bus = networks.bus;
    this.generatorVariables = trainableVariables(this.generator);
    this.discriminatorVariables = trainableVariables(this.discriminator);
    this.loss = resolveLoss(plan.loss, tricks);
    this.generatorOptimizer = createOptimizer(plan.optimizers.generator);
    this.discriminatorOptimizer = createOptimizer(plan.optimizers.discriminator);
  }

  /** Builds the networks (weights from plan.train.seed), the optimizers, the data source and the tricks' hooks. */
  static async create(plan: Plan, options: TrainerOptions = {}): Promise<Trainer> {
    const rng = createRng(plan.train.seed);
    const data =
      options.dataSource ??
      (await openDataSource(plan.data, {
        rng: rng.split("data"),
        ...(options.onBadFile !== undefined && { onBadFile: options.onBadFile }),
        ...(options.dataProgress !== undefined && { progress: options.dataProgress }),
      }));
    return new Trainer(plan, data, rng, options.tricks ?? [], options.warn ?? (() => {}));
  }

  /** True when step `step` (0-based) ends with a line in metrics.jsonl. */
  isLogStep(step: number): boolean {
    const done = step + 1;
    return done % this.plan.train.logEvery === 0 || done === this.plan.train.steps;
  }

  runContext(): RunContext {
    return { step: this.step, generator: this.generator, discriminator: this.discriminator };
  }

  /** The latent vectors of `count` samples, from the given stream (the loop's by default). */
  sampleLatent(count: number, rng: Rng = this.latentRng): Float32Array {
    return sampleLatent(this.plan.latent, count, rng);
  }

  private latentTensor(values: Float32Array): tf.Tensor2D {
    return tf.tensor2d(values, [values.length / this.plan.latent.size, this.plan.latent.size]);
  }

  /**
   * The classes of `count` fake samples under a condition (uniform, drawn from the latent
   * stream right after their latent vectors); undefined for an unconditional run.
   */
  sampleFakeClasses(count: number, rng: Rng = this.latentRng): Int32Array | undefined {
    const condition = this.plan.condition;
    return condition && sampleClasses(count, condition.classes, rng);
  }

  /** The next real batch, with its classes under a condition. */
  private nextReal(batch: number): { examples: Float32Array; classes: Int32Array | undefined } {
    if (this.plan.condition === undefined) return { examples: this.data.nextBatch(batch), classes: undefined };
    const { examples, labels } = this.data.nextExamples(batch);
    if (labels === undefined) throw new UserError(`the spec conditions on classes, but the data (${this.data.describe()}) gave no class labels`);
    return { examples, classes: labels };
  }

  /** One discriminator update; returns its loss (a scalar the caller owns). */
  private discriminatorUpdate(step: number): tf.Scalar {
    const batch = this.plan.train.batch;
    const realValues = this.nextReal(batch);
    const latentValues = this.sampleLatent(batch);
    const fakeClassValues = this.sampleFakeClasses(batch);
    const bus = this.bus;
    return tf.tidy(() => {
      const real = tf.tensor(realValues.examples, [batch, ...this.data.shape]);
      const realClasses = realValues.classes && classTensor(realValues.classes);
      const fakeClasses = fakeClassValues && classTensor(fakeClassValues);
      // The fake batch is made outside the tape: D's update must not differentiate through G.
      const fake = applyGenerator(this.generator, this.latentTensor(latentValues), fakeClasses, true);
      const { value, grads } = tf.variableGrads(() => {
        const inputs = bus.checkedWaterfall("discriminatorInputs", checkInputs(real.shape, fake.shape), { real, fake }, step);
        const labels: Labels = bus.checkedWaterfall("labels", checkLabels(batch), { real: 1, fake: 0 }, step);
        const realOutputs = this.discriminate(inputs.real, realClasses);
        const fakeOutputs = this.discriminate(inputs.fake, fakeClasses);
        const realLogits = realOutputs.logits;
        const fakeLogits = fakeOutputs.logits;
        const classes = fakeClasses && this.classBatch(realClasses, fakeClasses, realOutputs, fakeOutputs);
        const loss = runDiscriminatorLoss(this.loss, realLogits, fakeLogits, labels);
        // D's accuracy on what it saw: with its loss, what tells a discriminator that wins for good (TrainingMonitor).
        if (this.scalars.isLogging()) {
          const accuracy = discriminatorAccuracy(this.loss.declaration, realLogits, fakeLogits);
          if (accuracy) this.scalars.record("d_acc", accuracy);
        }
        return bus.checkedWaterfall(
          "discriminatorLoss",
          checkScalar,
          loss,
          { discriminator: this.discriminatorFor(realClasses), real: inputs.real, fake: inputs.fake, realLogits, fakeLogits, labels, ...(classes && { classes }) },
          step,
        );
      }, this.discriminatorVariables);
      // The fused optimizer checks the gradients in the pass that reads them for the update.
      const gradientSummary = this.discriminatorOptimizer.applyGradients(grads) ?? gradientSum(grads);
      this.health.observe("d_loss", value, gradientSummary, step);
      return value;
    });
  }

  /** One generator update; returns its loss (a scalar the caller owns). */
  private generatorUpdate(step: number): tf.Scalar {
    const batch = this.plan.train.batch;
    const latentValues = this.sampleLatent(batch);
    const fakeClassValues = this.sampleFakeClasses(batch);
    // Drawn after the latent vectors, as the reference code of the relativistic GANs does; only
    // for a loss that reads it, so that the others' data stream and speed stay as they were.
    const realValues = this.loss.declaration.generatorUsesRealLogits ? this.nextReal(batch) : undefined;
    const bus = this.bus;
    return tf.tidy(() => {
      const latent = this.latentTensor(latentValues);
      const fakeClasses = fakeClassValues && classTensor(fakeClassValues);
      const real = realValues && tf.tensor(realValues.examples, [batch, ...this.data.shape]);
      const realClasses = realValues?.classes && classTensor(realValues.classes);
      const { value, grads } = tf.variableGrads(() => {
        const generated = applyGenerator(this.generator, latent, fakeClasses, true);
        const fake = bus.checkedWaterfall("discriminatorFakeInputs", checkShape("the fake batch", generated.shape), generated, step);
        const fakeOutputs = this.discriminate(fake, fakeClasses);
        const fakeLogits = bus.checkedWaterfall("generatorLogits", checkRows("D's logits on the fake batch", fakeOutputs.logits.shape), fakeOutputs.logits, step);
        // D(real) does not depend on G's weights: it enters G's loss as a constant.
        const realOutputs = real && this.discriminate(real, realClasses);
        const realLogits = realOutputs?.logits;
        const classes = fakeClasses && this.classBatch(realClasses, fakeClasses, realOutputs, fakeOutputs);
        const loss = runGeneratorLoss(this.loss, fakeLogits, realLogits);
        const context = { discriminator: this.discriminatorFor(fakeClasses), fake, fakeLogits, real, realLogits, latent, ...(classes && { classes }) };
        return bus.checkedWaterfall("generatorLoss", checkScalar, loss, context, step);
      }, this.generatorVariables);
      // G's gradient norm is what explodes first; logged so that runs can warn about it.
      if (this.scalars.isLogging()) this.scalars.record("g_grad_norm", tf.sqrt(gradientNormSquared(grads)));
      const gradientSummary = this.generatorOptimizer.applyGradients(grads) ?? gradientSum(grads);
      this.health.observe("g_loss", value, gradientSummary, step);
      return value;
    });
  }

  /**
   * Runs step `this.step` and advances. On a logged step, resolves to its scalars (d_loss,
   * g_loss, the learning rates and every trick scalar), read in one batch; otherwise to
   * undefined, having read nothing.
   */
  async runStep(): Promise<Record<string, number> | undefined> {
    const step = this.step;
    const logging = this.isLogStep(step);
    this.bus.setStep(step);
    this.scalars.begin(logging);
    try {
      this.discriminatorOptimizer.setStep(step);
      this.generatorOptimizer.setStep(step);
      const discriminatorUpdates = this.bus.count("discriminatorUpdates", 1);
      const generatorUpdates = this.bus.count("generatorUpdates", 1);
      const run = this.runContext();
      for (let i = 0; i < discriminatorUpdates; i++) {
        this.scalars.own("d_loss", this.discriminatorUpdate(step));
        this.bus.series("afterDiscriminatorStep", run);
      }
      for (let i = 0; i < generatorUpdates; i++) {
        this.scalars.own("g_loss", this.generatorUpdate(step));
        this.bus.series("afterGeneratorStep", run);
      }
      this.step = step + 1;
      if (!logging) return undefined;
      // The NaN watch rides along in the step's one batched read.
      this.health.recordInto((name, value) => this.scalars.record(name, value));
      const values = await this.scalars.read();
      const nonFinite = this.health.extract(values);
      if (nonFinite) throw nonFinite;
      return {
        ...values,
        // The rates in force: the schedule's value, times any scale applied since (a NaN rollback's halving).
        d_lr: this.discriminatorOptimizer.learningRate(),
        g_lr: this.generatorOptimizer.learningRate(),
      };
    } finally {
      this.scalars.clear();
    }
  }

  /**
   * The first NaN or infinite loss or gradient since the start (or the last
   * clearNonFinite), if any. Read before a checkpoint is written, so none holds a NaN.
   */
  nonFinite(): Promise<NonFiniteError | undefined> {
    return this.health.read();
  }

  /** After a rollback to a checkpoint: the run is finite again. */
  clearNonFinite(): void {
    this.health.reset();
  }

  /** The generator samples are drawn from: a trick's (EMA weights) or the trained one. */
  samplingGenerator(): tfl.LayersModel {
    return this.bus.samplingGenerator(this.runContext());
  }

  /** What the hooks see of a conditional batch's classes: [batch] int32, and an auxiliary head's class logits. */
  private classBatch(real: tf.Tensor | undefined, fake: tf.Tensor, realOutputs: DiscriminatorOutputs | undefined, fakeOutputs: DiscriminatorOutputs): ClassBatch {
    return {
      count: this.plan.condition!.classes,
      real: real && tf.reshape(real, [-1]),
      fake: tf.reshape(fake, [-1]),
      realClassLogits: realOutputs?.classLogits,
      fakeClassLogits: fakeOutputs.classLogits,
    };
  }

  /**
   * Generator outputs (inference mode) for the given latent vectors (and, under a condition,
   * their classes), as one flat array.
   */
  generate(latentValues: Float32Array, classes?: Int32Array, model: tfl.LayersModel = this.samplingGenerator()): Float32Array {
    if ((classes === undefined) !== (this.plan.condition === undefined)) throw new Error("generate: classes are given exactly when the plan has a condition");
    const output = tf.tidy(() => applyGenerator(model, this.latentTensor(latentValues), classes && classTensor(classes), false));
    try {
      return readTensorSync(output);
    } finally {
      output.dispose();
    }
  }

  loopState(): LoopState {
    return {
      step: this.step,
      rng: { latent: this.latentRng.getState(), dropout: this.dropoutRng.getState() },
      data: this.data.getState(),
    };
  }

  restoreLoopState(state: LoopState): void {
    this.step = state.step;
    this.bus.setStep(state.step);
    this.latentRng.setState(state.rng.latent);
    this.dropoutRng.setState(state.rng.dropout);
    this.data.setState(state.data);
  }

  trickStates(): TrickCheckpoint[] {
    return this.bus.saveStates();
  }

  restoreTrickStates(states: readonly TrickCheckpoint[]): void {
    this.bus.restoreStates(states);
  }

  /** Frees the networks' and optimizers' tensors. */
  dispose(): void {
    this.scalars.clear();
    this.health.dispose();
    this.generator.dispose();
    this.discriminator.dispose();
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}
