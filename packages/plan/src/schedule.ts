/**
 * Schedules: numbers that change over training (learning rates, noise levels, label noise).
 * The compiler writes them into the plan as JSON objects; the runtime asks for their value
 * at each step with `valueAt`, and trick options go through `resolveSchedules` first so a
 * trick only ever sees numbers.
 */
import type { z } from "zod";
import { ScheduleSchema, type JsonValue } from "./schema.js";
import { formatPath, type PathSegment } from "./path.js";

/** A schedule as written in a plan; `start` may be absent (it defaults to 0). */
export type ScheduleInput = z.input<typeof ScheduleSchema>;
/** A number, or a schedule as written in a plan. Every `Schedulable` is one. */
export type SchedulableInput = number | ScheduleInput;

export const SCHEDULE_KINDS = ["linear", "cosine", "step"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** True for a well-formed schedule object (it may still have problems: see `scheduleProblems`). */
export function isSchedule(value: unknown): value is ScheduleInput {
  return ScheduleSchema.safeParse(value).success;
}

/**
 * True for an object that claims to be a schedule (its `schedule` key names a kind), valid or
 * not. Inside free-form trick options this is what marks a value as a schedule, so a
 * misspelt field in one is reported instead of being passed on silently as an object.
 */
export function looksLikeSchedule(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const kind = (value as Record<string, unknown>).schedule;
  return typeof kind === "string" && (SCHEDULE_KINDS as readonly string[]).includes(kind);
}

/**
 * The value at `step`. linear and cosine hold `from` up to `start`, move to `to` over
 * [start, end] and hold `to` from `end` on; step holds `initial`, then each change's value
 * from its `at` on (changes sorted by `at`).
 */
export function valueAt(value: SchedulableInput, step: number): number {
  if (typeof value === "number") return value;
  switch (value.schedule) {
    case "linear":
    case "cosine": {
      const start = value.start ?? 0;
      // The ends are returned as written rather than computed, so that `to` is reached
      // exactly (0.1 + (0.3 - 0.1) is not 0.3 in floating point).
      if (step >= value.end) return value.to;
      if (step <= start) return value.from;
      const t = (step - start) / (value.end - start);
      const fraction = value.schedule === "linear" ? t : (1 - Math.cos(Math.PI * t)) / 2;
      return value.from + (value.to - value.from) * fraction;
    }
    case "step": {
      let current = value.initial;
      for (const change of value.changes) {
        if (step < change.at) break;
        current = change.value;
      }
      return current;
    }
  }
}

/** What is wrong with a well-formed schedule, as sentences; empty when nothing is. */
export function scheduleProblems(schedule: ScheduleInput): string[] {
  switch (schedule.schedule) {
    case "linear":
    case "cosine": {
      const start = schedule.start ?? 0;
      return schedule.end > start ? [] : [`end (${schedule.end}) must be after start (${start})`];
    }
    case "step": {
      for (let i = 1; i < schedule.changes.length; i++) {
        const previous = schedule.changes[i - 1]!.at;
        const at = schedule.changes[i]!.at;
        if (at <= previous) {
          return [`step changes must be in increasing order of 'at': ${at} comes after ${previous}`];
        }
      }
      return [];
    }
  }
}

/**
 * A copy of `json` where every schedule is replaced by its value at `step`: trick options
 * as a trick sees them. Throws on a malformed schedule (a plan that was not validated).
 */
export function resolveSchedules(json: Record<string, JsonValue>, step: number): Record<string, JsonValue>;
export function resolveSchedules(json: JsonValue, step: number): JsonValue;
export function resolveSchedules(json: JsonValue, step: number): JsonValue {
  return resolve(json, step, []);
}

function resolve(json: JsonValue, step: number, path: PathSegment[]): JsonValue {
  if (Array.isArray(json)) return json.map((item, i) => resolve(item, step, [...path, i]));
  if (typeof json !== "object" || json === null) return json;
  const object: { [key: string]: JsonValue } = json;
  // Passed as `unknown` so that the type guard does not narrow `object` in the code below.
  if (looksLikeSchedule(object as unknown)) {
    const parsed = ScheduleSchema.safeParse(object);
    if (!parsed.success) {
      const where = path.length > 0 ? ` at ${formatPath(path)}` : "";
      throw new Error(`malformed ${String(object.schedule)} schedule${where}: ${JSON.stringify(object)}`);
    }
    return valueAt(parsed.data, step);
  }
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(object)) out[key] = resolve(value, step, [...path, key]);
  return out;
}

/** Every object that claims to be a schedule inside `value`, with its path (for validation). */
export function findSchedules(value: unknown, path: PathSegment[] = []): { path: PathSegment[]; value: Record<string, unknown> }[] {
  if (looksLikeSchedule(value)) return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => findSchedules(item, [...path, i]));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => findSchedules(item, [...path, key]));
  }
  return [];
}
