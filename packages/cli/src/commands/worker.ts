import os from "node:os";
import path from "node:path";
import { existsSync } from "node:fs";
import { UsageError, UserError } from "@gan/core";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { output } from "../io.js";
import { DEFAULT_STALL_SECONDS, startWorker } from "../queue/worker-loop.js";
import { DEFAULT_ARTIFACTS } from "./sweep.js";

export const command: Command = {
  name: "worker",
  usage:
    "gan worker --queue redis://HOST:PORT [--concurrency C] [--artifacts DIR] [--stall-seconds S] [--tricks-from DIR] [--allow-tricks-from DIR]...\n\n" +
    "  --concurrency C    runs at a time, each in its own processes (default: cores - 1, at least 1)\n" +
    "  --artifacts DIR    where runs are stored, by run id: a path every worker and the sweep share (default runs/artifacts)\n" +
    `  --stall-seconds S  a run whose worker is silent this long goes to another worker, which resumes it (default ${DEFAULT_STALL_SECONDS}; all workers should agree)\n` +
    "  --tricks-from DIR  where every run's trick packages are resolved from, whatever the job says\n" +
    "                     (default: the spec's directory when it exists here and lies in this worker's project, else the working directory)\n" +
    "  --allow-tricks-from DIR  also accept jobs whose spec's directory lies under DIR (repeatable); a job from outside\n" +
    "                     the worker's project (the nearest directory above the working directory with a lockfile) is rejected\n\n" +
    "Jobs are checked before anything is done for them (run ids, paths that stay under --artifacts, the plan, where\n" +
    "tricks come from); a job that fails the check goes to failed with the reason and is not retried.",
  async run(argv) {
    const { values } = parseCommandArgs(
      "worker",
      argv,
      {
        queue: { type: "string" },
        concurrency: { type: "string" },
        artifacts: { type: "string" },
        "stall-seconds": { type: "string" },
        "tricks-from": { type: "string" },
        "allow-tricks-from": { type: "string", multiple: true },
      },
      { min: 0, max: 0 },
    );
    if (values.queue === undefined) throw new UsageError("gan worker: --queue redis://HOST:PORT is required (the Redis the sweeps are submitted to)");
    const concurrency = integerFlag("worker", "concurrency", values.concurrency, 1) ?? Math.max(1, os.availableParallelism() - 1);
    const stallSeconds = integerFlag("worker", "stall-seconds", values["stall-seconds"], 1) ?? DEFAULT_STALL_SECONDS;
    const artifacts = path.resolve(values.artifacts ?? DEFAULT_ARTIFACTS);
    const tricksFrom = values["tricks-from"] !== undefined ? path.resolve(values["tricks-from"]) : undefined;
    if (tricksFrom !== undefined && !existsSync(tricksFrom)) throw new UserError(`gan worker: --tricks-from ${tricksFrom}: no such directory`);
    const allowTricksFrom = (values["allow-tricks-from"] ?? []).map((dir) => path.resolve(dir));
    const missing = allowTricksFrom.find((dir) => !existsSync(dir));
    if (missing !== undefined) throw new UserError(`gan worker: --allow-tricks-from ${missing}: no such directory`);

    const worker = await startWorker({
      url: values.queue,
      concurrency,
      artifacts,
      stallSeconds,
      ...(tricksFrom !== undefined ? { tricksFrom } : {}),
      allowTricksFrom,
      log: (line) => output.err(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
    });
    // First Ctrl-C (or SIGTERM): runs checkpoint and go back to the queue. A second: exit now.
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(130);
      worker.stop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await worker.closed;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    output.err("worker stopped\n");
    return 0;
  },
};
