/**
 * `gan worker`: a BullMQ worker on the runs queue. Each job is one run (see run-job.ts),
 * trained and evaluated in child processes, `concurrency` at a time.
 *
 * Faults are BullMQ's to detect: a worker holds a lock on each of its jobs and renews it
 * every lockDuration / 2; when a worker dies (kill -9, a lost machine) its locks expire, and
 * the stalled-job check of any live worker (every stalledInterval) hands the job to the queue
 * again, for a worker that resumes it from its last checkpoint. `stallSeconds` sets both
 * (BullMQ's default is 30 s); a job may be handed over `maxStalledCount` times before it
 * counts as failed.
 */
import { realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "@gan/core/runtime";
import { printable } from "@gan/dsl";
import { UnrecoverableError, WaitingError, Worker, type Job, type JobJsonRaw } from "bullmq";
import { acceptJob, unreadableJob, type WorkerTrust } from "./accept-job.js";
import { bullConnection, connectRedis, KEY_PREFIX, QUEUE_NAME, shownUrl } from "./connection.js";
import type { RunJobData, RunJobProgress, RunJobResult } from "./job.js";
import { ChildControl, executeQueuedRun, RunFailure, RunStopped } from "./run-job.js";

export const DEFAULT_STALL_SECONDS = 30;
/** Times a job may lose its worker and be handed to another before it fails. */
export const MAX_STALLED_COUNT = 3;
/** Job progress goes to Redis at most this often. */
const PROGRESS_INTERVAL_MS = 1000;

export interface WorkerOptions {
  url: string;
  concurrency: number;
  /** Absolute. */
  artifacts: string;
  stallSeconds: number;
  /** --tricks-from: every run's tricks come from here. */
  tricksFrom?: string;
  /** --allow-tricks-from: directories, besides the worker's project, a job's own tricksFrom may lie in. */
  allowTricksFrom?: string[];
  /** One line of what the worker does (no newline). */
  log(line: string): void;
  /** `gan` as argv for the children (tests). */
  gan?: string[];
}

export interface RunningWorker {
  /** Resolves when the worker has stopped. */
  closed: Promise<void>;
  /** Stops taking jobs; running ones checkpoint and go back to the queue for another worker. */
  stop(): void;
}

/** An error on one line of the worker's log. */
function oneLine(error: Error): string {
  return error.message.replace(/:\n/g, ": ").replace(/\n/g, "; ");
}

/**
 * BullMQ's worker, except for a job whose stored fields are not JSON (pushed by hand): BullMQ
 * would throw while reading it, leave it active, and pick it again every few seconds with an
 * error that seems to come from Redis. Here it is read with stand-ins for those fields and an
 * UnreadableJobData as its data, which the processor rejects like any other bad job.
 */
class RunWorker extends Worker<RunJobData, RunJobResult> {
  protected override createJob(raw: JobJsonRaw, jobId: string): Job<RunJobData, RunJobResult> {
    try {
      return super.createJob(raw, jobId);
    } catch (error) {
      const unreadable = unreadableJob(raw, error as Error);
      if (unreadable === undefined) throw error;
      const job = super.createJob({ ...raw, ...unreadable.standIns }, jobId);
      job.data = unreadable.data as unknown as RunJobData;
      return job;
    }
  }
}

/** The worker's own project and every --allow-tricks-from, with symbolic links followed. */
function trickRoots(options: WorkerOptions): string[] {
  return [projectRoot(process.cwd()), ...(options.allowTricksFrom ?? [])].map((dir) => realpathSync(dir));
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  // First contact fails fast and names the URL; BullMQ's own connections then wait out outages.
  const probe = await connectRedis(options.url);
  probe.disconnect();

  const name = `${os.hostname()}:${process.pid}`;
  const controls = new Map<string, ChildControl>();
  let stopping = false;
  // What a line quotes may come from a job (its id, its plan's name in a child's error): no
  // control character of it reaches the operator's terminal.
  const log = (line: string) => options.log(printable(line));
  const trust: WorkerTrust = {
    artifacts: options.artifacts,
    ...(options.tricksFrom !== undefined ? { tricksFrom: options.tricksFrom } : {}),
    trickRoots: trickRoots(options),
    fallbackTricksFrom: process.cwd(),
  };

  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string): Promise<RunJobResult> => {
    const accepted = acceptJob(job.data, trust);
    if (!accepted.ok) {
      // Failed at once, with the reason, and never tried again: nothing was written, no process started.
      log(`job ${job.id ?? "?"}: rejected: ${accepted.reason}`);
      throw new UnrecoverableError(`rejected by worker ${name}: ${accepted.reason}`);
    }
    const data = accepted.data;
    const control = new ChildControl();
    controls.set(job.id!, control);
    if (stopping) control.stop();
    const handedOver = job.attemptsStarted > 1 || (job.stalledCounter ?? 0) > 0;
    log(`${data.runId}: started (${data.label}, seed ${data.seed})${handedOver ? `, attempt ${job.attemptsStarted}` : ""}`);
    let lastProgress = 0;
    try {
      const result = await executeQueuedRun(data, {
        artifacts: options.artifacts,
        paths: accepted.paths,
        tricksFrom: accepted.tricksFrom,
        control,
        worker: name,
        ...(options.gan ? { gan: options.gan } : {}),
        onStep: (step, steps) => {
          const now = performance.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS && step < steps) return;
          lastProgress = now;
          const progress: RunJobProgress = { step, steps };
          job.updateProgress(progress as unknown as object).catch(() => {});
        },
      });
      const how = result.reused ? "already done, reused" : result.resumedFrom !== undefined ? `resumed from step ${result.resumedFrom}, ${result.seconds} s` : `${result.seconds} s`;
      log(`${data.runId}: finished (${how})`);
      return result;
    } catch (error) {
      if (error instanceof RunStopped) {
        // Back to the queue at once, for another worker to resume, instead of waiting to be found stalled.
        await job.moveToWait(token);
        log(`${data.runId}: stopped, back in the queue for another worker (it resumes from the last checkpoint, if there is one)`);
        throw new WaitingError();
      }
      if (error instanceof RunFailure) {
        log(`${data.runId}: failed: ${oneLine(error)}${error.retryable ? "" : " (not retried: the plan or its tricks are at fault)"}`);
        throw error.retryable ? new Error(error.message) : new UnrecoverableError(error.message);
      }
      log(`${data.runId}: failed: ${oneLine(error as Error)}`);
      throw error;
    } finally {
      controls.delete(job.id!);
    }
  };

  const worker = new RunWorker(QUEUE_NAME, processor, {
    connection: bullConnection(options.url),
    prefix: KEY_PREFIX,
    name,
    concurrency: options.concurrency,
    lockDuration: options.stallSeconds * 1000,
    stalledInterval: options.stallSeconds * 1000,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: false,
  });
  let lastConnectionError = "";
  worker.on("error", (error) => {
    // Connection errors repeat every retry; one line per kind of trouble.
    if (error.message === lastConnectionError) return;
    lastConnectionError = error.message;
    log(`Redis at ${shownUrl(options.url)}: ${error.message}`);
  });
  worker.on("ready", () => void (lastConnectionError = ""));
  worker.on("lockRenewalFailed", (jobIds) => {
    // The queue may already have handed these jobs to another worker: stop writing for them.
    for (const id of jobIds) {
      controls.get(id)?.kill();
      log(`${id}: lost its lock (this worker was cut off from Redis for too long); stopped here, another worker resumes it`);
    }
  });

  log(
    `worker ${name}: taking runs from ${shownUrl(options.url)}, ${options.concurrency} at a time, ` +
      `artifacts in ${path.relative(process.cwd(), options.artifacts).startsWith("..") ? options.artifacts : path.relative(process.cwd(), options.artifacts) || "."}`,
  );
  const running = worker.run();
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (controls.size > 0) log(`stopping: ${controls.size === 1 ? "1 run writes a checkpoint and goes" : `${controls.size} runs write a checkpoint and go`} back to the queue`);
    for (const control of controls.values()) control.stop();
    void worker.close();
  };
  const closed = (async () => {
    await running;
    await worker.close();
  })();
  return { closed, stop };
}
