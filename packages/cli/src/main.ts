/**
 * The `gan` command: dispatches to a subcommand and turns user errors into one-line messages
 * and exit codes (1: the input is wrong, 2: the command line is wrong). A stack trace is only
 * ever printed for an internal error, which is a bug in gan.
 */
import { readFileSync } from "node:fs";
import { UsageError, isUserError } from "@gan/core";
import type { Command } from "./command.js";
import { output } from "./io.js";
import { nearest } from "./suggest.js";

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Commands are imported lazily so that `gan check` does not pay for loading TensorFlow.js. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  compile: () => import("./commands/compile.js"),
  check: () => import("./commands/check.js"),
  fmt: () => import("./commands/fmt.js"),
  grammar: () => import("./commands/grammar.js"),
  tricks: () => import("./commands/tricks.js"),
  new: () => import("./commands/new.js"),
  train: () => import("./commands/train.js"),
  sample: () => import("./commands/sample.js"),
  eval: () => import("./commands/eval.js"),
  ablate: () => import("./commands/ablate.js"),
  report: () => import("./commands/report.js"),
  sweep: () => import("./commands/sweep.js"),
  worker: () => import("./commands/worker.js"),
};

/** Registers a command module (used for commands that live in their own files, e.g. train). */
export function registerCommand(name: string, load: () => Promise<{ command: Command }>): void {
  COMMANDS[name] = load;
}

async function help(name?: string): Promise<number> {
  if (name !== undefined) {
    const load = COMMANDS[name];
    if (!load) throw unknownCommand(name);
    const { command } = await load();
    output.out(`${command.summary}\n\nusage: ${command.usage}\n`);
    return 0;
  }
  const lines = [`gan ${VERSION}: GAN training with the tricks that make it work`, "", "usage: gan <command> [options]", "", "commands:"];
  for (const [commandName, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${commandName.padEnd(10)} ${command.summary}`);
  }
  lines.push("", "gan help <command> shows the options of one command.");
  output.out(`${lines.join("\n")}\n`);
  return 0;
}

function unknownCommand(name: string): UsageError {
  const suggestion = nearest(name, Object.keys(COMMANDS));
  return new UsageError(`unknown command '${name}'${suggestion ? `, did you mean '${suggestion}'?` : ""} (gan help lists the commands)`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "help" || name === "--help" || name === "-h") return await help(rest[0]);
    if (name === "--version" || name === "-v") {
      output.out(`${VERSION}\n`);
      return 0;
    }
    const load = COMMANDS[name];
    if (!load) throw unknownCommand(name);
    const { command } = await load();
    if (rest.includes("--help") || rest.includes("-h")) return await help(name);
    return await command.run(rest);
  } catch (error) {
    if (isUserError(error)) {
      if (error.message) output.err(`gan: ${error.message}\n`);
      return (error as { exitCode?: number }).exitCode ?? 1;
    }
    output.err(`gan: internal error (a bug in gan, please report it):\n${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}
