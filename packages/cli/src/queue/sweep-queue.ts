/**
 * The submitting side of the queue: a sweep's runs added as jobs (job id = run id, so adding
 * the same run twice is one job, and a run finished by an earlier sweep is not trained
 * again), its definition stored under gan:sweeps:<id>, and the state of every run read back.
 */
import { UserError } from "@gan/core";
import { Queue, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { RunSpec } from "../experiment/expand.js";
import type { ExecutedRun } from "../experiment/summarise.js";
import { readJobData, readJobResult, UnreadableJobData, unreadableJob } from "./accept-job.js";
import { bullConnection, connectRedis, KEY_PREFIX, QUEUE_NAME, shownUrl, sweepKey } from "./connection.js";
import { readDefinition, type SweepDefinition, type SweepRunEntry } from "./definition.js";
import { executedFromResult, JOB_NAME, jobData, type RunJobData, type RunJobProgress, type RunJobResult } from "./job.js";

/** Tries of a run: a crash of the child (out of memory, a signal) is worth one more; a wrong plan is not retried (see run-job.ts). */
export const JOB_ATTEMPTS = 2;
const RETRY_DELAY_MS = 2000;

/** `bad`: the job under the run's id is not this run's (written into Redis by hand): its data fails the schema or names another run. */
export type RunStateName = "waiting" | "active" | "completed" | "failed" | "missing" | "bad";

export interface RunState {
  run: SweepRunEntry;
  state: RunStateName;
  /** Training progress of an active run. */
  progress?: RunJobProgress;
  attemptsMade: number;
  /** Completed or failed: the row of the table. */
  result?: ExecutedRun;
  /** Completed: which worker, from which checkpoint. */
  worker?: string;
  resumedFrom?: number;
}

export interface EnqueueSummary {
  added: number;
  /** Already finished in the queue (by this sweep before, or another with the same runs). */
  finished: number;
  /** Failed before, tried again now. */
  retried: number;
  /** Waiting or running already. */
  pending: number;
}

function stateName(state: string): RunStateName {
  if (state === "completed" || state === "failed" || state === "active") return state;
  // delayed (waiting to be retried), prioritized, waiting-children: all wait for a worker.
  return "waiting";
}

/** Why a job's data or result that passed the schema is still not `run`'s, or undefined when it is. */
function otherRun(data: Pick<RunJobData, "runId" | "seed"> & { planHash?: string }, run: SweepRunEntry): string | undefined {
  if (data.runId !== run.runId) return `it names run ${data.runId}`;
  if (data.seed !== run.seed) return `its seed ${data.seed} is not the sweep's (${run.seed})`;
  if (data.planHash !== undefined && data.planHash !== run.planHash) return `its plan is not the sweep's (plan hash ${data.planHash.slice(0, 10)}…)`;
  return undefined;
}

function isProgress(value: unknown): value is RunJobProgress {
  return typeof value === "object" && value !== null && typeof (value as RunJobProgress).step === "number" && typeof (value as RunJobProgress).steps === "number";
}

export class SweepQueue {
  private constructor(
    readonly url: string,
    private readonly redis: Redis,
    private readonly queue: Queue<RunJobData, RunJobResult>,
  ) {}

  /**
   * Connects (a UserError naming the URL when Redis cannot be reached). Later, while Redis is
   * away, commands wait for it to come back and `onConnectionError` hears why.
   */
  static async open(url: string, onConnectionError: (error: Error) => void = () => {}): Promise<SweepQueue> {
    const redis = await connectRedis(url);
    const queue = new Queue<RunJobData, RunJobResult>(QUEUE_NAME, { connection: bullConnection(url), prefix: KEY_PREFIX });
    // Without a listener BullMQ's connection errors would also be printed raw.
    queue.on("error", onConnectionError);
    return new SweepQueue(url, redis, queue);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }

  async storeDefinition(definition: SweepDefinition): Promise<void> {
    // The first submission's record stays (its createdAt); the runs in it are the same by construction of the id.
    await this.redis.set(sweepKey(definition.id), JSON.stringify(definition), "NX");
  }

  async loadDefinition(id: string): Promise<SweepDefinition> {
    const text = await this.redis.get(sweepKey(id));
    if (text === null) throw new UserError(`no sweep ${id} on the queue at ${shownUrl(this.url)} (gan sweep FILE --queue URL prints the id of the sweep it submits)`);
    const read = readDefinition(id, text);
    if (!read.ok) throw new UserError(`sweep ${id} on the queue at ${shownUrl(this.url)}: its stored definition is not valid: ${read.reason}`);
    return read.definition;
  }

  async enqueue(runs: readonly RunSpec[], tricksFrom: string): Promise<EnqueueSummary> {
    const summary: EnqueueSummary = { added: 0, finished: 0, retried: 0, pending: 0 };
    const toAdd: RunSpec[] = [];
    for (const run of runs) {
      const job = await this.queue.getJob(run.runId);
      if (!job) {
        toAdd.push(run);
        continue;
      }
      const state = await job.getState();
      if (state === "completed") summary.finished++;
      else if (state === "failed") {
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        summary.retried++;
      } else summary.pending++;
    }
    await this.queue.addBulk(
      toAdd.map((run) => ({
        name: JOB_NAME,
        data: jobData(run, tricksFrom),
        opts: {
          jobId: run.runId,
          attempts: JOB_ATTEMPTS,
          backoff: { type: "fixed", delay: RETRY_DELAY_MS },
          // Results stay in Redis: they are the sweep's table, collected whenever someone asks.
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    summary.added = toAdd.length;
    return summary;
  }

  /** Workers connected now, or undefined where Redis does not allow CLIENT LIST (some managed services). */
  async workerCount(): Promise<number | undefined> {
    try {
      return await this.queue.getWorkersCount();
    } catch {
      return undefined;
    }
  }

  private async stateOf(run: SweepRunEntry): Promise<RunState> {
    // The state first, then the job: a job read first and found failed (or completed) a moment
    // later would show the fields it had while active, without its failure reason or result.
    const jobState = await this.queue.getJobState(run.runId);
    const read = await this.readJob(run.runId);
    const base = { runId: run.runId, variant: run.variant, label: run.label, seed: run.seed };
    if (read === undefined || (!(read instanceof UnreadableJobData) && jobState === "unknown")) {
      return { run, state: "missing", attemptsMade: 0, result: { ...base, error: "its job is no longer in the queue (was Redis emptied?); submit the sweep again" } };
    }
    const data = readJobData(read instanceof UnreadableJobData ? read : read.data);
    const reason = !data.ok ? data.reason : otherRun(data.data, run);
    if (reason !== undefined || read instanceof UnreadableJobData) {
      return { run, state: "bad", attemptsMade: 0, result: { ...base, error: `the job under its id is not this run's: ${reason}` } };
    }
    const job = read;
    const state = stateName(jobState);
    const attemptsMade = job.attemptsMade;
    if (state === "completed" && job.returnvalue) {
      const read = readJobResult(job.returnvalue);
      const wrong = !read.ok ? read.reason : otherRun(read.result, run);
      if (wrong !== undefined || !read.ok) {
        return { run, state: "bad", attemptsMade, result: { ...base, error: `the result of the job under its id is not this run's: ${wrong}` } };
      }
      const value = read.result;
      return { run, state, attemptsMade, result: executedFromResult(value), worker: value.worker, ...(value.resumedFrom !== undefined ? { resumedFrom: value.resumedFrom } : {}) };
    }
    if (state === "failed") {
      const tries = Math.max(attemptsMade, 1);
      return { run, state, attemptsMade, result: { ...base, error: `${job.failedReason || "failed"} (${tries} attempt${tries === 1 ? "" : "s"})` } };
    }
    return { run, state, attemptsMade, ...(isProgress(job.progress) ? { progress: job.progress } : {}) };
  }

  /**
   * The run's job, or (a job whose stored fields BullMQ cannot read, pushed by hand) why not:
   * one such job must not stop `gan sweep status` from showing the others.
   */
  private async readJob(runId: string): Promise<Job<RunJobData, RunJobResult> | UnreadableJobData | undefined> {
    try {
      return await this.queue.getJob(runId);
    } catch (error) {
      const client = await this.queue.client;
      const unreadable = unreadableJob(await client.hgetall(this.queue.toKey(runId)), error as Error);
      if (unreadable === undefined) throw error;
      return unreadable.data;
    }
  }

  /** The state of every run of the sweep, in its order. */
  async states(definition: SweepDefinition): Promise<RunState[]> {
    return Promise.all(definition.runs.map((run) => this.stateOf(run)));
  }
}
