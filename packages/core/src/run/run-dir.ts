/**
 * The run directory (docs/ARCHITECTURE.md, "Life of a spec"; the user's view in the root README):
 *
 *   runs/<name>/<timestamp>/
 *     plan.json          the plan that ran (with --steps/--seed/--backend applied)
 *     run.json           backend, versions, seed, plan hash, start and end time, status
 *     metrics.jsonl      one JSON line per logged step
 *     samples/           step-NNNNNN.png: image grids, or scatter plots for 2-D data
 *     checkpoints/       step-NNNNNN/: see checkpoint.ts
 *     generator/         the final generator (model.json + weights.bin)
 *     log.txt            what happened besides the metrics: the backend, warnings, the evaluation, the error that ended the run
 *     train.lock         while a process trains the run: its pid and host (run-lock.ts)
 */
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatPlanErrors, validatePlan, type Plan } from "@gan/plan";
import { UserError } from "../errors.js";
import { readJsonInputSync } from "../input-file.js";
import type { SelectedBackend } from "../backend/select-backend.js";
import { writeFileAtomic } from "./files.js";

export const RUN_FILES = {
  plan: "plan.json",
  run: "run.json",
  metrics: "metrics.jsonl",
  samples: "samples",
  checkpoints: "checkpoints",
  generator: "generator",
  /** TensorBoard event files (output/tensorboard.ts): `tensorboard --logdir runs` shows every run. */
  tensorboard: "tensorboard",
  /** The backend, warnings, the evaluation and the error that ended the run, one timestamped line each. */
  log: "log.txt",
  /** The pid and host of the process training the run, while it trains (run-lock.ts). */
  lock: "train.lock",
} as const;

export interface RunInfo {
  name: string;
  planHash: string;
  seed: number;
  steps: number;
  backend: SelectedBackend;
  versions: Record<string, string>;
  machine: { platform: string; arch: string; cpus: number; cpuModel: string };
  startedAt: string;
  endedAt: string | null;
  status: "running" | "completed" | "stopped" | "failed";
  stepsCompleted: number;
  error?: string;
  /** Every time the run was continued with --resume: when, and from which checkpoint step. */
  resumes: { at: string; fromStep: number; backend: string }[];
  /** Seconds spent training and, apart, evaluating during training (`eval every`); written when the run ends or stops. */
  timing?: { trainingSeconds: number; evaluationSeconds: number };
  /** `stop when ... stalls` ended the run before its last step. */
  stoppedEarly?: { step: number; reason: string };
  /** A run started from another run's networks (`initFrom`): that checkpoint and its step. */
  initFrom?: { checkpoint: string; step: number; networks: "both" | "generator" };
}

/** `20261129-175526`: sortable, and valid in a path on every system. */
export function timestampName(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  );
}

/** Creates runs/<name>/<timestamp>/ (with a suffix when two runs start in the same second). */
export function createRunDir(root: string, name: string, date: Date): string {
  // Separators become "_", and so do leading dots: a plan named ".." must not put its run outside `root`.
  const safeName = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, (dots) => "_".repeat(dots.length));
  const base = path.resolve(root, safeName, timestampName(date));
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UserError(`cannot create the run directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return dir;
}

export function machineInfo(): RunInfo["machine"] {
  const cpus = os.cpus();
  return { platform: os.platform(), arch: os.arch(), cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown" };
}

export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeFileAtomic(path.join(runDir, RUN_FILES.run), `${JSON.stringify(info, null, 2)}\n`);
}

/** A plan.json, validated: a file that is not JSON or not a plan is a UserError naming it, with one line per problem. */
export function readPlanFile(file: string): Plan {
  const result = validatePlan(readJsonInputSync(file, "plan"));
  if (!result.ok) throw new UserError(`${file} is not a valid plan:\n${formatPlanErrors(result.errors)}`);
  return result.plan;
}

/**
 * The plan stored in a run directory, checked to be a directory that gan wrote and a valid
 * plan (a plan.json edited by hand, or emptied, is refused before anything is loaded).
 */
export function readRunPlan(runDir: string): Plan {
  if (!existsSync(runDir)) throw new UserError(`${runDir}: no such run directory`);
  const file = path.join(runDir, RUN_FILES.plan);
  if (!existsSync(file)) throw new UserError(`${runDir} is not a run directory: it has no ${RUN_FILES.plan}`);
  return readPlanFile(file);
}

/**
 * Appends a line to the run's log.txt, with the time. A line of several lines is indented
 * after its first, so each entry starts with a timestamp.
 */
export function appendRunLog(runDir: string, line: string): void {
  try {
    appendFileSync(path.join(runDir, RUN_FILES.log), `${new Date().toISOString()} ${line.replace(/\n/g, "\n  ")}\n`);
  } catch {
    // A log that cannot be written must not hide what it was about.
  }
}
