import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "@gan/core";
import { BACKENDS, type BackendName } from "@gan/plan";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { evaluateAndRecord } from "../eval/evaluate-run.js";
import { formatEvalTable } from "../eval/format-eval.js";
import { displayPath } from "../display-path.js";
import { output } from "../io.js";
import { REPORT_FILE, writeReport } from "../report/write-report.js";

const FORMATS = ["table", "json"] as const;

export const command: Command = {
  name: "eval",
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
    const { report, file } = await evaluateAndRecord(runDir, {
      ...(count !== undefined ? { count } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(values.backend !== undefined ? { backend: values.backend as BackendName } : {}),
      tricksFrom: values["tricks-from"] ?? process.cwd(),
      warn: (message) => output.err(`warning: ${message}\n`),
    });
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
