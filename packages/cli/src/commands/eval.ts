import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "@gan/core";
import { BACKENDS, type BackendName } from "@gan/plan";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { evaluateRun, writeEvalReport, type EvalReport } from "../eval/evaluate-run.js";
import { displayPath } from "../display-path.js";
import { output } from "../io.js";
import { REPORT_FILE, writeReport } from "../report/write-report.js";

const FORMATS = ["table", "json"] as const;

function fixed(value: number | null, digits: number): string {
  return value === null ? "n/a (no high-quality sample)" : value.toFixed(digits);
}

/** The report as a two-column table for a terminal. */
export function formatEvalTable(report: EvalReport): string {
  const m = report.metrics;
  const rows: [string, string][] = [];
  if (m.kind === "mixture") {
    rows.push(
      ["modes captured", `${m.modes} / ${m.totalModes}`],
      ["high quality", `${(m.highQuality * 100).toFixed(1)}%  (within 3 std = ${+(3 * m.std).toPrecision(3)} of a mean)`],
      ["reverse KL", fixed(m.reverseKL, 4)],
    );
  } else {
    rows.push(
      ["Fréchet distance", `${m.frechetDistance.toFixed(3)}  (classifier features, against the MNIST test split)`],
      ["floor", `${m.frechetFloor.toFixed(3)}  (${report.samples} MNIST training images against the test split)`],
      ["classifier score", `${m.classifierScore.toFixed(3)}  (of 10)`],
    );
    if (m.clippedPixels > 0) rows.push(["clipped pixels", `${m.clippedPixels} outside [0, 1]`]);
  }
  const weights = `${report.weightsFrom}${report.ema ? " (EMA weights, @gan/ema)" : ""}`;
  rows.push(
    ["samples", `${report.samples} (seed ${report.seed})`],
    ["weights", `${weights}, step ${report.steps ?? "?"}`],
  );
  const width = Math.max(...rows.map(([name]) => name.length));
  return `${report.name}\n${rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join("\n")}\n`;
}

export const command: Command = {
  name: "eval",
  summary: "measure a run: modes and reverse KL for 2-D mixtures, Fréchet distance for MNIST; writes eval.json",
  usage: "gan eval RUN_DIR [--format table|json] [-n N] [--seed S] [--backend B] [--tricks-from DIR]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "eval",
      argv,
      {
        format: { type: "string" },
        n: { type: "string", short: "n" },
        seed: { type: "string" },
        backend: { type: "string" },
        "tricks-from": { type: "string" },
      },
      { min: 1, max: 1 },
    );
    const runDir = positionals[0]!;
    const format = values.format ?? "table";
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`gan eval: --format must be one of ${FORMATS.join(", ")}, got '${format}'`);
    if (values.backend !== undefined && !(BACKENDS as readonly string[]).includes(values.backend)) {
      throw new UsageError(`gan eval: --backend must be one of ${BACKENDS.join(", ")}, got '${values.backend}'`);
    }
    const count = integerFlag("eval", "n", values.n, 1);
    const seed = integerFlag("eval", "seed", values.seed, 0);
    const report = await evaluateRun(runDir, {
      ...(count !== undefined ? { count } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(values.backend !== undefined ? { backend: values.backend as BackendName } : {}),
      tricksFrom: values["tricks-from"] ?? process.cwd(),
      warn: (message) => output.err(`warning: ${message}\n`),
    });
    const file = writeEvalReport(runDir, report);
    // A report written before the evaluation shows the metrics from now on.
    if (existsSync(path.join(runDir, REPORT_FILE))) {
      try {
        writeReport(runDir);
      } catch (error) {
        output.err(`warning: report.html was not refreshed: ${(error as Error).message}\n`);
      }
    }
    if (format === "json") output.out(`${JSON.stringify(report, null, 2)}\n`);
    else {
      output.out(formatEvalTable(report));
      output.err(`wrote ${displayPath(file)}\n`);
    }
    return 0;
  },
};
