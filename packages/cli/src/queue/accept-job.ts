/**
 * What a worker accepts from the queue. Anyone who can write to the Redis can push a job, so a
 * job's data is untrusted input: it is checked against a schema before the worker touches a
 * file or starts a process for it, and a job that fails is rejected (failed with the reason,
 * never retried), not run.
 *
 * - `runId` names directories under --artifacts: a strict pattern (no separators, no leading
 *   dot), and the paths made from it, resolved with symbolic links followed, must stay there;
 * - the plan must be a valid plan whose hash is the job's `planHash`;
 * - `tricksFrom` decides whose code runs: the worker loads tricks only from its own project
 *   (or from --tricks-from), unless its operator allows more directories with
 *   --allow-tricks-from. A `tricksFrom` that does not exist on this machine (a sweep
 *   submitted elsewhere) means the worker's own project.
 */
import { lstatSync, realpathSync } from "node:fs";
import path from "node:path";
import { z } from "@gan/core";
import { isInside } from "@gan/core/runtime";
import { printable } from "@gan/dsl";
import { formatPlanErrors, planHash, validatePlan } from "@gan/plan";
import type { RunJobData, RunJobResult } from "./job.js";

/** Letters, digits, '.', '_' and '-', starting with a letter or a digit: one path segment that is never `.` or `..`. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const RUN_ID_RULE = "letters, digits, '.', '_' and '-', starting with a letter or a digit, at most 200 characters";
/** Text shown to a person (logged, printed by gan sweep status): at most `max` characters, nothing a terminal acts on. */
export function printableText(max: number) {
  return (
    z
      .string()
      .max(max, `longer than ${max} characters`)
      // No control characters, line separators or bidi overrides.
      .refine((text) => printable(text) === text, "holds control characters")
  );
}
/** A label, a worker's name. */
const SHORT_TEXT = 500;
/** A path (a spec, a run directory, tricksFrom) may be as long as Linux allows one. */
export const PATH_MAX = 4096;

/** A run job's data: also what a sweep definition says of each of its runs (see definition.ts). */
export const RunJobDataSchema = z.object({
  runId: z.string().regex(RUN_ID, `not a run id (${RUN_ID_RULE})`),
  variant: z.string().regex(RUN_ID, `not a variant id (${RUN_ID_RULE})`),
  label: printableText(SHORT_TEXT),
  seed: z.number().int().nonnegative(),
  planHash: z.string().regex(/^[0-9a-f]{64}$/, "not a plan hash (64 hexadecimal digits)"),
  plan: z.unknown(),
  tricksFrom: z
    .string()
    .max(PATH_MAX, `longer than ${PATH_MAX} characters`)
    .refine((dir) => path.isAbsolute(dir) && !dir.includes("\0"), "not an absolute path"),
});

/**
 * A completed job's result, as a worker stores it (run-job.ts) and `gan sweep status` and
 * `gan sweep collect` read it back: the rows of the sweep's table.
 */
export const RunJobResultSchema = RunJobDataSchema.pick({ runId: true, variant: true, label: true, seed: true }).extend({
  metrics: z.record(z.string(), z.number().nullable()),
  /** The run directory, relative to the worker's artifacts directory. */
  runDir: printableText(PATH_MAX),
  /** The worker's artifacts directory, as that worker named it. */
  artifacts: z.string(),
  /** `host:pid` of the worker that finished the run. */
  worker: printableText(SHORT_TEXT),
  /** Seconds this worker spent on it (training from the resume point, and evaluation). */
  seconds: z.number().nonnegative(),
  /** The checkpoint step training continued from, when an earlier attempt had got that far. */
  resumedFrom: z.number().int().nonnegative().optional(),
  /** True when the run had already been trained and evaluated in the artifacts directory. */
  reused: z.boolean().optional(),
});

/** A job whose stored fields BullMQ could not read as JSON: its data is this instead (see worker-loop.ts). */
export class UnreadableJobData {
  constructor(readonly reason: string) {}
}

/** The fields of a job's Redis hash that BullMQ reads as JSON, and what stands in for one that is not. */
const JSON_FIELDS: [field: "data" | "opts" | "progress", stand_in: string][] = [
  ["data", "{}"],
  ["opts", "{}"],
  ["progress", "0"],
];

/**
 * For a job BullMQ could not read from its stored fields (`error`, pushed by hand): stand-ins
 * for the fields that are not JSON, and the UnreadableJobData that says which. Undefined when
 * every such field is JSON (BullMQ failed for another reason).
 */
export function unreadableJob(raw: { readonly [field in (typeof JSON_FIELDS)[number][0]]?: string }, error: Error): { standIns: Record<string, string>; data: UnreadableJobData } | undefined {
  const unreadable = JSON_FIELDS.filter(([field]) => {
    try {
      JSON.parse(raw[field] ?? "null");
      return false;
    } catch {
      return true;
    }
  });
  if (unreadable.length === 0) return undefined;
  const names = unreadable.map(([field]) => (field === "data" ? "its data" : `its ${field}`));
  return {
    standIns: Object.fromEntries(unreadable),
    data: new UnreadableJobData(`${names.join(" and ")} ${names.length > 1 ? "are" : "is"} not JSON (${error.message})`),
  };
}

/** Where a worker's runs go and where their tricks may come from. */
export interface WorkerTrust {
  /** Absolute: the worker's --artifacts. */
  artifacts: string;
  /** --tricks-from: every job's tricks come from here, whatever the job says. */
  tricksFrom?: string;
  /** The directories (absolute) a job's own tricksFrom may lie in: the worker's project and each --allow-tricks-from. */
  trickRoots: string[];
  /** Where tricks come from when a job's tricksFrom does not exist here: the worker's working directory. */
  fallbackTricksFrom: string;
}

/** The files of one queued run, all under the artifacts directory (see run-job.ts). */
export interface RunPaths {
  /** runs/<runId>: the run directory is made inside it by `gan train --out`. */
  root: string;
  plan: string;
  log: string;
}

export function runPaths(artifacts: string, runId: string): RunPaths {
  return {
    root: path.join(artifacts, "runs", runId),
    plan: path.join(artifacts, "plans", `${runId}.json`),
    log: path.join(artifacts, "logs", `${runId}.log`),
  };
}

export type JobAcceptance = { ok: true; data: RunJobData; paths: RunPaths; tricksFrom: string } | { ok: false; reason: string };

/** A value as a message quotes it: JSON, escaped, at most 80 characters. */
function quoted(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return printable(json.length > 80 ? `${json.slice(0, 77)}...` : json);
}

function valueAt(data: unknown, keys: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of keys) value = typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/**
 * `target` with symbolic links followed as far as it exists: a link planted under --artifacts
 * (a shared directory others can write to) would otherwise lead the run's files elsewhere.
 * Undefined when a link cannot be followed.
 */
function realTarget(target: string): string | undefined {
  const missing: string[] = [];
  let existing = target;
  while (lstatSync(existing, { throwIfNoEntry: false }) === undefined) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    missing.unshift(path.basename(existing));
    existing = parent;
  }
  try {
    return path.join(realpathSync(existing), ...missing);
  } catch {
    return undefined;
  }
}

/** Whose tricks this run loads, or why the job may not say. */
function trickDirectory(tricksFrom: string, trust: WorkerTrust): { ok: true; dir: string } | { ok: false; reason: string } {
  if (trust.tricksFrom !== undefined) return { ok: true, dir: trust.tricksFrom };
  if (lstatSync(tricksFrom, { throwIfNoEntry: false }) === undefined) return { ok: true, dir: trust.fallbackTricksFrom };
  const real = realTarget(tricksFrom);
  if (real !== undefined && trust.trickRoots.some((root) => isInside(realTarget(root) ?? root, real))) return { ok: true, dir: real };
  return {
    ok: false,
    reason:
      `tricksFrom ${quoted(tricksFrom)} is outside the directories this worker loads tricks from (${trust.trickRoots.join(", ")}): ` +
      `a worker runs only the tricks of its own project; its operator can add that directory with gan worker --allow-tricks-from DIR`,
  };
}

/**
 * What is wrong with `data` by `schema`, field by field: `field "value": rule` (values quoted
 * escaped and short: the data is untrusted), `field is missing`, or `its <what> is <value>,
 * not <whole>` when it is not even an object.
 */
export function schemaProblems(data: unknown, issues: readonly z.core.$ZodIssue[], what: string, whole: string): string {
  return issues
    .map((issue) => {
      if (issue.path.length === 0) return `its ${what} is ${quoted(data)}, not ${whole}`;
      const field = issue.path.join(".");
      return issue.code === "invalid_type" && valueAt(data, issue.path) === undefined ? `${field} is missing` : `${field} ${quoted(valueAt(data, issue.path))}: ${issue.message}`;
    })
    .join("; ");
}

/** A job's data read through the schema (fields only: the plan itself is checked by acceptJob). */
export function readJobData(data: unknown): { ok: true; data: z.infer<typeof RunJobDataSchema> } | { ok: false; reason: string } {
  if (data instanceof UnreadableJobData) return { ok: false, reason: data.reason };
  const parsed = RunJobDataSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: schemaProblems(data, parsed.error.issues, "data", "an object with the fields of a run") };
  return { ok: true, data: parsed.data };
}

/** A completed job's result read through the schema. */
export function readJobResult(value: unknown): { ok: true; result: RunJobResult } | { ok: false; reason: string } {
  const parsed = RunJobResultSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: schemaProblems(value, parsed.error.issues, "result", "an object with the fields of a run's result") };
  return { ok: true, result: parsed.data };
}

/** Checks a job's data as it came from Redis; `ok: false` carries the reason the job is rejected with. */
export function acceptJob(data: unknown, trust: WorkerTrust): JobAcceptance {
  const read = readJobData(data);
  if (!read.ok) return read;
  const job = read.data;
  if (planHash(job.plan) !== job.planHash) return { ok: false, reason: `planHash ${job.planHash} is not the hash of its plan` };
  const validation = validatePlan(job.plan);
  if (!validation.ok) return { ok: false, reason: `its plan is not valid: ${formatPlanErrors(validation.errors.slice(0, 3)).replace(/\n/g, "; ")}` };

  const paths = runPaths(trust.artifacts, job.runId);
  const artifacts = realTarget(trust.artifacts);
  for (const file of Object.values(paths)) {
    const real = realTarget(file);
    if (artifacts === undefined || real === undefined || !isInside(artifacts, real)) {
      return { ok: false, reason: `${path.relative(trust.artifacts, file)} leads outside the artifacts directory ${trust.artifacts} (a symbolic link?)` };
    }
  }
  const tricks = trickDirectory(job.tricksFrom, trust);
  if (!tricks.ok) return tricks;
  return { ok: true, data: { ...job, plan: job.plan as RunJobData["plan"] }, paths, tricksFrom: tricks.dir };
}
