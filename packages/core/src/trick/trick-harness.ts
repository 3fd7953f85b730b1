/**
 * A harness for testing a trick's runtime hooks without a training run: it validates the
 * options as the compiler does (defaults filled in, schedules kept), selects a backend, and
 * builds the `setup` context the hook bus builds (seeded random stream, `at` and `step()`
 * following the step the test sets), collecting what the trick logs and warns.
 *
 * For what only a run shows (update counts, checkpoints and resume), train a tiny plan with
 * `train(plan, { tricks: [...] })` instead.
 */
import { tf } from "../tfjs.js";
import { z } from "zod";
import { valueAt, type BackendName, type JsonValue, type Plan, type Schedulable, type Window } from "@gan/plan";
import { selectBackend } from "../backend/select-backend.js";
import type { DataSource } from "../data/source.js";
import { Trainer } from "../loop/trainer.js";
import { createRng, type RngState } from "../random.js";
import { defineTrick, type Trick } from "./define-trick.js";
import type { DiscriminatorLossContext, TrickHooks, TrickSetupContext } from "./hooks.js";
import { validateTrickOptions } from "./options.js";

export interface TrickHarnessOptions {
  /** The plan the trick sees (its `use` line is added to `plan.tricks` if missing). */
  plan: Plan;
  /** The options as written in a spec; validated against the trick's schema. */
  options?: Record<string, JsonValue>;
  /** Seed of the trick's random stream (default: the plan's seed). */
  seed?: number;
  /** Backend to run on (default "cpu", the reference). */
  backend?: Exclude<BackendName, "auto">;
  /** Replaces parts of the context (e.g. `randomUniform`, to know the values a trick draws). */
  context?: Partial<TrickSetupContext<unknown>>;
}

export interface LoggedScalar {
  step: number;
  name: string;
  value: number;
}

export interface TrickHarness<Options> {
  hooks: TrickHooks;
  context: TrickSetupContext<Options>;
  /** The options after validation, with defaults. */
  options: Options;
  /** Everything the trick logged, read at once. */
  logs: LoggedScalar[];
  warnings: string[];
  /** Sets the step that `at`, `step()` and the logs see. */
  setStep(step: number): void;
  /** The trick's random stream, to save and restore around a simulated checkpoint. */
  randomState(): RngState;
  setRandomState(state: RngState): void;
  tf: typeof tf;
}

/** Sets up `trick` as a run would; throws with the option problems when the options are invalid. */
export async function createTrickHarness<Options>(trick: Trick, harness: TrickHarnessOptions): Promise<TrickHarness<Options>> {
  await selectBackend(harness.backend ?? "cpu");
  const checked = validateTrickOptions(trick.options, harness.options ?? {});
  if (!checked.ok) {
    throw new Error(`${trick.name}: invalid options: ${checked.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  }
  const use = { package: trick.name, version: "0.0.0-test", options: checked.options, window: {} };
  const plan: Plan = harness.plan.tricks.some((item) => item.package === trick.name)
    ? harness.plan
    : { ...harness.plan, tricks: [...harness.plan.tricks, use] };
  const rng = createRng(harness.seed ?? plan.train.seed).split(`trick:test:${trick.name}`);
  let step = 0;
  const logs: LoggedScalar[] = [];
  const warnings: string[] = [];
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const context: TrickSetupContext<Options> = {
    options: checked.options as Options,
    plan,
    tf,
    at: (value: Schedulable) => valueAt(value, step),
    step: () => step,
    log: (name, value) => logs.push({ step, name, value: typeof value === "number" ? value : value.dataSync()[0]! }),
    warn: (message) => warnings.push(message),
    random: () => rng.next(),
    randomNormal: (shape, mean = 0, std = 1) => tf.tensor(rng.fillNormal(new Float32Array(size(shape)), mean, std), shape),
    randomUniform: (shape, lo = 0, hi = 1) => tf.tensor(rng.fillUniform(new Float32Array(size(shape)), lo, hi), shape),
    ...(harness.context as Partial<TrickSetupContext<Options>>),
  };
  const hooks = trick.setup?.(context as TrickSetupContext<never>) ?? {};
  return {
    hooks,
    context,
    options: checked.options as Options,
    logs,
    warnings,
    setStep: (next) => {
      step = next;
    },
    randomState: () => rng.getState(),
    setRandomState: (state) => rng.setState(state),
    tf,
  };
}

/**
 * The context the loop gives a `discriminatorLoss` hook, for D written as a function in a test:
 * the real and fake batches (rows of numbers) as tensors, their logits through D, and the
 * labels 1 and 0 of a run without label tricks.
 */
export function discriminatorLossContext(discriminator: (x: tf.Tensor) => tf.Tensor, real: number[][], fake: number[][]): DiscriminatorLossContext {
  const [realBatch, fakeBatch] = [tf.tensor2d(real), tf.tensor2d(fake)];
  return { discriminator, real: realBatch, fake: fakeBatch, realLogits: discriminator(realBatch), fakeLogits: discriminator(fakeBatch), labels: { real: 1, fake: 0 } };
}

/** A trick of a test run, with its options as a spec would write them. */
export interface TrickInRun {
  trick: Trick;
  options?: Record<string, JsonValue>;
  window?: Window;
}

/**
 * A Trainer for `plan` with the given tricks in that order (their `use` lines replace
 * `plan.tricks`), on the plan's backend (cpu by default in `tinyPlan`). Call `runStep()` to
 * train and read `generator` / `discriminator` between steps; warnings are collected.
 */
export async function createTrickTrainer(
  plan: Plan,
  tricks: readonly TrickInRun[],
  options: { dataSource?: DataSource } = {},
): Promise<{ trainer: Trainer; warnings: string[] }> {
  await selectBackend(plan.train.backend === "auto" ? "cpu" : plan.train.backend);
  const uses = tricks.map(({ trick, options = {}, window = {} }) => ({ package: trick.name, version: "0.0.0-test", options, window }));
  const warnings: string[] = [];
  const trainer = await Trainer.create(
    { ...plan, tricks: uses },
    { tricks: tricks.map((item) => item.trick), warn: (message) => warnings.push(message), ...(options.dataSource ? { dataSource: options.dataSource } : {}) },
  );
  return { trainer, warnings };
}

/**
 * A trick without options that only registers `hooks` (or what a function of the setup
 * context returns): to watch what a run does around the trick under test.
 */
export function probeTrick(hooks: TrickHooks | ((context: TrickSetupContext<Record<string, never>>) => TrickHooks), name = "probe"): Trick {
  return defineTrick({ name, options: z.object({}), setup: (context) => (typeof hooks === "function" ? hooks(context as never) : hooks) });
}

/**
 * The data of `tinyConditionalPlan`: six labelled 28x28 examples in [-1, 1], two of each of
 * its three classes (class c's pixels near c - 1, with a ripple), in the order 0 1 2 2 1 0.
 */
export function tinyConditionalSource(): DataSource {
  const pixels = 28 * 28;
  const labels = Int32Array.from([0, 1, 2, 2, 1, 0]);
  const values = Float32Array.from({ length: labels.length * pixels }, (_, i) => (labels[Math.floor(i / pixels)]! - 1) * 0.5 + 0.01 * Math.sin(i));
  return arrayDataSource(values, [28, 28, 1], [-1, 1], labels);
}

/**
 * A data source over fixed examples (`values` holds them one after another), handed out in
 * order and round again: image-shaped data for trick tests without reading files. With
 * `labels` (one class per example), batches carry them, as a labelled set's do.
 */
export function arrayDataSource(values: Float32Array | number[], shape: number[], range: [number, number] | null = null, labels?: Int32Array): DataSource {
  const perExample = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(values);
  if (data.length === 0 || data.length % perExample !== 0) {
    throw new Error(`arrayDataSource: ${data.length} values do not make whole examples of shape [${shape.join(", ")}]`);
  }
  const size = data.length / perExample;
  let next = 0;
  const nextBatch = (batch: number, out?: Float32Array) => {
    const batchValues = out ?? new Float32Array(batch * perExample);
    for (let i = 0; i < batch; i++) {
      batchValues.set(data.subarray(next * perExample, (next + 1) * perExample), i * perExample);
      next = (next + 1) % size;
    }
    return batchValues;
  };
  return {
    kind: "images",
    shape,
    size,
    range,
    labels: labels ?? null,
    nextBatch,
    nextExamples: (batch, out) => {
      const first = next;
      const examples = nextBatch(batch, out);
      return labels ? { examples, labels: Int32Array.from({ length: batch }, (_, i) => labels[(first + i) % size]!) } : { examples };
    },
    getState: () => ({ next }),
    setState(state) {
      next = (state as { next: number }).next;
    },
    describe: () => `${size} fixed examples of [${shape.join(", ")}]`,
  };
}
