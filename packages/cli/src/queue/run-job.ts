/**
 * One queued run on a worker: `gan train` then `gan eval` in child processes, the run
 * directory at a path fixed by the run id under the shared artifacts directory:
 *
 *   ARTIFACTS/runs/<runId>/<name>/<timestamp>/   the run directory (train's own layout)
 *   ARTIFACTS/plans/<runId>.json                 the plan it was started from
 *   ARTIFACTS/logs/<runId>.log                   the children's stderr, every attempt appended
 *
 * What an earlier attempt left there decides where this one starts: a trained and evaluated
 * run is reused, a trained one is only evaluated, one with a valid checkpoint of the same
 * plan resumes from it (`gan train --resume`), anything else starts from nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findLatestCheckpoint, RUN_FILES, type RunInfo } from "@gan/core/runtime";
import { planHash } from "@gan/plan";
import { ganInvocation } from "../gan-invocation.js";
import { EVAL_FILE, metricValues, type EvalReport } from "../eval/evaluate-run.js";
import { writeFileAtomic } from "../files.js";
import type { RunPaths } from "./accept-job.js";
import type { RunJobData, RunJobResult } from "./job.js";

/** `gan` as argv, started through child-main so that it ends when this process does. */
export function workerChildInvocation(): string[] {
  const here = fileURLToPath(import.meta.url);
  const entry = path.join(path.dirname(here), `child-main${path.extname(here)}`);
  return [...ganInvocation().slice(0, -1), entry];
}

/** A run that cannot succeed by trying again (the plan or a trick is wrong): no retries. */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The run directory relative to the artifacts, when training got far enough to make it: what it logged is evidence. */
    readonly runDir?: string,
  ) {
    super(message);
    this.name = "RunFailure";
  }
}

/** The run was asked to stop (the worker is shutting down); `gan train` writes a checkpoint on the way out once it is past its start. */
export class RunStopped extends Error {
  constructor(readonly runId: string) {
    super(`${runId} was stopped`);
    this.name = "RunStopped";
  }
}

/** The worker's handle on the child a job is running, to stop it (SIGTERM: checkpoint first) or kill it. */
export class ChildControl {
  private child: ChildProcess | undefined;
  stopping = false;

  attach(child: ChildProcess): void {
    this.child = child;
    if (this.stopping) child.kill("SIGTERM");
  }

  detach(): void {
    this.child = undefined;
  }

  /** `gan train` finishes its step, writes a checkpoint and exits. */
  stop(): void {
    this.stopping = true;
    this.child?.kill("SIGTERM");
  }

  /** For a job this worker no longer owns: nothing more may be written for it. */
  kill(): void {
    this.stopping = true;
    this.child?.kill("SIGKILL");
  }
}

export interface RunJobOptions {
  /** Absolute path of the artifacts directory. */
  artifacts: string;
  /** The run's files, checked to lie under `artifacts` (acceptJob). */
  paths: RunPaths;
  /** Where trick packages are resolved from, as acceptJob allowed. */
  tricksFrom: string;
  control: ChildControl;
  /** `host:pid`. */
  worker: string;
  /** Training progress, from the child's progress lines. */
  onStep?(step: number, steps: number): void;
  /** `gan` as argv (default: workerChildInvocation()). */
  gan?: string[];
  /** More arguments for a fresh `gan train` (`gan doctor --try`'s `--init-from CHECKPOINT`); a resume has its weights already. */
  trainArgs?: readonly string[];
}

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

function runChild(gan: string[], args: string[], logFile: string, control: ChildControl, onLine?: (line: string) => void): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: "a" });
    log.write(`$ gan ${args.join(" ")}\n`);
    // stdin is a pipe this process never writes to: see child-main.ts.
    const child = spawn(gan[0]!, [...gan.slice(1), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    control.attach(child);
    let stdout = "";
    let partial = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => void (stdout += chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      log.write(chunk);
      if (!onLine) return;
      const lines = (partial + chunk).split(/\r|\n/);
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.on("error", (error) => {
      control.detach();
      log.end();
      reject(error);
    });
    child.on("close", (code, signal) => {
      control.detach();
      log.end(() => resolve({ code, signal, stdout }));
    });
  });
}

/** The one run directory under runs/<runId>/<name>/, if training got far enough to make it. */
function findRunDir(root: string): string | undefined {
  if (!existsSync(root)) return undefined;
  for (const name of readdirSync(root)) {
    const named = path.join(root, name);
    for (const stamp of readdirSync(named)) return path.join(named, stamp);
  }
  return undefined;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** What a failed child of this attempt said: its `gan:` lines, else its last lines. */
function failureLines(logFile: string, since: number): string {
  let lines: string[];
  try {
    lines = readFileSync(logFile).subarray(since).toString("utf8").split("\n");
  } catch {
    return "";
  }
  // The worker's own header lines and progress lines say nothing about the failure.
  lines = lines.filter((line) => line.trim() !== "" && !line.startsWith("--- ") && !line.startsWith("$ gan ") && !line.startsWith("starting again from nothing: ") && !STEP_LINE.test(line));
  const messages = lines.filter((line) => line.startsWith("gan: "));
  return (messages.length > 0 ? messages : lines.slice(-3)).join("\n");
}

type Start = { kind: "reuse"; runDir: string; report: EvalReport } | { kind: "evaluate"; runDir: string } | { kind: "resume"; runDir: string; step: number } | { kind: "fresh"; why?: string };

/** Where this attempt starts, from what earlier attempts left under runs/<runId>/. */
export function startingPoint(root: string, data: RunJobData): Start {
  const runDir = findRunDir(root);
  if (runDir === undefined) return { kind: "fresh" };
  const storedPlan = readJson<unknown>(path.join(runDir, RUN_FILES.plan));
  if (storedPlan === undefined || planHash(storedPlan) !== data.planHash) return { kind: "fresh", why: `${runDir} holds another plan` };
  const info = readJson<RunInfo>(path.join(runDir, RUN_FILES.run));
  if (info?.status === "completed") {
    const report = readJson<EvalReport>(path.join(runDir, EVAL_FILE));
    // An evaluation of the final weights is reused; one of an earlier checkpoint is not.
    return report !== undefined && report.steps === data.plan.train.steps ? { kind: "reuse", runDir, report } : { kind: "evaluate", runDir };
  }
  const checkpoint = findLatestCheckpoint(path.join(runDir, RUN_FILES.checkpoints));
  if (checkpoint === undefined) return { kind: "fresh", why: "the earlier attempt left no valid checkpoint" };
  const step = Number(/(\d+)$/.exec(path.basename(checkpoint.dir))?.[1] ?? 0);
  // A checkpoint at the last step of a run that did not complete (killed while writing its
  // generator) cannot be resumed by `gan train`: its loop has nothing left to do.
  if (step >= data.plan.train.steps) return { kind: "fresh", why: "the earlier attempt stopped after its last step" };
  return { kind: "resume", runDir, step };
}

const STEP_LINE = /^step\s+(\d+)\/(\d+)/;

/** Runs a job that acceptJob accepted: `data`, `paths` and `tricksFrom` are its checked values. */
export async function executeQueuedRun(data: RunJobData, options: RunJobOptions): Promise<RunJobResult> {
  const { artifacts, control, tricksFrom } = options;
  const gan = options.gan ?? workerChildInvocation();
  const { root, log: logFile, plan: planFile } = options.paths;
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const relative = (p: string) => path.relative(artifacts, p);
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const base = { runId: data.runId, variant: data.variant, label: data.label, seed: data.seed, artifacts, worker: options.worker };
  appendFileSync(logFile, `--- ${new Date().toISOString()} worker ${options.worker}\n`);

  const start = startingPoint(root, data);
  if (start.kind === "fresh" && start.why) appendFileSync(logFile, `starting again from nothing: ${start.why}\n`);
  if (start.kind === "reuse") {
    return { ...base, metrics: Object.fromEntries(metricValues(start.report.metrics)), runDir: relative(start.runDir), seconds: 0, reused: true };
  }
  let runDir: string;
  let resumedFrom: number | undefined;
  if (start.kind === "evaluate") runDir = start.runDir;
  else {
    let trainArgs: string[];
    if (start.kind === "resume") {
      resumedFrom = start.step;
      trainArgs = ["train", "--resume", start.runDir, "--tricks-from", tricksFrom, "--no-eval"];
    } else {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(path.dirname(planFile), { recursive: true });
      writeFileAtomic(planFile, `${JSON.stringify(data.plan, null, 2)}\n`);
      trainArgs = ["train", planFile, "--out", root, "--tricks-from", tricksFrom, "--no-eval", ...(options.trainArgs ?? [])];
    }
    // --no-eval: the run is measured by the gan eval below, whose failure fails the job.
    const onLine = options.onStep
      ? (line: string) => {
          const match = STEP_LINE.exec(line);
          if (match) options.onStep!(Number(match[1]), Number(match[2]));
        }
      : undefined;
    const trained = await runChild(gan, trainArgs, logFile, control, onLine);
    if (control.stopping) throw new RunStopped(data.runId);
    const made = findRunDir(root);
    if (trained.code !== 0 || made === undefined) {
      const what = trained.signal ? `gan train was stopped by ${trained.signal}` : `gan train exited with code ${trained.code}`;
      const said = failureLines(logFile, logStart);
      // Exit code 1 is gan's "the input is wrong": the same plan would fail the same way again.
      throw new RunFailure(`${what} (log: ${relative(logFile)})${said ? `:\n${said}` : ""}`, trained.code !== 1, made === undefined ? undefined : relative(made));
    }
    runDir = made;
  }

  const evaluated = await runChild(gan, ["eval", runDir, "--format", "json", "--tricks-from", tricksFrom], logFile, control);
  if (control.stopping) throw new RunStopped(data.runId);
  if (evaluated.code !== 0) {
    const what = evaluated.signal ? `gan eval was stopped by ${evaluated.signal}` : `gan eval exited with code ${evaluated.code}`;
    const said = failureLines(logFile, logStart);
    throw new RunFailure(`${what} (log: ${relative(logFile)})${said ? `:\n${said}` : ""}`, evaluated.code !== 1, relative(runDir));
  }
  let report: EvalReport;
  try {
    report = JSON.parse(evaluated.stdout) as EvalReport;
  } catch {
    throw new RunFailure(`gan eval printed something other than JSON (log: ${relative(logFile)})`, false, relative(runDir));
  }
  return {
    ...base,
    metrics: Object.fromEntries(metricValues(report.metrics)),
    runDir: relative(runDir),
    seconds: seconds(),
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
  };
}
