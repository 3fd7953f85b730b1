/**
 * What a sweep is, written down so that `gan sweep status ID` and `gan sweep collect ID` can
 * work from another shell or another machine: which runs it is made of (their ids, labels
 * and seeds), stored in Redis and beside its results in the artifacts directory.
 *
 * The id is a hash of the definition's runs, so submitting the same sweep twice gives the
 * same id, and the run ids inside it are the jobs' ids in the queue.
 */
import { createHash } from "node:crypto";
import { z } from "@gan/core";
import { printable } from "@gan/dsl";
import type { RunSpec } from "../experiment/expand.js";
import { PATH_MAX, printableText, RunJobDataSchema, schemaProblems } from "./accept-job.js";
import type { GridAxis } from "../experiment/grid.js";

export const SWEEP_VERSION = 1;

export type SweepKind = "sweep" | "ablation";

/**
 * A definition is read back from Redis, which anyone with access to it can write: it is read
 * through this schema. Its runs follow the rules a worker holds their jobs to (accept-job.ts).
 */
const SweepRunEntrySchema = RunJobDataSchema.pick({ runId: true, variant: true, label: true, seed: true, planHash: true });
const SweepDefinitionSchema = z.object({
  sweepVersion: z.literal(SWEEP_VERSION),
  id: z.string(),
  kind: z.enum(["sweep", "ablation"]),
  /** The plan's name. */
  name: printableText(PATH_MAX),
  /** The spec file as given on the command line. */
  spec: printableText(PATH_MAX),
  command: z.string(),
  steps: z.number().int().nonnegative(),
  seeds: z.array(z.number().int().nonnegative()),
  /** `gan sweep` only: the --grid axes. */
  axes: z.array(z.object({ package: z.string(), option: z.string(), values: z.array(z.string()) })).optional(),
  variants: z.array(z.object({ id: z.string(), label: z.string() })),
  runs: z.array(SweepRunEntrySchema),
  createdAt: z.string(),
});

export type SweepRunEntry = z.infer<typeof SweepRunEntrySchema>;
export type SweepDefinition = z.infer<typeof SweepDefinitionSchema>;

/** `text` (stored under the sweep's key) as the definition of sweep `id`, or what is wrong with it. */
export function readDefinition(id: string, text: string): { ok: true; definition: SweepDefinition } | { ok: false; reason: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `it is not JSON (${printable((error as Error).message)})` };
  }
  const parsed = SweepDefinitionSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: schemaProblems(data, parsed.error.issues, "definition", "an object with the fields of a sweep") };
  if (parsed.data.id !== id) return { ok: false, reason: `it is the definition of sweep ${printable(JSON.stringify(parsed.data.id))}` };
  return { ok: true, definition: parsed.data };
}

/** A command line as a shell would take it back: arguments with spaces or quotes in single quotes. */
export function shellCommand(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** `<name>-<10 hex digits>`: the hash covers the kind and every run (id, label, seed), in order. */
export function sweepId(kind: SweepKind, name: string, runs: readonly SweepRunEntry[]): string {
  const hash = createHash("sha256")
    .update(JSON.stringify({ kind, runs: runs.map(({ runId, label, seed }) => [runId, label, seed]) }))
    .digest("hex");
  return `${name.replace(/[^A-Za-z0-9._-]/g, "_")}-${hash.slice(0, 10)}`;
}

export function defineSweep(fields: {
  kind: SweepKind;
  name: string;
  spec: string;
  command: string;
  seeds: number[];
  axes?: GridAxis[];
  runs: readonly RunSpec[];
}): SweepDefinition {
  const runs = fields.runs.map(({ runId, variant, label, seed, planHash }) => ({ runId, variant, label, seed, planHash }));
  const variants: { id: string; label: string }[] = [];
  for (const run of runs) if (!variants.some((v) => v.id === run.variant)) variants.push({ id: run.variant, label: run.label });
  return {
    sweepVersion: SWEEP_VERSION,
    id: sweepId(fields.kind, fields.name, runs),
    kind: fields.kind,
    name: fields.name,
    spec: fields.spec,
    command: fields.command,
    steps: fields.runs[0]?.plan.train.steps ?? 0,
    seeds: fields.seeds,
    ...(fields.axes ? { axes: fields.axes } : {}),
    variants,
    runs,
    createdAt: new Date().toISOString(),
  };
}
