/**
 * The `gan` command: dispatches to a subcommand and turns user errors into one-line messages
 * and exit codes (1: the input is wrong, 2: the command line is wrong). A stack trace is only
 * ever printed for an internal error, which is a bug in gan.
 */
import { readFileSync } from "node:fs";
import type { Command } from "./command.js";
import { output } from "./io.js";
import { nearest } from "./suggest.js";

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * The commands, each with its one-line summary for `gan help`. Modules are imported only for
 * the command that runs (or whose help is asked for): `gan check` does not load TensorFlow.js
 * and `gan help` loads none of them, so both start fast (bench/RESULTS.md, "Start-up").
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  compile: { summary: "parse and check a .gan file, resolve its tricks, print the plan", load: () => import("./commands/compile.js") },
  check: { summary: "report every problem of a .gan file (exit 1 when there are errors)", load: () => import("./commands/check.js") },
  fmt: { summary: "rewrite .gan files in the canonical layout (--check: only report)", load: () => import("./commands/fmt.js") },
  grammar: { summary: "write the railroad diagrams of the .gan grammar as an HTML page", load: () => import("./commands/grammar.js") },
  tricks: { summary: "list the trick packages installed here, with their options and defaults", load: () => import("./commands/tricks.js") },
  new: { summary: "scaffold a trick package that builds, tests and publishes as generated", load: () => import("./commands/new.js") },
  train: { summary: "train a .gan spec or a plan.json; writes runs/<name>/<time>/ and measures the finished run", load: () => import("./commands/train.js") },
  sample: { summary: "draw samples from a run's trained generator (2-D data as CSV, images as a PNG grid; --class: one class of a conditional run)", load: () => import("./commands/sample.js") },
  eval: { summary: "measure a run: modes and reverse KL for 2-D mixtures; Fréchet distance, KID, precision/recall, density/coverage on features (MNIST classifier, emoji classifier, the spec's or --features MODEL.json, raw vectors); writes eval.json", load: () => import("./commands/eval.js") },
  ablate: { summary: "train a spec as written and without each of its tricks (or with others added), over seeds; a table of the metrics", load: () => import("./commands/ablate.js") },
  doctor: { summary: "name what went wrong in a run (mode collapse, D winning, vanishing gradients, oscillation, NaN), with the evidence and the tricks for it", load: () => import("./commands/doctor.js") },
  compare: { summary: "several runs side by side: a table of their metrics and an HTML page with it, their curves and latest samples", load: () => import("./commands/compare.js") },
  report: { summary: "write a run's report.html: loss curves, trick scalars, samples over time, metrics, the plan", load: () => import("./commands/report.js") },
  sweep: { summary: "train a spec over a grid of trick options and seeds, here or on gan workers (--queue); a table of the metrics", load: () => import("./commands/sweep.js") },
  worker: { summary: "take runs of sweeps and ablations from a Redis queue: train, evaluate, store them in the artifacts directory", load: () => import("./commands/worker.js") },
};

/** Registers a command module under a name (a new command needs its summary; a known one keeps it). */
export function registerCommand(name: string, load: () => Promise<{ command: Command }>, summary?: string): void {
  COMMANDS[name] = { summary: summary ?? COMMANDS[name]?.summary ?? "", load };
}

async function help(name?: string): Promise<number> {
  if (name !== undefined) {
    const entry = COMMANDS[name];
    if (!entry) throw await unknownCommand(name);
    const { command } = await entry.load();
    output.out(`${entry.summary}\n\nusage: ${command.usage}\n`);
    return 0;
  }
  const lines = [`gan ${VERSION}: GAN training with the tricks that make it work`, "", "usage: gan <command> [options]", "", "commands:"];
  for (const [commandName, { summary }] of Object.entries(COMMANDS)) lines.push(`  ${commandName.padEnd(10)} ${summary}`);
  lines.push("", "gan help <command> shows the options of one command.");
  output.out(`${lines.join("\n")}\n`);
  return 0;
}

/** @gan/core (and with it TensorFlow.js) is imported only when a command runs or fails. */
async function unknownCommand(name: string): Promise<Error> {
  const { UsageError } = await import("@gan/core");
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
    const entry = COMMANDS[name];
    if (!entry) throw await unknownCommand(name);
    const { command } = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) return await help(name);
    return await command.run(rest);
  } catch (error) {
    const { isUserError } = await import("@gan/core");
    if (isUserError(error)) {
      if (error.message) output.err(`gan: ${error.message}\n`);
      return (error as { exitCode?: number }).exitCode ?? 1;
    }
    output.err(`gan: internal error (a bug in gan, please report it):\n${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}
