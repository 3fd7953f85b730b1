/**
 * Validating a trick's options as written in a spec.
 *
 * A schedule is allowed wherever an option takes a number (docs/ARCHITECTURE.md, "Life of a spec", step 2), without each
 * trick having to say so: a schedule is checked by validating the options with the schedule
 * replaced by each value it can take at a breakpoint (its start and end values, or every
 * value of a step schedule), so `real: linear(0.9 -> 1.2, until 100)` is refused by
 * `z.number().max(1)` just as `real: 1.2` would be. The validated options keep the schedule
 * object; the runtime evaluates it at each step.
 */
import { z } from "zod";
import { ScheduleSchema, findSchedules, scheduleProblems, type JsonValue, type Schedule, type TrickOptionIssue, type TrickOptionsResult } from "@gan/plan";

type Path = (string | number)[];

/** The values a schedule takes at its breakpoints: enough to check bounds of a piecewise monotone function. */
function breakpointValues(schedule: Schedule): number[] {
  switch (schedule.schedule) {
    case "linear":
    case "cosine":
      return [schedule.from, schedule.to];
    case "step":
      return [schedule.initial, ...schedule.changes.map((change) => change.value)];
  }
}

function setAt(root: JsonValue, path: Path, replacement: JsonValue): JsonValue {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((item, index) => (index === head ? setAt(item, rest, replacement) : item));
  const object = root as Record<string, JsonValue>;
  return { ...object, [head as string]: setAt(object[head as string] as JsonValue, rest, replacement) };
}

function describeIssue(issue: z.core.$ZodIssue): TrickOptionIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [...issue.path, key] as Path, message: `unknown option '${key}'` }));
  }
  return [{ path: issue.path as Path, message: issue.message }];
}

/** Zod objects declared by tricks are made strict here, so a misspelt option is an error, not ignored. */
function strictSchema(schema: z.ZodObject): z.ZodObject {
  return schema.strict();
}

export function validateTrickOptions(schema: z.ZodObject, raw: Record<string, JsonValue>): TrickOptionsResult {
  const strict = strictSchema(schema);
  const schedules: { path: Path; schedule: Schedule }[] = [];
  const malformed: TrickOptionIssue[] = [];
  for (const found of findSchedules(raw)) {
    const parsed = ScheduleSchema.safeParse(found.value);
    const problems = parsed.success ? scheduleProblems(parsed.data) : [`not a valid ${String(found.value.schedule)} schedule`];
    if (parsed.success && problems.length === 0) schedules.push({ path: found.path, schedule: parsed.data });
    else malformed.push(...problems.map((message) => ({ path: found.path, message })));
  }
  if (malformed.length > 0) return { ok: false, issues: malformed };
  // With every schedule at its first breakpoint: the shape and defaults come from this pass.
  let probe: JsonValue = raw;
  for (const found of schedules) probe = setAt(probe, found.path, breakpointValues(found.schedule)[0] as number);
  const first = strict.safeParse(probe);
  if (!first.success) return { ok: false, issues: first.error.issues.flatMap(describeIssue) };

  const issues: TrickOptionIssue[] = [];
  for (const found of schedules) {
    for (const value of breakpointValues(found.schedule).slice(1)) {
      const result = strict.safeParse(setAt(probe, found.path, value));
      if (!result.success) {
        for (const issue of result.error.issues.flatMap(describeIssue)) {
          issues.push({ ...issue, message: `${issue.message} (the schedule reaches ${value})` });
        }
        break;
      }
    }
  }
  if (issues.length > 0) return { ok: false, issues };

  let options = first.data as JsonValue;
  for (const found of schedules) options = setAt(options, found.path, found.schedule as unknown as JsonValue);
  return { ok: true, options: options as Record<string, JsonValue> };
}

/** The top-level option names a trick declares, for did-you-mean suggestions. */
export function optionNames(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}
