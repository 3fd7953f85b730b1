import path from "node:path";
import { UsageError, UserError } from "@gan/core";
import { RUN_FILES } from "@gan/core/runtime";
import { describeLoss } from "@gan/plan";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { displayPath } from "../display-path.js";
import { diagnose } from "../doctor/diagnose.js";
import type { MetricsLine } from "../doctor/finding.js";
import { formatDiagnosis } from "../doctor/format-diagnosis.js";
import { formatTries } from "../doctor/try/format-tries.js";
import { tryTricks } from "../doctor/try/try-tricks.js";
import { writeFileAtomic } from "../files.js";
import { output } from "../io.js";
import { readRunData } from "../report/run-data.js";
import { defaultJobs } from "../experiment/run-experiment.js";

const FORMATS = ["text", "json"] as const;
/** --try's defaults: short tries (a fifth of ring8's run) on two seeds, enough to see a trick move the measure. */
export const TRY_DEFAULTS = { steps: 1000, seeds: 2 } as const;

export const command: Command = {
  name: "doctor",
  usage:
    "gan doctor RUN_DIR [--format text|json]\n" +
    "       gan doctor RUN_DIR --try [--spec FILE] [--steps N] [--seeds N] [--jobs J] [--out DIR] [--format text|json]\n" +
    `--try trains the tricks it proposes from the run's last checkpoint (gan train --init-from), each beside a control\n` +
    `that continues the spec unchanged, ${TRY_DEFAULTS.steps} steps (at most the run's own) on ${TRY_DEFAULTS.seeds} seeds by default, and says which helped on\n` +
    "the finding's own measure (modes for mode collapse, D accuracy for D winning, ...). The tries go to\n" +
    "RUN_DIR/doctor-try/step-NNNNNN (try.md, try.json) unless --out DIR; --spec is the run's .gan file when it is not\n" +
    "in the working directory unchanged.",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "doctor",
      argv,
      {
        format: { type: "string" },
        try: { type: "boolean" },
        spec: { type: "string" },
        steps: { type: "string" },
        seeds: { type: "string" },
        jobs: { type: "string" },
        out: { type: "string" },
      },
      { min: 1, max: 1 },
    );
    const runDir = positionals[0]!;
    const format = values.format ?? "text";
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`gan doctor: --format must be one of ${FORMATS.join(", ")}, got '${format}'`);
    const tryOnly = (["spec", "steps", "seeds", "jobs", "out"] as const).find((flag) => values[flag] !== undefined);
    if (!values.try && tryOnly !== undefined) throw new UsageError(`gan doctor: --${tryOnly} is an option of --try`);
    const steps = integerFlag("doctor", "steps", values.steps, 1);
    const seeds = integerFlag("doctor", "seeds", values.seeds, 1) ?? TRY_DEFAULTS.seeds;
    const jobs = integerFlag("doctor", "jobs", values.jobs, 1) ?? defaultJobs();
    const run = readRunData(runDir);
    // A run that failed before its first logged step still has run.json's error to diagnose.
    if (run.metrics.length === 0 && run.info?.status !== "failed") {
      throw new UserError(`${displayPath(path.join(runDir, RUN_FILES.metrics))}: no logged step to diagnose (the run has not logged yet, or the file is missing or damaged)`);
    }
    const diagnosis = diagnose({
      metrics: run.metrics as MetricsLine[],
      loss: run.plan.loss,
      tricksInSpec: run.plan.tricks.map((trick) => trick.package),
      eval: run.eval,
      status: run.info?.status,
      error: run.info?.error,
    });
    const label = `${run.plan.name} (${displayPath(runDir)}, ${run.metrics.length} logged steps, loss ${describeLoss(run.plan.loss)})`;
    if (!values.try) {
      if (format === "json") output.out(`${JSON.stringify({ run: runDir, name: run.plan.name, loggedSteps: run.metrics.length, ...diagnosis }, null, 2)}\n`);
      else output.out(formatDiagnosis(label, diagnosis));
      return 0;
    }
    // The diagnosis first, on stderr: what is about to be tried, and why.
    output.err(formatDiagnosis(label, diagnosis));
    const report = await tryTricks({
      runDir,
      plan: run.plan,
      diagnosis,
      ...(values.spec !== undefined ? { spec: values.spec } : {}),
      steps: steps ?? Math.min(TRY_DEFAULTS.steps, run.plan.train.steps),
      seeds,
      jobs,
      ...(values.out !== undefined ? { out: values.out } : {}),
      log: (line) => output.err(line),
    });
    const markdown = formatTries(report);
    writeFileAtomic(path.join(report.outDir, "try.md"), markdown);
    writeFileAtomic(path.join(report.outDir, "try.json"), `${JSON.stringify(report, null, 2)}\n`);
    output.out(format === "json" ? `${JSON.stringify(report, null, 2)}\n` : markdown);
    output.err(`wrote ${displayPath(path.join(report.outDir, "try.md"))} and try.json\n`);
    return 0;
  },
};
