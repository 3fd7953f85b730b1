/**
 * An ablation as a list of runs: every variant of the spec (see variants.ts) compiled to a
 * plan, times every seed. Each run is self-contained (its plan already carries the seed and
 * the step count), so whatever executes them (`gan ablate`'s child processes here, a queue of
 * workers elsewhere) needs nothing else.
 *
 * Run ids are stable: `<variant>-s<seed>-<plan hash>`, the hash taken over the plan with the
 * seed and steps applied. The same spec, trick versions, seed and step count always give the
 * same id, which lets an interrupted ablation skip the runs it already finished.
 */
import { UserError, applyOverrides } from "@gan/core";
import { planHash, type Plan } from "@gan/plan";
import { ablationVariants, type SpecVariant, type VariantChange } from "./variants.js";

export interface RunSpec {
  runId: string;
  /** The variant's id (`as-written`, `without-leaky-relu`, ...). */
  variant: string;
  label: string;
  change: VariantChange;
  seed: number;
  /** The plan to train: the variant's, with `seed` and the step count applied. */
  plan: Plan;
  planHash: string;
}

export interface AblationVariant extends SpecVariant {
  /** The variant's plan as compiled (the spec's own seed and steps). */
  plan: Plan;
}

export interface Ablation {
  name: string;
  variants: AblationVariant[];
  seeds: number[];
  /** Variant after variant, seed after seed within each. */
  runs: RunSpec[];
}

export interface AblationOptions {
  /** Seeds per variant (default 1). */
  seeds?: number;
  /** The first seed; the others follow it (default: the spec's own seed). */
  firstSeed?: number;
  /** Training steps of every run (default: the spec's). */
  steps?: number;
  /** Trick packages to try adding, with their default options. */
  add?: readonly string[];
  /** Only the spec as written, over the seeds (its numbers with a standard error, no variants). */
  asWrittenOnly?: boolean;
  /** False: no variant without a `use` line of the spec (the spec as written and the added tricks only). */
  removals?: boolean;
  /** Compiles a variant's text to its plan; throws a UserError that says what is wrong. */
  compile(text: string): Promise<Plan>;
}

/** The short hash in a run id: 10 hex digits, 40 bits, plenty for the runs of one ablation. */
const ID_HASH_DIGITS = 10;

export function runId(variant: string, seed: number, plan: Plan): string {
  return `${variant}-s${seed}-${planHash(plan).slice(0, ID_HASH_DIGITS)}`;
}

export async function expandAblation(spec: { text: string; file: string }, options: AblationOptions): Promise<Ablation> {
  const seedCount = options.seeds ?? 1;
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new UserError(`an ablation needs at least one seed, got ${seedCount}`);
  const allVariants = ablationVariants(spec.text, spec.file, {
    ...(options.add ? { add: options.add } : {}),
    ...(options.removals !== undefined ? { removals: options.removals } : {}),
  });
  const specVariants = options.asWrittenOnly ? allVariants.filter((v) => v.change.kind === "none") : allVariants;
  const variants: AblationVariant[] = [];
  for (const variant of specVariants) {
    let plan: Plan;
    try {
      plan = await options.compile(variant.text);
    } catch (error) {
      if (error instanceof UserError && variant.change.kind !== "none") {
        throw new UserError(`the variant ${variant.label} of ${spec.file} does not compile: ${error.message}`);
      }
      throw error;
    }
    variants.push({ ...variant, plan });
  }
  const firstSeed = options.firstSeed ?? variants[0]!.plan.train.seed;
  const seeds = Array.from({ length: seedCount }, (_, i) => firstSeed + i);
  const runs: RunSpec[] = [];
  for (const variant of variants) {
    for (const seed of seeds) {
      const plan = applyOverrides(variant.plan, { seed, ...(options.steps !== undefined ? { steps: options.steps } : {}) });
      runs.push({
        runId: runId(variant.id, seed, plan),
        variant: variant.id,
        label: variant.label,
        change: variant.change,
        seed,
        plan,
        planHash: planHash(plan),
      });
    }
  }
  return { name: variants[0]!.plan.name, variants, seeds, runs };
}
