import { UsageError } from "@gan/core";
import { shownMessage } from "@gan/dsl";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { output } from "../io.js";
import { memoryBudget } from "../memory-budget.js";
import { compileSpec, hasErrors, printDiagnostics } from "../spec.js";

export const command: Command = {
  name: "check",
  usage: "gan check FILE [--format text|json] [--memory-budget SIZE]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs("check", argv, { format: { type: "string", default: "text" }, "memory-budget": { type: "string" } }, { min: 1, max: 1 });
    const file = positionals[0]!;
    if (values.format !== "text" && values.format !== "json") throw new UsageError(`gan check: --format must be 'text' or 'json', got '${values.format}'`);
    // The estimate of what training needs is checked against this (GAN_MEMORY_BUDGET, or 4 GiB).
    const { text, diagnostics } = await compileSpec(file, memoryBudget("check", values["memory-budget"]));
    if (values.format === "json") {
      // The message cut as the text form cuts it: a 10 MB token is not quoted whole.
      const rows = diagnostics.map(({ file, line, column, severity, message }) => ({ file, line, column, severity, message: shownMessage(message) }));
      output.out(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (diagnostics.length === 0) {
      output.out(`${file}: ok\n`);
    } else {
      printDiagnostics(diagnostics, text);
    }
    return hasErrors(diagnostics) ? 1 : 0;
  },
};
