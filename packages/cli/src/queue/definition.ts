/**
 * What a sweep is, written down so that `gan sweep status ID` and `gan sweep collect ID` can
 * work from another shell or another machine: which runs it is made of (their ids, labels
 * and seeds), stored in Redis and beside its results in the artifacts directory.
 *
 * The id is a hash of the definition's runs, so submitting the same sweep twice gives the
 * same id, and the run ids inside it are the jobs' ids in the queue.
 */
import { createHash } from "node:crypto";
import type { RunSpec } from "../ablation/expand.js";
import type { GridAxis } from "./grid.js";

export const SWEEP_VERSION = 1;

export type SweepKind = "sweep" | "ablation";

export interface SweepRunEntry {
  runId: string;
  variant: string;
  label: string;
  seed: number;
  planHash: string;
}

export interface SweepDefinition {
  sweepVersion: number;
  id: string;
  kind: SweepKind;
  /** The plan's name. */
  name: string;
  /** The spec file as given on the command line. */
  spec: string;
  command: string;
  steps: number;
  seeds: number[];
  /** `gan sweep` only: the --grid axes. */
  axes?: GridAxis[];
  variants: { id: string; label: string }[];
  runs: SweepRunEntry[];
  createdAt: string;
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
