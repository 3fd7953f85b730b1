/**
 * An experiment as a list of runs: points (an ablation's variants, a sweep's grid points),
 * each a spec text compiled to a plan, times seeds. Each run is self-contained (its plan
 * already carries the seed and the step count), so whatever executes them (child processes
 * here, gan workers on a queue) needs nothing else.
 *
 * Run ids are stable: `<point>-s<seed>-<plan hash>`, the hash taken over the plan with the
 * seed and steps applied. The same spec, trick versions, seed and step count always give the
 * same id, which lets an interrupted experiment skip the runs it already finished, and a queue
 * hold each run once whichever experiment asked for it.
 */
import { UserError } from "@gan/core";
import { applyOverrides } from "@gan/core/runtime";
import { compile, formatDiagnostic } from "@gan/dsl";
import { planHash, type Plan } from "@gan/plan";
import type { VariantChange } from "./variants.js";
import { cliCompileHost } from "../spec.js";

export interface RunSpec {
  runId: string;
  /** The point's id (`as-written`, `without-leaky-relu`, `gp.lambda-10`, ...). */
  variant: string;
  label: string;
  /** What an ablation variant changes in the spec; `none` for the spec as written and for sweep points. */
  change: VariantChange;
  seed: number;
  /** The plan to train: the point's, with `seed` and the step count applied. */
  plan: Plan;
  planHash: string;
}

/** One spec text of an experiment, before it is compiled. */
export interface ExperimentPoint {
  /** Path-safe: it starts the run ids. */
  id: string;
  /** For tables. */
  label: string;
  change: VariantChange;
  text: string;
}

export interface ExpandOptions {
  /** Seeds per point (default 1). */
  seeds?: number;
  /** The first seed; the others follow it (default: the spec's own seed). */
  firstSeed?: number;
  /** Training steps of every run (default: the spec's). */
  steps?: number;
  /** Compiles a point's text to its plan; throws a UserError that says what is wrong (see specCompiler). */
  compile(text: string): Promise<Plan>;
}

export interface Expanded<P extends ExperimentPoint> {
  /** The plan's name. */
  name: string;
  points: (P & { plan: Plan })[];
  seeds: number[];
  /** Point after point, seed after seed within each. */
  runs: RunSpec[];
}

/** The short hash in a run id: 10 hex digits, 40 bits, plenty for the runs of one experiment. */
const ID_HASH_DIGITS = 10;

export function runId(point: string, seed: number, plan: Plan): string {
  return `${point}-s${seed}-${planHash(plan).slice(0, ID_HASH_DIGITS)}`;
}

/** Compiles a point's text as if it were the spec file itself (tricks and data resolve from its directory). */
export function specCompiler(file: string): (text: string) => Promise<Plan> {
  const host = cliCompileHost();
  return async (text) => {
    const { plan, diagnostics } = await compile(text, { file, host });
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (!plan || errors.length > 0) throw new UserError(`\n${errors.map((d) => formatDiagnostic(d, text)).join("\n\n")}`);
    return plan;
  };
}

/**
 * Compiles every point and crosses it with the seeds. `nameInError(point)` names a point whose
 * text does not compile ("the variant without @gan/x"); undefined lets the compiler's message
 * stand alone (the spec as written, whose errors are the user's own file's).
 */
export async function expandRuns<P extends ExperimentPoint>(
  points: readonly P[],
  options: ExpandOptions & { file: string; nameInError(point: P): string | undefined },
): Promise<Expanded<P>> {
  const seedCount = options.seeds ?? 1;
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new UserError(`an experiment needs at least one seed, got ${seedCount}`);
  const compiled: (P & { plan: Plan })[] = [];
  for (const point of points) {
    let plan: Plan;
    try {
      plan = await options.compile(point.text);
    } catch (error) {
      const name = options.nameInError(point);
      if (error instanceof UserError && name !== undefined) throw new UserError(`${name} of ${options.file} does not compile: ${error.message}`);
      throw error;
    }
    compiled.push({ ...point, plan });
  }
  const firstSeed = options.firstSeed ?? compiled[0]!.plan.train.seed;
  const seeds = Array.from({ length: seedCount }, (_, i) => firstSeed + i);
  const runs = compiled.flatMap((point) =>
    seeds.map((seed): RunSpec => {
      const plan = applyOverrides(point.plan, { seed, ...(options.steps !== undefined ? { steps: options.steps } : {}) });
      return { runId: runId(point.id, seed, plan), variant: point.id, label: point.label, change: point.change, seed, plan, planHash: planHash(plan) };
    }),
  );
  return { name: compiled[0]!.plan.name, points: compiled, seeds, runs };
}
