import { UsageError } from "@gan/core";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { summaryMarkdown } from "../experiment/summarise.js";
import { compareHtml } from "../compare/compare-html.js";
import { compareSummary, expandRunDirs, readComparedRuns } from "../compare/compare-runs.js";
import { displayPath } from "../display-path.js";
import { writeFileAtomic } from "../files.js";
import { output } from "../io.js";

const FORMATS = ["table", "json"] as const;
const DEFAULT_HTML = "compare.html";

export const command: Command = {
  name: "compare",
  usage:
    "gan compare RUN_DIR... [-o FILE.html] [--format table|json]\n" +
    "Several runs side by side: a table of their metrics (eval.json's, each named with its features; the steps;\n" +
    "the last losses) and an HTML page (default compare.html) with that table, their curves on shared charts and\n" +
    "their latest samples. A directory of runs (runs/ring8/) stands for every run in it.",
  async run(argv) {
    const { values, positionals } = parseCommandArgs("compare", argv, { out: { type: "string", short: "o" }, format: { type: "string" } }, { min: 1, max: Infinity });
    const format = values.format ?? "table";
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`gan compare: --format must be one of ${FORMATS.join(", ")}, got '${format}'`);
    const runs = readComparedRuns(expandRunDirs(positionals));
    const summary = compareSummary(runs);
    const file = values.out ?? DEFAULT_HTML;
    writeFileAtomic(file, compareHtml(runs, summary));
    if (format === "json") {
      output.out(`${JSON.stringify({ runs: runs.map((run) => ({ label: run.label, runDir: run.data.runDir })), ...summary }, null, 2)}\n`);
    } else {
      output.out(summaryMarkdown(summary, { rowTitle: "run", runCounts: false }));
      output.out(`\n${runs.map((run) => `${run.label}: ${run.data.runDir}`).join("\n")}\n`);
    }
    output.err(`wrote ${displayPath(file)}\n`);
    return 0;
  },
};
