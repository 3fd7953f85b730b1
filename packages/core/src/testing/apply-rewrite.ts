/**
 * Running a trick's compile-time rewrite in a test as the compiler runs it: the options as a
 * spec writes them, validated against the trick's schema (defaults filled in, a mistake
 * thrown with its issues), then the rewrite on the plan.
 */
import type { JsonValue, Plan, RewriteResult, TrickUse } from "@gan/plan";
import type { Trick } from "../trick/define-trick.js";
import { toLoadedTrick } from "../trick/load.js";
import { validateTrickOptions } from "../trick/options.js";

/** The plan's `use` line for `trick` with these options, as the compiler records it (version 0.1.0, no window). */
export function trickUse(trick: Trick, options: Record<string, JsonValue> = {}): TrickUse {
  const validated = validateTrickOptions(trick.options, options);
  if (!validated.ok) throw new Error(`${trick.name}: invalid options ${JSON.stringify(validated.issues)}`);
  return { package: trick.name, version: "0.1.0", options: validated.options, window: {} };
}

/** What `trick`'s rewrite hook makes of `plan` with these options, called as the compiler calls it. */
export function applyRewrite(trick: Trick, plan: Plan, options: Record<string, JsonValue> = {}): RewriteResult {
  const { rewrite } = toLoadedTrick(trick, "0.1.0");
  if (!rewrite) throw new Error(`${trick.name} has no rewrite hook`);
  return rewrite(plan, trickUse(trick, options));
}
