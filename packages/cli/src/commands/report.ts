import { displayPath } from "../display-path.js";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { output } from "../io.js";
import { writeReport } from "../report/write-report.js";

export const command: Command = {
  name: "report",
  usage: "gan report RUN_DIR [-o FILE]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs("report", argv, { out: { type: "string", short: "o" } }, { min: 1, max: 1 });
    const file = writeReport(positionals[0]!, values.out);
    output.err(`wrote ${displayPath(file)}\n`);
    return 0;
  },
};
