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
import os from "node:os";
import path from "node:path";
import { UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
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
  tricksFrom?: string;
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

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  // First contact fails fast and names the URL; BullMQ's own connections then wait out outages.
  const probe = await connectRedis(options.url);
  probe.disconnect();

  const name = `${os.hostname()}:${process.pid}`;
  const controls = new Map<string, ChildControl>();
  let stopping = false;
  const log = options.log;

  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string): Promise<RunJobResult> => {
    const data = job.data;
    const control = new ChildControl();
    controls.set(job.id!, control);
    if (stopping) control.stop();
    const handedOver = job.attemptsStarted > 1 || (job.stalledCounter ?? 0) > 0;
    log(`${data.runId}: started (${data.label}, seed ${data.seed})${handedOver ? `, attempt ${job.attemptsStarted}` : ""}`);
    let lastProgress = 0;
    try {
      const result = await executeQueuedRun(data, {
        artifacts: options.artifacts,
        control,
        worker: name,
        ...(options.tricksFrom !== undefined ? { tricksFrom: options.tricksFrom } : {}),
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

  const worker = new Worker<RunJobData, RunJobResult>(QUEUE_NAME, processor, {
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
