/**
 * Executing an ablation's runs here: each run is `gan train` then `gan eval` in child
 * processes (a crash or an out-of-memory in one run cannot take the others down, and each
 * gets its own TensorFlow.js), at most `jobs` at a time.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EvalReport } from "../eval/evaluate-run.js";
import { metricValues } from "../eval/evaluate-run.js";
import { writeFileAtomic } from "../files.js";
import type { RunSpec } from "./expand.js";
import type { RunResult } from "./summarise.js";

const TSX_SPECIFIER = /^tsx(\/|$)|[\\/]tsx[\\/]dist[\\/]/;

/** Whether Node was started with tsx as its loader (`--import tsx`, `--import=file:///.../tsx/dist/loader.mjs`). */
export function hasTsxLoader(execArgv: readonly string[]): boolean {
  return execArgv.some((arg, i) => {
    if (arg === "--import" || arg === "--loader") return TSX_SPECIFIER.test(execArgv[i + 1] ?? "");
    const inline = /^--(?:import|loader)=(.*)$/.exec(arg);
    return inline !== null && TSX_SPECIFIER.test(inline[1]!);
  });
}

/** How to start `gan` again: this Node, with the flags it was started with, on this CLI's own entry point. */
export function ganInvocation(): string[] {
  const here = fileURLToPath(import.meta.url);
  const extension = path.extname(here);
  const bin = path.join(path.dirname(here), "..", `bin${extension}`);
  const execArgv = [...process.execArgv];
  // From sources the child needs the TypeScript loader and the source condition; a process
  // started by another tool (a test runner) may not have been given them.
  if (extension === ".ts") {
    if (!hasTsxLoader(execArgv)) execArgv.push("--import", import.meta.resolve("tsx"));
    if (!execArgv.some((arg, i) => arg === "--conditions=@gan/source" || (arg === "--conditions" && execArgv[i + 1] === "@gan/source"))) {
      execArgv.push("--conditions=@gan/source");
    }
  }
  return [process.execPath, ...execArgv, bin];
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Runs `gan ARGS`, its stderr appended to `logFile`, its stdout returned. */
export function runGan(args: string[], logFile: string, gan: string[] = ganInvocation()): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: "a" });
    log.write(`$ gan ${args.join(" ")}\n`);
    const child = spawn(gan[0]!, [...gan.slice(1), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => void (stdout += chunk));
    child.stderr.pipe(log, { end: false });
    child.on("error", (error) => {
      log.end();
      reject(error);
    });
    child.on("close", (code, signal) => {
      log.end(() => resolve({ code, signal, stdout }));
    });
  });
}

/** Runs `worker` over `items`, at most `jobs` at once; results in the order of `items`. */
export async function runPool<T, R>(items: readonly T[], jobs: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

export interface ExecutedRun extends RunResult {
  /** The run directory, relative to the ablation's directory. */
  runDir?: string;
  /** Seconds of training and evaluation (absent for a run reused from before). */
  seconds?: number;
  /** True when an earlier invocation had already finished this run. */
  reused?: boolean;
  /** Every field of the run's eval.json. */
  eval?: EvalReport;
}

export interface ExecuteOptions {
  /** The ablation's directory: plans/, runs/ and logs/ go in it. */
  outDir: string;
  /** Where the runs' trick packages are resolved from (the spec's directory). */
  tricksFrom: string;
  /** `gan` as argv (default: this CLI, see ganInvocation). */
  gan?: string[];
  /** More `gan train` arguments for every run (`gan doctor --try`'s `--init-from CHECKPOINT`). */
  trainArgs?: readonly string[];
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

function finishedEval(runDir: string | undefined): EvalReport | undefined {
  if (runDir === undefined) return undefined;
  try {
    const info = JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")) as { status?: string };
    if (info.status !== "completed") return undefined;
    return JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")) as EvalReport;
  } catch {
    return undefined;
  }
}

function resultOf(run: RunSpec): RunResult {
  return { runId: run.runId, variant: run.variant, label: run.label, seed: run.seed };
}

function withMetrics(result: RunResult, report: EvalReport): RunResult & { eval: EvalReport } {
  return { ...result, metrics: Object.fromEntries(metricValues(report.metrics)), eval: report };
}

/** What a failed child said: its `gan:` message, else the first error line, else its last lines. */
function failureLines(file: string): string {
  let lines: string[];
  try {
    lines = readFileSync(file, "utf8").trimEnd().split("\n");
  } catch {
    return "";
  }
  const messages = lines.filter((line) => line.startsWith("gan: "));
  if (messages.length > 0) return messages.join("\n");
  const error = lines.find((line) => /^\w*Error\b/.test(line));
  return error ?? lines.slice(-3).join("\n");
}

/** Trains and evaluates one run in child processes; reuses it when a previous invocation finished it. */
export async function executeRun(run: RunSpec, options: ExecuteOptions): Promise<ExecutedRun> {
  const { outDir } = options;
  const runsRoot = path.join(outDir, "runs", run.runId);
  const logFile = path.join(outDir, "logs", `${run.runId}.log`);
  const relative = (p: string) => path.relative(outDir, p);
  const previous = findRunDir(runsRoot);
  const done = finishedEval(previous);
  if (done && previous) return { ...withMetrics(resultOf(run), done), runDir: relative(previous), reused: true };

  // An unfinished attempt is started again from nothing: its checkpoints may be of another seed's plan.
  rmSync(runsRoot, { recursive: true, force: true });
  mkdirSync(path.dirname(logFile), { recursive: true });
  mkdirSync(path.join(outDir, "plans"), { recursive: true });
  rmSync(logFile, { force: true });
  const planFile = path.join(outDir, "plans", `${run.runId}.json`);
  writeFileAtomic(planFile, `${JSON.stringify(run.plan, null, 2)}\n`);
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const failure = (what: string): ExecutedRun => {
    const tail = failureLines(logFile);
    return { ...resultOf(run), error: `${what}${tail ? `:\n${tail}` : ""}`, seconds: seconds() };
  };

  // --no-eval: the run is measured by the gan eval below, whose failure fails the run.
  const trained = await runGan(["train", planFile, "--out", runsRoot, "--tricks-from", options.tricksFrom, "--no-eval", ...(options.trainArgs ?? [])], logFile, options.gan);
  const runDir = findRunDir(runsRoot);
  if (trained.code !== 0 || runDir === undefined) {
    const failed = failure(`gan train ${trained.signal ? `was stopped by ${trained.signal}` : `exited with code ${trained.code}`} (log: ${relative(logFile)})`);
    // A run that failed while training (a NaN) still has its directory: what it logged is evidence.
    return runDir === undefined ? failed : { ...failed, runDir: relative(runDir) };
  }
  const evaluated = await runGan(["eval", runDir, "--format", "json", "--tricks-from", options.tricksFrom], logFile, options.gan);
  if (evaluated.code !== 0) {
    return { ...failure(`gan eval ${evaluated.signal ? `was stopped by ${evaluated.signal}` : `exited with code ${evaluated.code}`} (log: ${relative(logFile)})`), runDir: relative(runDir) };
  }
  let report: EvalReport;
  try {
    report = JSON.parse(evaluated.stdout) as EvalReport;
  } catch {
    return { ...failure(`gan eval printed something other than JSON (log: ${relative(logFile)})`), runDir: relative(runDir) };
  }
  return { ...withMetrics(resultOf(run), report), runDir: relative(runDir), seconds: seconds() };
}
