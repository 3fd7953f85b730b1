/**
 * The hook bus: calls the runtime hooks of a run's tricks at their places in the step
 * (docs/ARCHITECTURE.md, "Life of a spec", step 9), in order, inside their windows, naming the trick and the hook when
 * one throws.
 *
 * The loop asks the bus; it never touches a trick directly. That keeps the rules in one
 * place: order ("pre", spec order, "post"), windows (`from` ≤ step < `until`), errors
 * ("trick '@gan/x' failed in hook 'labels' at step 12: ..."), per-trick random streams and
 * the state each trick saves in a checkpoint.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { valueAt, type Plan, type Schedulable, type TrickUse } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng, RngState } from "../random.js";
import type { Trick } from "./define-trick.js";
import type {
  FirstHookName,
  RunContext,
  SavedTrickState,
  SeriesHookName,
  TrickHooks,
  TrickSetupContext,
  WaterfallHookName,
} from "./hooks.js";
import { validateTrickOptions } from "./options.js";
import { rejectionSamplingProblem, type RejectionSamplingOptions } from "../run/rejection-sampling.js";

/** A trick's hook threw: names the trick, the hook and the step, keeps the original as `cause`. */
export class TrickHookError extends UserError {
  constructor(
    readonly trick: string,
    readonly hook: string,
    readonly step: number | undefined,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`trick '${trick}' failed in hook '${hook}'${step === undefined ? "" : ` at step ${step}`}: ${reason}`);
    this.name = "TrickHookError";
    this.cause = cause;
  }
}

/** Where tricks' scalars and warnings go (the loop's step scalars and progress line). */
export interface BusSinks {
  log(name: string, value: number | tf.Scalar): void;
  warn(trick: string, message: string): void;
}

interface BusEntry {
  name: string;
  /** Position of the `use` line in plan.tricks (the key of its state and random stream). */
  index: number;
  from: number;
  until: number;
  hooks: TrickHooks;
  rng: Rng;
}

const ORDER_RANK = { pre: 0, normal: 1, post: 2 } as const;

/**
 * Series hooks run outside any tf.tidy, so a tensor they create and neither dispose nor keep
 * as state is lost for good. A trick may grow once (EMA weights, a replay buffer made on
 * first use) and then replace what it keeps; a leak grows at every call. So a hook is named
 * as leaking when the live tensor count rose across this many calls in a row. Counting costs
 * two reads of tfjs's tensor counter per call, no device work.
 */
const LEAK_CALLS = 3;

type WaterfallArgs<K extends WaterfallHookName> = Parameters<NonNullable<TrickHooks[K]>>;
type FirstResult<K extends FirstHookName> = NonNullable<ReturnType<NonNullable<TrickHooks[K]>>>;

export interface HookBusOptions {
  plan: Plan;
  /** The trick modules, aligned with plan.tricks (same length, same order). */
  tricks: readonly Trick[];
  tf: typeof tf;
  /** The run's stream; each trick gets `rng.split("trick:<index>:<package>")`. */
  rng: Rng;
  sinks: BusSinks;
}

export class HookBus {
  private step = 0;
  /** Per hook name, the entries that implement it, in calling order. */
  private readonly byHook = new Map<string, BusEntry[]>();

  /** Per trick and series hook, how many calls in a row left more live tensors behind. */
  private readonly growth = new Map<string, number>();
  private countTensors: () => number = () => 0;

  private constructor(private readonly entries: BusEntry[]) {
    for (const entry of entries) {
      for (const [name, hook] of Object.entries(entry.hooks)) {
        if (name === "state" || typeof hook !== "function") continue;
        let list = this.byHook.get(name);
        if (!list) this.byHook.set(name, (list = []));
        list.push(entry);
      }
    }
  }

  /** Validates each trick's options against its schema and calls its `setup`. */
  static create({ plan, tricks, tf, rng, sinks }: HookBusOptions): HookBus {
    if (tricks.length !== plan.tricks.length) {
      throw new Error(`the run got ${tricks.length} trick modules for the plan's ${plan.tricks.length} 'use' lines`);
    }
    const bus: { current?: HookBus } = {};
    const currentStep = () => bus.current?.step ?? 0;
    const entries: (BusEntry & { rank: number })[] = [];
    plan.tricks.forEach((use: TrickUse, index) => {
      const trick = tricks[index]!;
      if (trick.name !== use.package) {
        throw new Error(`trick module '${trick.name}' given for the plan's 'use "${use.package}"' (position ${index})`);
      }
      const checked = validateTrickOptions(trick.options, use.options);
      if (!checked.ok) {
        const problems = checked.issues.map((issue) => `${issue.path.join(".") || "(options)"}: ${issue.message}`).join("; ");
        throw new UserError(`trick '${use.package}' has invalid options in the plan: ${problems}`);
      }
      const trickRng = rng.split(`trick:${index}:${use.package}`);
      const context: TrickSetupContext<unknown> = {
        options: checked.options,
        plan,
        tf,
        at: (value: Schedulable) => valueAt(value, currentStep()),
        step: currentStep,
        log: (name, value) => sinks.log(name, value),
        warn: (message) => sinks.warn(use.package, message),
        random: () => trickRng.next(),
        randomNormal: (shape, mean = 0, std = 1) =>
          tf.tensor(trickRng.fillNormal(new Float32Array(sizeOf(shape)), mean, std), shape),
        randomUniform: (shape, lo = 0, hi = 1) => tf.tensor(trickRng.fillUniform(new Float32Array(sizeOf(shape)), lo, hi), shape),
      };
      let hooks: TrickHooks = {};
      if (trick.setup) {
        try {
          hooks = trick.setup(context as TrickSetupContext<never>) ?? {};
        } catch (error) {
          throw new TrickHookError(use.package, "setup", undefined, error);
        }
      }
      entries.push({
        name: use.package,
        index,
        from: use.window.from ?? 0,
        until: use.window.until ?? Number.POSITIVE_INFINITY,
        hooks,
        rng: trickRng,
        rank: ORDER_RANK[trick.order ?? "normal"],
      });
    });
    // Array.prototype.sort is stable: within a rank, spec order is kept.
    entries.sort((a, b) => a.rank - b.rank);
    bus.current = new HookBus(entries);
    bus.current.countTensors = () => tf.memory().numTensors;
    return bus.current;
  }

  /** Sets the step that hooks, `at` and `step()` see. */
  setStep(step: number): void {
    this.step = step;
  }

  currentStep(): number {
    return this.step;
  }

  /** True when some trick implements `hook` (lets the loop skip work nobody asked for). */
  has(hook: WaterfallHookName | FirstHookName | SeriesHookName): boolean {
    return this.byHook.has(hook);
  }

  private active(hook: string): BusEntry[] {
    const list = this.byHook.get(hook);
    if (!list) return [];
    const step = this.step;
    return list.filter((entry) => entry.from <= step && step < entry.until);
  }

  private call<T>(entry: BusEntry, hook: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      if (error instanceof TrickHookError) throw error;
      throw new TrickHookError(entry.name, hook, this.step, error);
    }
  }

  /** Passes `value` through every active trick's `hook`, in order. */
  waterfall<K extends WaterfallHookName>(hook: K, ...args: WaterfallArgs<K>): WaterfallArgs<K>[0] {
    return this.checkedWaterfall(hook, undefined, ...args);
  }

  /**
   * A waterfall whose every intermediate value is checked by `check` (which returns what is
   * wrong, or undefined), so that a trick returning a value of the wrong shape is named.
   */
  checkedWaterfall<K extends WaterfallHookName>(
    hook: K,
    check: ((value: WaterfallArgs<K>[0]) => string | undefined) | undefined,
    ...args: WaterfallArgs<K>
  ): WaterfallArgs<K>[0] {
    const [initial, ...rest] = args as unknown as [unknown, ...unknown[]];
    let value = initial;
    for (const entry of this.active(hook)) {
      const fn = entry.hooks[hook] as (...a: unknown[]) => unknown;
      const result = this.call(entry, hook, () => fn.call(entry.hooks, value, ...rest));
      if (result === undefined || result === null) {
        throw new TrickHookError(entry.name, hook, this.step, new Error(`the hook returned ${result}; a waterfall hook must return the value it was given, changed or not`));
      }
      const problem = check?.(result as WaterfallArgs<K>[0]);
      if (problem !== undefined) throw new TrickHookError(entry.name, hook, this.step, new Error(problem));
      value = result;
    }
    return value as WaterfallArgs<K>[0];
  }

  /** The first active trick's answer to `hook` that is not undefined. */
  first<K extends FirstHookName>(hook: K, ...args: Parameters<NonNullable<TrickHooks[K]>>): FirstResult<K> | undefined {
    for (const entry of this.active(hook)) {
      const fn = entry.hooks[hook] as (...a: unknown[]) => unknown;
      const result = this.call(entry, hook, () => fn.apply(entry.hooks, args));
      if (result !== undefined) return result as FirstResult<K>;
    }
    return undefined;
  }

  /**
   * The generator samples are drawn from, and the final generator saved: the first trick's
   * (@gan/ema's average) or, when none gives one, the trained generator. One definition for
   * the loop and for a checkpoint read back (checkpoint-sampling.ts).
   */
  samplingGenerator(run: RunContext): tfl.LayersModel {
    return this.first("samplingGenerator", run) ?? run.generator;
  }

  /**
   * The rejection sampling the run's samples are drawn with (@gan/drs), checked so that a
   * wrong answer is named at its source; undefined when no trick asks for it.
   */
  rejectionSampling(): RejectionSamplingOptions | undefined {
    for (const entry of this.active("rejectionSampling")) {
      const fn = entry.hooks.rejectionSampling!;
      const result = this.call(entry, "rejectionSampling", () => fn.call(entry.hooks, this.step));
      if (result === undefined) continue;
      const problem = rejectionSamplingProblem(result);
      if (problem !== undefined) throw new TrickHookError(entry.name, "rejectionSampling", this.step, new Error(problem));
      return result;
    }
    return undefined;
  }

  /**
   * A count from a first hook (discriminatorUpdates, generatorUpdates), checked to be a
   * non-negative integer so that a wrong answer is named at its source.
   */
  count(hook: "discriminatorUpdates" | "generatorUpdates", fallback: number): number {
    for (const entry of this.active(hook)) {
      const fn = entry.hooks[hook]!;
      const result = this.call(entry, hook, () => fn.call(entry.hooks, this.step));
      if (result === undefined) continue;
      if (!Number.isInteger(result) || result < 0) {
        throw new TrickHookError(entry.name, hook, this.step, new Error(`the hook returned ${result}; it must return a whole number of updates (0 or more)`));
      }
      return result;
    }
    return fallback;
  }

  /** Calls `hook` of every trick whose window contains the step (afterDiscriminatorStep, afterGeneratorStep). */
  series(hook: "afterDiscriminatorStep" | "afterGeneratorStep", run: RunContext): void {
    for (const entry of this.active(hook)) {
      const fn = entry.hooks[hook]!;
      const before = this.countTensors();
      this.call(entry, hook, () => fn.call(entry.hooks, run));
      const added = this.countTensors() - before;
      const key = `${entry.index}:${hook}`;
      const calls = added > 0 ? (this.growth.get(key) ?? 0) + 1 : 0;
      this.growth.set(key, calls);
      if (calls >= LEAK_CALLS) {
        throw new TrickHookError(
          entry.name,
          hook,
          this.step,
          new Error(
            `it leaks tensors: each of its last ${LEAK_CALLS} calls left more live tensors behind (${added} at this one); ` +
              `dispose what it creates, wrap its work in tf.tidy, or tf.keep only what it replaces`,
          ),
        );
      }
    }
  }

  /** Calls a life-cycle hook (beforeTraining, afterTraining) of every trick, windows aside. */
  async lifecycle(hook: "beforeTraining" | "afterTraining", run: RunContext): Promise<void> {
    for (const entry of this.byHook.get(hook) ?? []) {
      const fn = entry.hooks[hook]!;
      try {
        await fn.call(entry.hooks, run);
      } catch (error) {
        throw new TrickHookError(entry.name, hook, run.step, error);
      }
    }
  }

  /**
   * What every trick keeps, for a checkpoint: its `state` and its random stream, keyed by its
   * position and package so that a checkpoint is never restored into a different trick.
   */
  saveStates(): TrickCheckpoint[] {
    return this.entries.map((entry) => {
      let saved: SavedTrickState | undefined;
      if (entry.hooks.state) {
        const state = entry.hooks.state;
        try {
          saved = state.save();
        } catch (error) {
          throw new TrickHookError(entry.name, "state.save", this.step, error);
        }
      }
      return { index: entry.index, package: entry.name, rng: entry.rng.getState(), ...(saved ? { state: saved } : {}) };
    });
  }

  /** Restores what `saveStates` saved; the tensors given are disposed by the caller afterwards. */
  restoreStates(saved: readonly TrickCheckpoint[]): void {
    for (const entry of this.entries) {
      const found = saved.find((item) => item.index === entry.index && item.package === entry.name);
      if (!found) throw new UserError(`the checkpoint has no state for trick '${entry.name}' (use line ${entry.index + 1})`);
      entry.rng.setState(found.rng);
      if (entry.hooks.state && found.state) {
        const state = entry.hooks.state;
        const restored = found.state;
        try {
          state.restore(restored);
        } catch (error) {
          throw new TrickHookError(entry.name, "state.restore", this.step, error);
        }
      }
    }
  }

  /** The tricks in calling order (for messages and tests). */
  order(): string[] {
    return this.entries.map((entry) => entry.name);
  }
}

/** One trick's part of a checkpoint. */
export interface TrickCheckpoint {
  index: number;
  package: string;
  rng: RngState;
  state?: SavedTrickState;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

