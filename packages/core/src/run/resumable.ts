/**
 * Which plans a run's checkpoints belong to. A checkpoint's state (weights, optimizer slots,
 * random streams) depends on everything in the plan but how long to train, on which backend,
 * how many checkpoints to keep, and where the plan came from (the spec's file name, hash,
 * comments, layout and source positions). Those may change when a run is resumed; a change in
 * anything else makes the checkpoint mean something else, and is refused.
 */
import { formatPlanDiff, planDiff, planHash, validatePlan, withoutSource, type Plan, type PlanWithoutSource } from "@gan/plan";
import { UserError } from "../errors.js";

/** The plan fields a resume may change, as the refusal names them. */
export const RESUMABLE_FIELDS = ["train.steps", "train.backend", "train.keepCheckpoints"] as const;

/**
 * The plan with the fields a resume may change set to fixed values, and without its source.
 * Validated first, so that a plan given to train() without its defaults and inferred shapes
 * compares equal to the same plan read back from the run directory.
 */
function comparable(plan: Plan): PlanWithoutSource {
  const validated = validatePlan(plan);
  const { train, ...rest } = withoutSource(validated.ok ? validated.plan : plan);
  return { ...rest, train: { ...train, steps: 0, backend: "auto", keepCheckpoints: 0 } };
}

/** Each plan object's hash, computed once: a run writes many checkpoints of one plan. */
const hashes = new WeakMap<Plan, string>();

/** The hash a checkpoint records of the plan it was written for (`trainingHash` in its manifest). */
export function trainingHash(plan: Plan): string {
  let hash = hashes.get(plan);
  if (hash === undefined) {
    hash = planHash(comparable(plan));
    hashes.set(plan, hash);
  }
  return hash;
}

/** Refuses to resume the run at `runDir` (started with `stored`) with `given`, listing what differs. */
export function checkResumable(stored: Plan, given: Plan, runDir: string): void {
  const diff = planDiff(comparable(stored), comparable(given));
  if (diff.length === 0) return;
  throw new UserError(
    `cannot resume ${runDir}: the plan differs from the one the run was started with ` +
      `(only ${RESUMABLE_FIELDS.join(", ")}, comments and layout may change):\n${formatPlanDiff(diff)}`,
  );
}
