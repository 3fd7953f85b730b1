import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { writeOutputFile } from "../files.js";
import { output } from "../io.js";
import { planFromSpec } from "../spec.js";

export const command: Command = {
  name: "compile",
  usage: "gan compile FILE [-o PLAN.json]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs("compile", argv, { out: { type: "string", short: "o" } }, { min: 1, max: 1 });
    const plan = await planFromSpec(positionals[0]!);
    const json = `${JSON.stringify(plan, null, 2)}\n`;
    if (values.out === undefined) {
      output.out(json);
    } else {
      writeOutputFile(values.out, json, "the plan");
      output.err(`wrote ${values.out}\n`);
    }
    return 0;
  },
};
