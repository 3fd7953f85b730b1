import { grammarDiagramsHtml } from "@gan/dsl";
import { UsageError } from "@gan/core";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { writeOutputFile } from "../files.js";
import { output } from "../io.js";

export const command: Command = {
  name: "grammar",
  usage: "gan grammar --html FILE",
  async run(argv) {
    const { values } = parseCommandArgs("grammar", argv, { html: { type: "string" } }, { min: 0, max: 0 });
    if (values.html === undefined) throw new UsageError("gan grammar: --html FILE is required");
    writeOutputFile(values.html, grammarDiagramsHtml(), "the grammar diagrams");
    output.err(`wrote ${values.html}\n`);
    return 0;
  },
};
