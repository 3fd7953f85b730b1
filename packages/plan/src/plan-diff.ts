/**
 * What changed between two plans, leaf by leaf: shown when a run refuses to resume with a
 * plan other than the one it started with.
 */
import { canonicalJson } from "./canonical.js";
import { formatPath, type PathSegment } from "./path.js";

/** One differing leaf; `before` or `after` is `undefined` where the leaf is absent on that side. */
export interface PlanDiffEntry {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * Every leaf (number, string, boolean, null, or empty list or object) that differs between
 * `a` and `b`, in key order. Lists are compared index by index; a field that is `undefined`
 * counts as absent, as it does in JSON.
 */
export function planDiff(a: unknown, b: unknown): PlanDiffEntry[] {
  const out: PlanDiffEntry[] = [];
  compare(a, b, [], out);
  return out;
}

function compare(a: unknown, b: unknown, path: PathSegment[], out: PlanDiffEntry[]): void {
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b) && !(isEmpty(a) && isEmpty(b))) {
    for (const key of keysOf(a, b)) compare(child(a, key), child(b, key), [...path, key], out);
    return;
  }
  if (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b)) return;
  // A leaf on one side against a container (or nothing) on the other: list the container's
  // leaves, so that every line of the diff names one value.
  for (const leaf of leaves(a, path)) out.push({ path: formatPath(leaf.path), before: leaf.value, after: undefined });
  for (const leaf of leaves(b, path)) out.push({ path: formatPath(leaf.path), before: undefined, after: leaf.value });
  mergeSamePaths(out);
}

/** Where both sides have a leaf at one path, one entry with both values rather than two. */
function mergeSamePaths(out: PlanDiffEntry[]): void {
  const last = out[out.length - 1];
  const previous = out[out.length - 2];
  if (last && previous && last.path === previous.path && previous.after === undefined && last.before === undefined) {
    out.splice(out.length - 2, 2, { path: last.path, before: previous.before, after: last.after });
  }
}

function leaves(value: unknown, path: PathSegment[]): { path: PathSegment[]; value: unknown }[] {
  if (value === undefined) return [];
  if (!isContainer(value) || isEmpty(value)) return [{ path, value }];
  return keysOf(value, value).flatMap((key) => leaves(child(value, key), [...path, key]));
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null;
}

function isEmpty(value: Container): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.values(value).every((v) => v === undefined);
}

function keysOf(a: Container, b: Container): PathSegment[] {
  if (Array.isArray(a) && Array.isArray(b)) return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function child(container: Container, key: PathSegment): unknown {
  return (container as Record<PathSegment, unknown>)[key];
}

/** `- path: before` and `+ path: after` lines, values as JSON (`- train.steps: 2000`). */
export function formatPlanDiff(diff: readonly PlanDiffEntry[]): string {
  const lines: string[] = [];
  for (const { path, before, after } of diff) {
    const where = path === "" ? "(plan)" : path;
    if (before !== undefined) lines.push(`- ${where}: ${canonicalJson(before)}`);
    if (after !== undefined) lines.push(`+ ${where}: ${canonicalJson(after)}`);
  }
  return lines.join("\n");
}
