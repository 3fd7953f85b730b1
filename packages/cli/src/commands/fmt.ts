import { format } from "@gan/dsl";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { writeOutputFile } from "../files.js";
import { output } from "../io.js";
import { printDiagnostics, readSpec } from "../spec.js";

export const command: Command = {
  name: "fmt",
  usage: "gan fmt FILE... [--check]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs("fmt", argv, { check: { type: "boolean", default: false } }, { min: 1, max: Infinity });
    let status = 0;
    for (const file of positionals) {
      const text = readSpec(file);
      const result = format(text, file);
      if (result.text === undefined) {
        printDiagnostics(result.diagnostics, text);
        status = 1;
        continue;
      }
      if (result.text === text) continue;
      if (values.check) {
        output.out(`${file}: not formatted\n`);
        status = 1;
      } else {
        writeOutputFile(file, result.text, "the formatted spec");
        output.out(`${file}: formatted\n`);
      }
    }
    return status;
  },
};
