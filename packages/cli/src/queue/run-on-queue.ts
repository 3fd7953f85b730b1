/**
 * `gan sweep --queue` and `gan ablate --queue`: submit the runs, then follow them to the end
 * with one progress bar, handing each run's row to the caller as it finishes or fails.
 * Workers are whoever runs `gan worker` on the same Redis; this process trains nothing.
 */
import type { RunSpec } from "../experiment/expand.js";
import type { ExecutedRun } from "../experiment/summarise.js";
import { shownUrl } from "./connection.js";
import type { SweepDefinition } from "./definition.js";
import type { SweepCounts, SweepProgress } from "../experiment/progress.js";
import { SweepQueue, type RunState } from "./sweep-queue.js";

export const POLL_MS = 1000;

export interface QueueRunOptions {
  url: string;
  definition: SweepDefinition;
  /** In the definition's order. */
  runs: readonly RunSpec[];
  /** Where the submitter resolves the spec's tricks (a worker on which it exists uses it too). */
  tricksFrom: string;
  progress: SweepProgress;
  /** The artifacts directory workers should be started with, for the hint when none is connected. */
  artifactsHint?: string;
  /** Called once per run, when it has completed or failed for good. */
  onResult(index: number, result: ExecutedRun): void;
  /** Aborting stops following the sweep (its runs stay queued). */
  signal?: AbortSignal;
  pollMs?: number;
}

export function countStates(states: readonly RunState[], steps: number): SweepCounts {
  const counts: SweepCounts = { total: states.length, finished: 0, failed: 0, running: 0, stepsDone: 0, stepsTotal: states.length * steps };
  for (const state of states) {
    if (state.state === "completed") {
      counts.finished++;
      counts.stepsDone += steps;
    } else if (state.state === "failed" || state.state === "missing" || state.state === "bad") {
      counts.failed++;
      counts.stepsDone += steps;
    } else if (state.state === "active") {
      counts.running++;
      if (state.progress) counts.stepsDone += Math.min(state.progress.step, steps);
    }
  }
  return counts;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Resolves with every run's row, or `interrupted` when the signal stopped the wait first. */
export async function runOnQueue(options: QueueRunOptions): Promise<{ results: (ExecutedRun | undefined)[]; interrupted: boolean }> {
  const { definition, progress } = options;
  let lastConnectionError = "";
  const queue = await SweepQueue.open(options.url, (error) => {
    if (error.message === lastConnectionError) return;
    lastConnectionError = error.message;
    progress.log(`Redis at ${shownUrl(options.url)}: ${error.message} (waiting for it; the workers go on)`);
  });
  const results: (ExecutedRun | undefined)[] = new Array(definition.runs.length).fill(undefined);
  try {
    await queue.storeDefinition(definition);
    const enqueued = await queue.enqueue(options.runs, options.tricksFrom);
    const parts = [
      `${enqueued.added} queued`,
      ...(enqueued.finished > 0 ? [`${enqueued.finished} finished before`] : []),
      ...(enqueued.retried > 0 ? [`${enqueued.retried} failed before, tried again`] : []),
      ...(enqueued.pending > 0 ? [`${enqueued.pending} queued before`] : []),
    ];
    const url = shownUrl(options.url);
    progress.log(`sweep ${definition.id} on ${url}: ${parts.join(", ")}`);
    progress.log(`  gan sweep status ${definition.id} --queue ${url}    (from any shell: where it stands)`);
    if ((await queue.workerCount()) === 0) {
      progress.log(
        `no gan worker is connected to ${url} yet: the runs wait for one. Start workers with\n` +
          `  gan worker --queue ${url}${options.artifactsHint ? ` --artifacts ${options.artifactsHint}` : ""}`,
      );
    }
    const pollMs = options.pollMs ?? POLL_MS;
    for (;;) {
      const states = await queue.states(definition);
      states.forEach((state, index) => {
        if (state.result && results[index] === undefined) {
          results[index] = state.result;
          options.onResult(index, state.result);
        }
      });
      progress.update(countStates(states, definition.steps));
      if (results.every((r) => r !== undefined)) return { results, interrupted: false };
      if (options.signal?.aborted) return { results, interrupted: true };
      await sleep(pollMs, options.signal);
    }
  } finally {
    await queue.close();
  }
}
