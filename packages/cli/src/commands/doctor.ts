import path from "node:path";
import { RUN_FILES, UsageError, UserError } from "@gan/core";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { displayPath } from "../display-path.js";
import { diagnose } from "../doctor/diagnose.js";
import type { MetricsLine } from "../doctor/finding.js";
import { formatDiagnosis } from "../doctor/format-diagnosis.js";
import { output } from "../io.js";
import { readRunData } from "../report/run-data.js";

const FORMATS = ["text", "json"] as const;

export const command: Command = {
  name: "doctor",
  usage: "gan doctor RUN_DIR [--format text|json]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs("doctor", argv, { format: { type: "string" } }, { min: 1, max: 1 });
    const runDir = positionals[0]!;
    const format = values.format ?? "text";
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`gan doctor: --format must be one of ${FORMATS.join(", ")}, got '${format}'`);
    const run = readRunData(runDir);
    // A run that failed before its first logged step still has run.json's error to diagnose.
    if (run.metrics.length === 0 && run.info?.status !== "failed") {
      throw new UserError(`${displayPath(path.join(runDir, RUN_FILES.metrics))}: no logged step to diagnose (the run has not logged yet, or the file is missing or damaged)`);
    }
    const diagnosis = diagnose({
      metrics: run.metrics as MetricsLine[],
      loss: run.plan.loss.kind,
      tricksInSpec: run.plan.tricks.map((trick) => trick.package),
      eval: run.eval,
      status: run.info?.status,
      error: run.info?.error,
    });
    if (format === "json") output.out(`${JSON.stringify({ run: runDir, name: run.plan.name, loggedSteps: run.metrics.length, ...diagnosis }, null, 2)}\n`);
    else output.out(formatDiagnosis(`${run.plan.name} (${displayPath(runDir)}, ${run.metrics.length} logged steps, loss ${run.plan.loss.kind})`, diagnosis));
    return 0;
  },
};
