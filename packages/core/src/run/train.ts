/**
 * `train(plan, options)`: runs a plan to the end and leaves a run directory behind
 * (docs/ARCHITECTURE.md, "Life of a spec", steps 6 to 12). What the CLI's `gan train` calls, and the API for programs.
 *
 * Order of a run: choose the backend; create (or, with `resume`, reopen) the run directory;
 * build the trainer; restore the last valid checkpoint when resuming; beforeTraining; the
 * steps, with metrics lines, samples and checkpoints at their intervals; afterTraining; a
 * last checkpoint, the last samples and the final generator.
 *
 * Stopping: when `signal` is aborted the run finishes the step it is in, writes a checkpoint
 * and returns with `stopped: true` (the CLI wires SIGINT/SIGTERM to it).
 */
import { appendFileSync, existsSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { tf } from "../tfjs.js";
import { planHash, type BackendName, type Plan } from "@gan/plan";
import { selectBackend, type SelectedBackend } from "../backend/select-backend.js";
import type { DataSource } from "../data/source.js";
import { UserError } from "../errors.js";
import { readInputLinesSync, readJsonInputSync } from "../input-file.js";
import { NonFiniteError } from "../loop/numeric-health.js";
import { Trainer } from "../loop/trainer.js";
import { TrainingMonitor } from "./training-monitor.js";
import type { Trick } from "../trick/define-trick.js";
import { CORE_VERSION, loadTrickModule, resolveTrick } from "../trick/load.js";
import { findLatestCheckpoint, pruneCheckpoints, restoreCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { findInitCheckpoint, loadInitWeights, type InitNetworks } from "./init-from.js";
import { checkResumable, trainingHash } from "./resumable.js";
import { RunLock } from "./run-lock.js";
import { syncDirectory, writeFileAtomic } from "./files.js";
import { saveModel } from "./model-io.js";
import { Progress, type ProgressStream } from "./progress.js";
import { RUN_FILES, appendRunLog, createRunDir, machineInfo, readRunPlan, writeRunInfo, type RunInfo } from "./run-dir.js";
import { SampleWriter } from "./samples.js";
import { TensorBoardWriter } from "../output/tensorboard.js";
import { BEST_CHECKPOINT, TrainingEvaluation, type TrainingEvaluator } from "./train-evaluation.js";

export interface TrainOptions {
  /**
   * The trick modules, aligned with plan.tricks. When absent they are loaded by package
   * name from `tricksFrom` (tests pass fixtures here).
   */
  tricks?: readonly Trick[];
  /** Where trick packages are resolved from when `tricks` is absent (default: the working directory). */
  tricksFrom?: string;
  /** Overrides plan.train.backend (recorded in the stored plan). */
  backend?: BackendName;
  /** Overrides plan.train.steps (recorded in the stored plan). When resuming, trains on to this step. */
  steps?: number;
  /** Overrides plan.train.seed (recorded in the stored plan). */
  seed?: number;
  /** Root of run directories (default ./runs): the run goes to <out>/<plan name>/<timestamp>/. */
  out?: string;
  /** A run directory to continue from its last valid checkpoint. */
  resume?: string;
  /**
   * A new run starting from the networks of a checkpoint (its directory, or a run directory for
   * its newest one), weights only: see init-from.ts. Not with `resume`.
   */
  initFrom?: string;
  /** With initFrom: "generator" starts only G from the checkpoint, D afresh (default "both"). */
  initNetworks?: InitNetworks;
  /** Where progress goes (default process.stderr); false for none. */
  progress?: ProgressStream | false;
  /** Aborting stops the run after the current step, with a checkpoint. */
  signal?: AbortSignal;
  /** A data source to use instead of opening plan.data (tests). */
  dataSource?: DataSource;
  /** Called with each metrics line as it is written. */
  onMetrics?(line: MetricsLine): void;
  /** Called with each warning (besides the progress line). */
  onWarning?(message: string): void;
  /**
   * What a NaN or infinite loss or gradient does: "stop" (default) fails the run and keeps
   * the last checkpoint, which never holds one; "rollback" restores the last checkpoint,
   * halves both learning rates and goes on.
   */
  onNan?: "stop" | "rollback";
  /** With onNan "rollback": how many rollbacks before giving up (default 3). */
  maxRollbacks?: number;
  /** Overrides the plan's `onBadFile` for an images folder: stop at a file that cannot be decoded, or skip it (named in the log). */
  onBadFile?: "stop" | "skip";
  /**
   * Measures the samples of `eval every` (plan.train.eval): the CLI's metrics. Without it a
   * plan's `eval every` is skipped with a warning.
   */
  evaluator?: TrainingEvaluator;
  /** Called with each evaluation's line of metrics.jsonl. */
  onEvaluation?(line: Record<string, number | null>): void;
}

/** One line of metrics.jsonl. */
export interface MetricsLine {
  step: number;
  d_loss?: number;
  g_loss?: number;
  d_lr: number;
  g_lr: number;
  steps_per_sec: number;
  [name: string]: number | undefined;
}

export interface TrainResult {
  runDir: string;
  /** Steps completed (the plan's steps unless stopped). */
  steps: number;
  stopped: boolean;
  backend: SelectedBackend;
  /** The last metrics line written. */
  lastMetrics: MetricsLine | undefined;
  plan: Plan;
  /** `stop when ... stalls` ended the run before its last step: at which step, and why. */
  stoppedEarly?: { step: number; reason: string };
  /** Seconds spent evaluating during training (eval every), over the whole run; 0 without evaluations. */
  evaluationSeconds: number;
  /** Seconds spent training (the loop's wall time less the evaluations), over the whole run. */
  trainingSeconds: number;
}

/** The plan with the command line's overrides applied. */
export function applyOverrides(plan: Plan, options: Pick<TrainOptions, "steps" | "seed" | "backend">): Plan {
  const train = { ...plan.train };
  if (options.steps !== undefined) train.steps = options.steps;
  if (options.seed !== undefined) train.seed = options.seed;
  if (options.backend !== undefined) train.backend = options.backend;
  return { ...plan, train };
}

async function loadTricks(plan: Plan, options: TrainOptions): Promise<Trick[]> {
  if (options.tricks) return [...options.tricks];
  const fromDir = options.tricksFrom ?? process.cwd();
  return Promise.all(plan.tricks.map((use) => loadTrickModule(use.package, fromDir)));
}

async function trickVersions(plan: Plan, options: TrainOptions): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const use of plan.tricks) {
    versions[use.package] = use.version;
    if (!options.tricks) {
      try {
        versions[use.package] = (await resolveTrick(use.package, options.tricksFrom ?? process.cwd())).version;
      } catch {
        // loadTricks reports it
      }
    }
  }
  return versions;
}

/** A metrics line longer than this is not one gan wrote: dropped on resume, never held whole. */
const MAX_METRIC_LINE_BYTES = 1024 * 1024;

/**
 * Keeps metrics.jsonl consistent with a checkpoint: drops lines of steps after it. The file is
 * streamed line by line into its replacement, so a run directory from elsewhere with a huge
 * metrics.jsonl costs disk, not memory.
 */
function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  writeFileAtomic(file, linesAtOrBefore(file, step));
}

function* linesAtOrBefore(file: string, step: number): Generator<string> {
  for (const line of readInputLinesSync(file, { maxLineBytes: MAX_METRIC_LINE_BYTES, what: "metrics file" })) {
    if (line.tooLong || line.text.trim() === "") continue;
    if (isLineAtOrBefore(line.text, step)) yield `${line.text}\n`;
  }
}

function isLineAtOrBefore(line: string, step: number): boolean {
  try {
    return (JSON.parse(line) as { step: number }).step <= step;
  } catch {
    // A line cut short by a crash.
    return false;
  }
}

/**
 * Writes a checkpoint only when nothing has gone NaN since the last one: a checkpoint is always
 * good. Then deletes the ones beyond the newest `train.keepCheckpoints`.
 */
async function writeGoodCheckpoint(checkpointsDir: string, trainer: Trainer, hash: string, name?: string): Promise<void> {
  const nonFinite = await trainer.nonFinite();
  if (nonFinite) throw nonFinite;
  await writeCheckpoint(checkpointsDir, trainer, hash, name);
  pruneCheckpoints(checkpointsDir, trainer.plan.train.keepCheckpoints);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The BLAS thread count a run recorded (run.json's backend.blasThreads), if it did. */
function recordedBlasThreads(runDir: string): number | undefined {
  try {
    const threads = (readJsonInputSync(path.join(runDir, RUN_FILES.run), "run.json") as Partial<RunInfo>).backend?.blasThreads;
    return typeof threads === "number" ? threads : undefined;
  } catch {
    // A missing or damaged run.json is reported when the resume reads it, once the run is locked.
    return undefined;
  }
}

export async function train(inputPlan: Plan, options: TrainOptions = {}): Promise<TrainResult> {
  let plan = applyOverrides(inputPlan, options);
  let runDir: string;
  const resuming = options.resume !== undefined;
  if (resuming && options.initFrom !== undefined) throw new UserError("a run is either resumed or started from another run's weights (initFrom), not both");
  // Found and verified before anything is built or written: a wrong path costs nothing.
  const initCheckpoint = options.initFrom === undefined ? undefined : findInitCheckpoint(options.initFrom);
  if (resuming) {
    runDir = path.resolve(options.resume!);
    const stored = readRunPlan(runDir);
    checkResumable(stored, plan, runDir);
    // The stored plan stays the reference; only the allowed fields come from the new one.
    const { steps, backend, keepCheckpoints } = plan.train;
    plan = { ...stored, train: { ...stored.train, steps, backend, keepCheckpoints } };
  } else {
    runDir = "";
  }

  const tricks = await loadTricks(plan, options);
  // Resuming on blas: the thread count the run recorded, so that it goes on bit-identically.
  const backend = await selectBackend(plan.train.backend, resuming ? { resumeBlasThreads: recordedBlasThreads(runDir) } : {});
  const hash = planHash(plan);
  // Warnings from before the run directory is locked (loading the tricks, opening the data) go to its log once it is.
  const earlyWarnings: string[] = [];
  let progress: Progress | undefined;
  const stream = options.progress === undefined ? process.stderr : options.progress;
  // Taken before the first write to the run directory, released after the last.
  let lock: RunLock | undefined;
  const warn = (message: string) => {
    // Only the writer of the run directory writes its log: until the lock is held, warnings wait.
    if (lock) appendRunLog(runDir, `warning: ${message}`);
    else earlyWarnings.push(message);
    options.onWarning?.(message);
    // Before the progress line exists (a damaged checkpoint found on resume), straight to its stream.
    if (progress) progress.warn(message);
    else if (stream) stream.write(`warning: ${message}\n`);
  };

  const trainer = await Trainer.create(plan, {
    tricks,
    ...(options.dataSource ? { dataSource: options.dataSource } : {}),
    ...(options.onBadFile ? { onBadFile: options.onBadFile } : {}),
    dataProgress: (message) => {
      if (stream) stream.write(`${message}\n`);
    },
    warn,
  });
  // Files the data source passed over (each named), into the run's log and on stderr.
  for (const note of trainer.data.notes ?? []) warn(note);
  let info: RunInfo | undefined;
  try {
    const startedAt = new Date();
    let startStep = 0;
    if (resuming) {
      // Before anything in the run directory is read for writing: a second writer is refused here.
      lock = RunLock.acquire(runDir);
      const checkpoint = findLatestCheckpoint(path.join(runDir, RUN_FILES.checkpoints), { warn, trainingHash: trainingHash(plan) });
      if (!checkpoint) throw new UserError(`cannot resume ${runDir}: it has no valid checkpoint`);
      await restoreCheckpoint(checkpoint.dir, trainer);
      startStep = trainer.step;
      if (startStep >= plan.train.steps) {
        throw new UserError(
          `cannot resume ${runDir}: its last checkpoint is at step ${startStep} and the plan trains for ${plan.train.steps} steps (give --steps N with N > ${startStep} to train longer)`,
        );
      }
      truncateMetrics(path.join(runDir, RUN_FILES.metrics), startStep);
      const previous = readJsonInputSync(path.join(runDir, RUN_FILES.run), "run.json") as RunInfo;
      info = {
        ...previous,
        steps: plan.train.steps,
        planHash: hash,
        backend,
        endedAt: null,
        status: "running",
        stepsCompleted: startStep,
        resumes: [...(previous.resumes ?? []), { at: startedAt.toISOString(), fromStep: startStep, backend: backend.name }],
      };
      delete info.error;
      // A run stopped early and resumed for longer goes on: the reason was the earlier end's.
      delete info.stoppedEarly;
    } else {
      // Refused on a network that does not fit before the run directory exists.
      if (initCheckpoint) await loadInitWeights(initCheckpoint, trainer, options.initNetworks);
      runDir = createRunDir(options.out ?? "runs", plan.name, startedAt);
      lock = RunLock.acquire(runDir);
      info = {
        name: plan.name,
        planHash: hash,
        seed: plan.train.seed,
        steps: plan.train.steps,
        backend,
        versions: {
          node: process.versions.node,
          "@gan/core": CORE_VERSION,
          "@tensorflow/tfjs-core": tf.version_core,
          ...(await trickVersions(plan, options)),
        },
        machine: machineInfo(),
        startedAt: startedAt.toISOString(),
        endedAt: null,
        status: "running",
        stepsCompleted: 0,
        resumes: [],
        ...(initCheckpoint ? { initFrom: { checkpoint: initCheckpoint.dir, step: initCheckpoint.manifest.step, networks: options.initNetworks ?? "both" } } : {}),
      };
    }
    writeFileAtomic(path.join(runDir, RUN_FILES.plan), `${JSON.stringify(plan, null, 2)}\n`);
    writeRunInfo(runDir, info);
    appendRunLog(
      runDir,
      `${resuming ? `resumed from step ${startStep}` : "started"}: ${plan.name}, ${plan.train.steps} steps on ${backend.name}, seed ${plan.train.seed}, plan ${hash.slice(0, 12)}` +
        `\ndata: ${trainer.data.describe()}` +
        (initCheckpoint
          ? `\nweights from: ${initCheckpoint.dir} (step ${initCheckpoint.manifest.step})${options.initNetworks === "generator" ? ", the generator's only (D starts afresh)" : ""}; optimizers, tricks and schedules start afresh`
          : "") +
        (backend.note ? `\nnote: ${backend.note}` : ""),
    );
    for (const message of earlyWarnings.splice(0)) appendRunLog(runDir, `warning: ${message}`);

    // Resumed: the new event file tells TensorBoard to forget what earlier files logged after the checkpoint.
    const tensorboard = new TensorBoardWriter(path.join(runDir, RUN_FILES.tensorboard), resuming ? { firstStep: startStep + 1 } : {});
    const loopStarted = performance.now();
    let result: Awaited<ReturnType<typeof runLoop>>;
    try {
      result = await runLoop(trainer, plan, runDir, hash, startStep, options, stream, warn, (p) => (progress = p), tensorboard);
    } finally {
      tensorboard.close();
    }
    const sessionSeconds = (performance.now() - loopStarted) / 1000 - result.sessionEvaluationSeconds;
    const trainingSeconds = round((previousTiming(info)?.trainingSeconds ?? 0) + sessionSeconds, 2);
    const evaluationSeconds = round(result.evaluationSeconds, 2);
    info = {
      ...info,
      endedAt: new Date().toISOString(),
      status: result.stopped ? "stopped" : "completed",
      stepsCompleted: trainer.step,
      timing: { trainingSeconds, evaluationSeconds },
      ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
    };
    writeRunInfo(runDir, info);
    appendRunLog(runDir, `${info.status} at step ${trainer.step}${result.stoppedEarly ? `, early: ${result.stoppedEarly.reason}` : ""}`);
    return {
      runDir,
      steps: trainer.step,
      stopped: result.stopped,
      backend,
      lastMetrics: result.lastMetrics,
      plan,
      ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
      evaluationSeconds,
      trainingSeconds,
    };
  } catch (error) {
    if (info && runDir) {
      try {
        appendRunLog(runDir, `error: ${(error as Error).message}`);
        writeRunInfo(runDir, {
          ...info,
          endedAt: new Date().toISOString(),
          status: "failed",
          stepsCompleted: trainer.step,
          error: (error as Error).message,
        });
      } catch {
        // The original error matters more than a failure to record it.
      }
    }
    throw error;
  } finally {
    progress?.finish();
    trainer.dispose();
    lock?.release();
  }
}

/** The timing a resumed run had recorded (training seconds accumulate over its sessions). */
function previousTiming(info: RunInfo | undefined): RunInfo["timing"] {
  return info?.resumes.length ? info.timing : undefined;
}

async function runLoop(
  trainer: Trainer,
  plan: Plan,
  runDir: string,
  hash: string,
  startStep: number,
  options: TrainOptions,
  stream: ProgressStream | false,
  warn: (message: string) => void,
  setProgress: (progress: Progress) => void,
  tensorboard: TensorBoardWriter,
): Promise<{
  stopped: boolean;
  lastMetrics: MetricsLine | undefined;
  stoppedEarly?: { step: number; reason: string };
  evaluationSeconds: number;
  sessionEvaluationSeconds: number;
}> {
  const { steps, sampleEvery, checkpointEvery, logEvery } = plan.train;
  const metricsFile = path.join(runDir, RUN_FILES.metrics);
  const checkpointsDir = path.join(runDir, RUN_FILES.checkpoints);
  const samples = new SampleWriter(trainer, plan, path.join(runDir, RUN_FILES.samples), (step, png) => tensorboard.image("samples", step, png));
  const progress = stream
    ? new Progress({
        stream,
        totalSteps: steps,
        startStep,
        // About 20 plain lines per run, on logged steps (the only ones with losses to show).
        lineEvery: Math.max(logEvery, Math.ceil(steps / 20 / logEvery) * logEvery),
      })
    : undefined;
  if (progress) setProgress(progress);
  samples.writeReal();

  await trainer.bus.lifecycle("beforeTraining", trainer.runContext());
  const onNan = options.onNan ?? "stop";
  const maxRollbacks = options.maxRollbacks ?? 3;
  let rollbacks = 0;
  // A rollback needs a checkpoint to return to, even before the first interval.
  if (onNan === "rollback" && findLatestCheckpoint(checkpointsDir) === undefined) await writeCheckpoint(checkpointsDir, trainer, hash);
  const monitor = new TrainingMonitor({ loss: trainer.loss.declaration });
  if (plan.train.eval !== undefined && options.evaluator === undefined) warn("eval every is skipped: no evaluator was given to train() (gan train gives one)");
  const evaluation = plan.train.eval !== undefined && options.evaluator !== undefined ? new TrainingEvaluation(plan, options.evaluator, metricsFile) : undefined;
  let sessionEvaluationSeconds = 0;
  let stoppedEarly: { step: number; reason: string } | undefined;
  let lastMetrics: MetricsLine | undefined;
  let stopped = false;
  let lastLogTime = performance.now();
  let lastLogStep = startStep;
  while (trainer.step < steps) {
    let values: Record<string, number> | undefined;
    try {
      values = await trainer.runStep();
    } catch (error) {
      if (!(error instanceof NonFiniteError)) throw error;
      await handleNonFinite(error);
      continue;
    }
    const done = trainer.step;
    if (values) {
      const now = performance.now();
      const line: MetricsLine = {
        step: done,
        ...values,
        d_lr: values.d_lr!,
        g_lr: values.g_lr!,
        steps_per_sec: round(((done - lastLogStep) * 1000) / Math.max(now - lastLogTime, 1e-3), 3),
      };
      lastLogTime = now;
      lastLogStep = done;
      appendFileSync(metricsFile, `${JSON.stringify(line)}\n`);
      const { step: _step, ...scalars } = line;
      tensorboard.scalars(done, scalars);
      lastMetrics = line;
      options.onMetrics?.(line);
      progress?.setLosses(values.d_loss, values.g_loss);
      for (const message of monitor.observe(line)) warn(message);
    }
    progress?.update(done);
    if (evaluation?.due(done)) {
      const outcome = await evaluation.evaluate(trainer);
      appendFileSync(metricsFile, `${JSON.stringify(outcome.line)}\n`);
      const { step: _evalStep, ...evalScalars } = outcome.line;
      // TensorBoard shows them beside the losses (an undefined value, null in JSON, is left out).
      tensorboard.scalars(done, Object.fromEntries(Object.entries(evalScalars).map(([key, value]) => [key, value ?? undefined])));
      options.onEvaluation?.(outcome.line);
      sessionEvaluationSeconds += outcome.record.seconds;
      // steps/s of the next logged line counts training only.
      lastLogTime += outcome.record.seconds * 1000;
      const text = `eval at step ${done}: ${outcome.summary} (${outcome.record.seconds} s; ${round(evaluation.seconds, 2)} s evaluating so far)`;
      appendRunLog(runDir, text);
      progress?.evaluated(text, outcome.record.seconds);
      if (outcome.newBest) await writeGoodCheckpoint(checkpointsDir, trainer, hash, BEST_CHECKPOINT);
      if (outcome.stop !== undefined) {
        stoppedEarly = { step: done, reason: outcome.stop };
        progress?.note(`stopping early: ${outcome.stop}`);
        break;
      }
    }
    if (done === steps) break;
    if (sampleEvery > 0 && done % sampleEvery === 0) samples.write(done);
    const stopping = options.signal?.aborted === true;
    if ((checkpointEvery > 0 && done % checkpointEvery === 0) || stopping) {
      try {
        await writeGoodCheckpoint(checkpointsDir, trainer, hash);
      } catch (error) {
        if (!(error instanceof NonFiniteError)) throw error;
        await handleNonFinite(error);
        continue;
      }
    }
    if (stopping) {
      stopped = true;
      break;
    }
    // Lets a signal handler run between steps; costs microseconds, and only when someone listens.
    if (options.signal) await new Promise((resolve) => setImmediate(resolve));
  }

  if (!stopped) {
    await trainer.bus.lifecycle("afterTraining", trainer.runContext());
    await writeGoodCheckpoint(checkpointsDir, trainer, hash);
    samples.write(trainer.step);
    await writeFinalGenerator(trainer, runDir);
  }
  progress?.update(trainer.step, true);
  return {
    stopped,
    lastMetrics,
    ...(stoppedEarly ? { stoppedEarly } : {}),
    evaluationSeconds: evaluation?.seconds ?? 0,
    sessionEvaluationSeconds,
  };

  /** --on-nan: stop with the last good checkpoint kept, or return to it with halved learning rates. */
  async function handleNonFinite(error: NonFiniteError): Promise<void> {
    const checkpoint = findLatestCheckpoint(checkpointsDir);
    const kept = checkpoint ? `the last good checkpoint is ${path.relative(runDir, checkpoint.dir)}` : "no checkpoint was written before it";
    if (onNan === "stop") {
      throw new UserError(`${error.message}; ${kept} (try --on-nan rollback, or lower learning rates)`);
    }
    if (!checkpoint || rollbacks >= maxRollbacks) {
      throw new UserError(`${error.message}; gave up after ${rollbacks} rollback${rollbacks === 1 ? "" : "s"} (--max-rollbacks ${maxRollbacks}); ${kept}`);
    }
    rollbacks++;
    // Halve the rates in force at the failure, not the checkpoint's: a second rollback to the same checkpoint quarters them.
    const generatorScale = trainer.generatorOptimizer.learningRateScale() / 2;
    const discriminatorScale = trainer.discriminatorOptimizer.learningRateScale() / 2;
    await restoreCheckpoint(checkpoint.dir, trainer);
    trainer.generatorOptimizer.scaleLearningRate(generatorScale / trainer.generatorOptimizer.learningRateScale());
    trainer.discriminatorOptimizer.scaleLearningRate(discriminatorScale / trainer.discriminatorOptimizer.learningRateScale());
    trainer.clearNonFinite();
    truncateMetrics(metricsFile, trainer.step);
    tensorboard.restart(trainer.step + 1);
    lastLogStep = trainer.step;
    lastLogTime = performance.now();
    warn(
      `${error.message}; rolled back to step ${trainer.step} with the learning rates halved ` +
        `(rollback ${rollbacks} of at most ${maxRollbacks})`,
    );
  }
}

/** generator/: the sampling generator (a trick's EMA weights, if any) in tfjs LayersModel format. */
async function writeFinalGenerator(trainer: Trainer, runDir: string): Promise<void> {
  const finalDir = path.join(runDir, RUN_FILES.generator);
  const temporary = path.join(runDir, `.tmp-generator-${process.pid}`);
  rmSync(temporary, { recursive: true, force: true });
  await saveModel(trainer.samplingGenerator(), temporary);
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(temporary, finalDir);
  syncDirectory(runDir);
}
