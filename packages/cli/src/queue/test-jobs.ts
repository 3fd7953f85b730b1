/**
 * Jobs for the tests of what a worker accepts: a valid one, as `gan sweep` submits it, and a
 * way to push any payload into the queue by hand, as someone with access to the Redis could.
 * Not part of the package (tests only).
 */
import { planHash } from "@gan/plan";
import { Queue } from "bullmq";
import { tinyRingPlan } from "../commands/test-train-helpers.js";
import { bullConnection, KEY_PREFIX, QUEUE_NAME } from "./connection.js";
import { JOB_NAME, type RunJobData } from "./job.js";

export function validJob(tricksFrom: string): RunJobData {
  const plan = tinyRingPlan() as unknown as RunJobData["plan"];
  const hash = planHash(plan);
  return { runId: `as-written-s1-${hash.slice(0, 10)}`, variant: "as-written", label: "as written", seed: 1, planHash: hash, plan, tricksFrom };
}

/** What is pushed: data as an object (stored as its JSON), or the raw text stored as the job's data. */
export type Payload = { data: unknown } | { raw: string };

/** The runs queue, for pushing jobs by hand. */
export class HandQueue {
  private readonly queue: Queue;
  constructor(url: string) {
    this.queue = new Queue(QUEUE_NAME, { connection: bullConnection(url), prefix: KEY_PREFIX });
  }

  /**
   * Adds a job with the retries `gan sweep` gives its jobs. Raw text is written over the
   * stored data while the queue is paused, so that no worker reads the job before.
   */
  async push(id: string, payload: Payload): Promise<void> {
    const options = { jobId: id, attempts: 2, backoff: { type: "fixed", delay: 100 }, removeOnComplete: false, removeOnFail: false };
    if ("data" in payload) {
      await this.queue.add(JOB_NAME, payload.data, options);
      return;
    }
    await this.queue.pause();
    try {
      await this.queue.add(JOB_NAME, {}, options);
      const client = await this.queue.client;
      await client.hset(`${KEY_PREFIX}:${QUEUE_NAME}:${id}`, { data: payload.raw });
    } finally {
      await this.queue.resume();
    }
  }

  /** The job's state, failure reason and attempts, once it has failed or completed (undefined after `waitMs`). */
  async settled(id: string, waitMs: number): Promise<{ state: string; failedReason: string; attemptsMade: number } | undefined> {
    for (let waited = 0; waited <= waitMs; waited += 50) {
      const state = await this.queue.getJobState(id);
      if (state === "failed" || state === "completed") {
        const client = await this.queue.client;
        const [failedReason, attemptsMade] = await client.hmget(`${KEY_PREFIX}:${QUEUE_NAME}:${id}`, "failedReason", "atm");
        return { state, failedReason: failedReason ?? "", attemptsMade: Number(attemptsMade ?? 0) };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
