/**
 * `gan ablate --queue URL`: the ablation's runs (the same run ids as a local ablation) go to
 * the queue as one sweep of kind "ablation", so `gan sweep status ID` and `gan sweep collect ID`
 * work for it too; ablate.ts writes its table as it does for local runs.
 */
import path from "node:path";
import type { Ablation, RunSpec } from "../ablation/expand.js";
import type { ExecutedRun } from "../ablation/run-children.js";
import { output } from "../io.js";
import { defineSweep } from "./definition.js";
import { SweepProgress } from "./progress.js";
import { runOnQueue } from "./run-on-queue.js";

export interface AblationOnQueue {
  ablation: Ablation;
  file: string;
  command: string;
  /** ablate.ts's bookkeeping for a finished run; `log` writes above the progress bar. */
  onResult(run: RunSpec, index: number, result: ExecutedRun, log: (line: string) => void): void;
}

/** Resolves with 0 once every run has finished or failed, 130 when Ctrl-C stopped the wait. */
export async function runAblationOnQueue(url: string, options: AblationOnQueue): Promise<number> {
  const { ablation } = options;
  const definition = defineSweep({ kind: "ablation", name: ablation.name, spec: options.file, command: options.command, seeds: ablation.seeds, runs: ablation.runs });
  const progress = new SweepProgress({ write: (text) => output.err(text), isTTY: process.stderr.isTTY === true, columns: process.stderr.columns });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  try {
    const { interrupted } = await runOnQueue({
      url,
      definition,
      runs: ablation.runs,
      tricksFrom: path.dirname(path.resolve(options.file)),
      progress,
      onResult: (index, result) => options.onResult(ablation.runs[index]!, index, result, (line) => progress.log(line)),
      signal: controller.signal,
    });
    progress.finish();
    if (!interrupted) return 0;
    output.err(
      `stopped following ablation ${definition.id}; its runs stay queued for the workers:\n` +
        `  gan sweep status ${definition.id} --queue ${url}\n  gan sweep collect ${definition.id} --queue ${url}\n`,
    );
    return 130;
  } finally {
    process.off("SIGINT", onSignal);
  }
}
