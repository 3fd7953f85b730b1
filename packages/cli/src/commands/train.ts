import path from "node:path";
import { UsageError } from "@gan/core";
import { appendRunLog, readPlanFile, readRunPlan, train, type TrainResult, type TrainingEvaluator } from "@gan/core/runtime";
import { BACKENDS, type BackendName, type Plan } from "@gan/plan";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { displayPath } from "../display-path.js";
import { output } from "../io.js";
import { checkPlanMemory } from "../memory-budget.js";
import { planFromSpec } from "../spec.js";
import { writeReport } from "../report/write-report.js";
import { evaluateAndRecord, evaluationKind } from "../eval/evaluate-run.js";
import { formatEvalLine } from "../eval/format-eval.js";
import { trainingEvaluator } from "../eval/during-training.js";

/** Exit codes of a run stopped by a signal, as shells report them (128 + signal number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

function backendFlag(value: string | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new UsageError(`gan train: --backend must be one of ${BACKENDS.join(", ")}, got '${value}'`);
  }
  return value as BackendName;
}

/** What was trained and where it is; the evaluation's line follows it. */
function summary(result: TrainResult, seconds: number): string {
  const last = result.lastMetrics;
  const losses = last ? `, last D loss ${last.d_loss?.toFixed(4) ?? "-"}, G loss ${last.g_loss?.toFixed(4) ?? "-"}` : "";
  const verb = result.stopped ? "stopped after" : "trained";
  // Evaluation during training is reported apart: its seconds and its share of the run.
  const evaluation =
    result.evaluationSeconds > 0
      ? `\nevaluation during training: ${result.evaluationSeconds.toFixed(1)} s over the run, ${((100 * result.evaluationSeconds) / (result.evaluationSeconds + result.trainingSeconds)).toFixed(1)}% of its time (training ${result.trainingSeconds.toFixed(1)} s)`
      : "";
  const early = result.stoppedEarly ? `\nstopped early at step ${result.stoppedEarly.step}: ${result.stoppedEarly.reason}` : "";
  return `${verb} ${result.steps} steps on ${result.backend.name} in ${seconds.toFixed(1)} s${losses}${evaluation}${early}\nrun directory: ${displayPath(result.runDir)}\n`;
}

/** The backend's fallback note, and how to go on with a stopped run. */
function afterword(result: TrainResult): string {
  return (
    (result.backend.note ? `note: ${result.backend.note}\n` : "") +
    (result.stopped ? `continue with: gan train --resume ${displayPath(result.runDir)}\n` : "")
  );
}

/** report.html at the end of every run; a report that cannot be written must not fail the training. */
function writeRunReport(runDir: string): void {
  try {
    writeReport(runDir);
  } catch (error) {
    output.err(`warning: report.html was not written: ${(error as Error).message}\n`);
  }
}

/**
 * The end of a finished run: its metrics (as `gan eval` measures them, into eval.json and
 * log.txt), printed as one line. An evaluation that fails leaves the run as it is, finished,
 * and says so: the training's exit code stands.
 */
export async function evaluateFinishedRun(result: TrainResult, tricksFrom: string): Promise<boolean> {
  if (evaluationKind(result.plan).kind === undefined) return false;
  try {
    const { report } = await evaluateAndRecord(result.runDir, {
      backend: result.backend.name,
      tricksFrom,
      warn: (message) => output.err(`warning: ${message}\n`),
    });
    output.err(`${formatEvalLine(report)}\n`);
    return true;
  } catch (error) {
    const message = `the evaluation failed: ${(error as Error).message} (the run itself is complete; gan eval ${displayPath(result.runDir)} tries again)`;
    appendRunLog(result.runDir, `warning: ${message}`);
    output.err(`warning: ${message}\n`);
    return false;
  }
}

/** `eval every`'s metrics for core's loop, when the plan (or, resuming, the run's plan) has them. */
function evaluatorOf(plan: Plan): { evaluator?: TrainingEvaluator } {
  const evaluator = trainingEvaluator(plan);
  return evaluator ? { evaluator } : {};
}

export const command: Command = {
  name: "train",
  usage:
    "gan train FILE|plan.json [--backend auto|tensorflow|blas|wasm|cpu] [--steps N] [--seed S] [--out DIR] [--tricks-from DIR]\n" +
    "                          [--on-nan stop|rollback] [--max-rollbacks K] [--on-bad-file stop|skip] [--no-eval]\n" +
    "                          [--init-from RUN_DIR|CHECKPOINT_DIR [--init-networks both|generator]]\n" +
    "       gan train [FILE] --resume RUN_DIR [--steps N] [--backend B] [--no-eval]\n" +
    "A finished run is evaluated as gan eval does (2-D mixtures, MNIST-shaped images, vectors; other images need\n" +
    "gan eval --features): eval.json, and one line with the metrics after the run directory. --no-eval skips it.\n" +
    "--init-from starts a new run from another run's networks (its newest checkpoint, or the one named), weights only:\n" +
    "the plan may differ (a trick added) as long as G's and D's weights keep their names and shapes; --init-networks generator\n" +
    "loads G alone (D starts afresh: a trick that reshapes D).\n" +
    "--on-bad-file: an images folder's file that cannot be decoded stops the run (stop, the default unless the\n" +
    "spec says onBadFile) or is skipped, each skipped file named in the run's log (skip).",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "train",
      argv,
      {
        backend: { type: "string" },
        steps: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        resume: { type: "string" },
        "init-from": { type: "string" },
        "init-networks": { type: "string" },
        "tricks-from": { type: "string" },
        "on-nan": { type: "string" },
        "on-bad-file": { type: "string" },
        "max-rollbacks": { type: "string" },
        "no-eval": { type: "boolean" },
      },
      { min: 0, max: 1 },
    );
    const file = positionals[0];
    if (file === undefined && values.resume === undefined) throw new UsageError("gan train: missing argument: a .gan file or a plan.json");
    const steps = integerFlag("train", "steps", values.steps, 1);
    const seed = integerFlag("train", "seed", values.seed, 0);
    const backend = backendFlag(values.backend);
    const onNan = values["on-nan"];
    if (onNan !== undefined && onNan !== "stop" && onNan !== "rollback") {
      throw new UsageError(`gan train: --on-nan must be stop or rollback, got '${onNan}'`);
    }
    const onBadFile = values["on-bad-file"];
    if (onBadFile !== undefined && onBadFile !== "stop" && onBadFile !== "skip") {
      throw new UsageError(`gan train: --on-bad-file must be stop or skip, got '${onBadFile}'`);
    }
    const maxRollbacks = integerFlag("train", "max-rollbacks", values["max-rollbacks"], 0);
    if (values.resume !== undefined && values["init-from"] !== undefined) {
      throw new UsageError("gan train: --resume continues a run; --init-from starts a new one from another run's weights: give one of them");
    }
    const initNetworks = values["init-networks"];
    if (initNetworks !== undefined && initNetworks !== "both" && initNetworks !== "generator") {
      throw new UsageError(`gan train: --init-networks must be both or generator, got '${initNetworks}'`);
    }
    if (initNetworks !== undefined && values["init-from"] === undefined) throw new UsageError("gan train: --init-networks goes with --init-from");
    if (values.resume !== undefined && seed !== undefined) {
      throw new UsageError("gan train: --seed cannot change when resuming (the checkpoint continues the run's own random streams)");
    }

    let plan: Plan;
    if (file === undefined) plan = readRunPlan(values.resume!);
    else if (file.endsWith(".json")) {
      plan = readPlanFile(file);
      checkPlanMemory(plan, file);
    }
    // --on-bad-file skip lets the spec compile past the files that training will skip.
    else plan = await planFromSpec(file, onBadFile !== undefined ? { onBadFile } : {});

    // First Ctrl-C (or SIGTERM): finish the step, write a checkpoint, exit 130 (143). A second: exit now.
    const controller = new AbortController();
    let received: keyof typeof SIGNAL_EXIT | undefined;
    const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
      if (received) process.exit(SIGNAL_EXIT[signal]);
      received = signal;
      output.err(`\n${signal}: stopping after this step and writing a checkpoint (again to quit at once)\n`);
      controller.abort();
    };
    const onInt = () => onSignal("SIGINT");
    const onTerm = () => onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    // A plan.json written elsewhere (gan ablate's plans/) names where its tricks are installed.
    const tricksFrom = values["tricks-from"] ?? (file === undefined ? process.cwd() : path.dirname(path.resolve(file)));
    const started = performance.now();
    let result: TrainResult;
    try {
      result = await train(plan, {
        ...(backend ? { backend } : {}),
        ...(steps !== undefined ? { steps } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(values.out !== undefined ? { out: values.out } : {}),
        ...(values.resume !== undefined ? { resume: values.resume } : {}),
        ...(values["init-from"] !== undefined ? { initFrom: values["init-from"] } : {}),
        ...(initNetworks !== undefined ? { initNetworks } : {}),
        ...(onNan !== undefined ? { onNan } : {}),
        ...(onBadFile !== undefined ? { onBadFile } : {}),
        ...(maxRollbacks !== undefined ? { maxRollbacks } : {}),
        ...evaluatorOf(plan),
        tricksFrom,
        signal: controller.signal,
        progress: { write: (text: string) => output.err(text), isTTY: process.stderr.isTTY, columns: process.stderr.columns },
      });
    } finally {
      // From here on the run is complete on disk: a Ctrl-C during the evaluation just ends the process.
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    }
    output.err(summary(result, (performance.now() - started) / 1000));
    // Before the evaluation, so that a run whose evaluation is interrupted or fails has its report too.
    writeRunReport(result.runDir);
    // A stopped run is not finished: it is measured when it is (or by gan eval).
    if (!result.stopped && values["no-eval"] !== true && (await evaluateFinishedRun(result, tricksFrom))) writeRunReport(result.runDir);
    output.err(afterword(result));
    return result.stopped && received ? SIGNAL_EXIT[received] : 0;
  },
};
