/**
 * `gan sweep`: the spec over a grid of trick options and seeds (experiment/grid.ts), run, recorded
 * and reported by the experiment runner (experiment/run-experiment.ts), here or on gan workers; and `gan sweep
 * status` and `collect`, which read a sweep back from its record or from the queue.
 */
import path from "node:path";
import { UsageError, UserError } from "@gan/core";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { displayPath } from "../display-path.js";
import { specCompiler } from "../experiment/expand.js";
import { expandSweep, parseGridFlag } from "../experiment/grid.js";
import { readSweepRecord, sweepDirectory, writeSweepRecord, SWEEP_FILE, SWEEP_MARKDOWN } from "../experiment/results.js";
import { announceExperiment, defaultJobs, reportExperiment, runAndRecord, type Executor } from "../experiment/run-experiment.js";
import { output } from "../io.js";
import { connectRedis } from "../queue/connection.js";
import { defineSweep, shellCommand, type SweepDefinition } from "../queue/definition.js";
import { countStates } from "../queue/run-on-queue.js";
import { SweepQueue, type RunState } from "../queue/sweep-queue.js";
import { readSpec } from "../spec.js";

/** Where runs and sweep results go unless --artifacts says otherwise; `gan worker` uses the same default. */
export const DEFAULT_ARTIFACTS = path.join("runs", "artifacts");

const USAGE =
  'gan sweep FILE --grid "PKG.OPTION=V1,V2,..." [--grid ...] [--seeds N] [--first-seed S] [--steps N] [--queue redis://HOST:PORT] [--jobs J] [--artifacts DIR]\n' +
  "       gan sweep status ID [--queue URL] [--artifacts DIR]\n" +
  "       gan sweep collect ID [--queue URL] [--artifacts DIR]";

/**
 * A sweep's files: its record and page under ARTIFACTS/sweeps/<id>/, and for runs trained
 * here their logs under ARTIFACTS/logs/ (on the queue they are in the workers' artifacts).
 */
function sweepFiles(artifacts: string, id: string, trainedHere: boolean) {
  const dir = sweepDirectory(artifacts, id);
  return { markdown: path.join(dir, SWEEP_MARKDOWN), record: path.join(dir, SWEEP_FILE), ...(trainedHere ? { logs: path.join(artifacts, "logs") } : {}) };
}

async function submit(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "sweep",
    argv,
    {
      grid: { type: "string", multiple: true },
      seeds: { type: "string" },
      "first-seed": { type: "string" },
      steps: { type: "string" },
      queue: { type: "string" },
      jobs: { type: "string" },
      artifacts: { type: "string" },
    },
    { min: 1, max: 1 },
  );
  const file = positionals[0]!;
  if (file.endsWith(".json")) throw new UsageError("gan sweep: give the .gan spec: grid values are set in its `use` lines");
  if (!values.grid || values.grid.length === 0) throw new UsageError('gan sweep: give at least one --grid PACKAGE.OPTION=VALUE,VALUE,... (e.g. --grid "@gan/gp.lambda=1,10")');
  if (values.queue !== undefined && values.jobs !== undefined) throw new UsageError("gan sweep: --jobs is for a local sweep; with --queue, each gan worker has its own --concurrency");
  const axes = values.grid.map(parseGridFlag);
  const seeds = integerFlag("sweep", "seeds", values.seeds, 1) ?? 1;
  const steps = integerFlag("sweep", "steps", values.steps, 1);
  const firstSeed = integerFlag("sweep", "first-seed", values["first-seed"], 0);
  const jobs = integerFlag("sweep", "jobs", values.jobs, 1) ?? defaultJobs();
  const artifacts = path.resolve(values.artifacts ?? DEFAULT_ARTIFACTS);
  const text = readSpec(file);
  if (values.queue !== undefined) {
    // Before compiling every grid point: an unreachable Redis is the first thing to hear about.
    (await connectRedis(values.queue)).disconnect();
  }

  const sweep = await expandSweep({ text, file }, axes, {
    seeds,
    ...(steps !== undefined ? { steps } : {}),
    ...(firstSeed !== undefined ? { firstSeed } : {}),
    compile: specCompiler(file),
  });
  const definition = defineSweep({ kind: "sweep", name: sweep.name, spec: file, command: shellCommand(["gan", "sweep", ...argv]), seeds: sweep.seeds, axes: sweep.axes, runs: sweep.runs });
  const executor: Executor = values.queue !== undefined ? { kind: "queue", url: values.queue, artifactsHint: displayPath(artifacts) } : { kind: "here", jobs, outDir: artifacts };
  announceExperiment(`sweep ${definition.id} of ${file}`, { points: sweep.points, pointName: "point", definition, executor });

  const dir = sweepDirectory(artifacts, definition.id);
  const results = await runAndRecord({
    definition,
    runs: sweep.runs,
    tricksFrom: path.dirname(path.resolve(file)),
    executor,
    // Rewritten after every run: `gan sweep status` reads it for a local sweep.
    record: (finished, complete) => writeSweepRecord(dir, definition, finished, complete),
  });
  if (!results) return 130;
  return reportExperiment(definition, results, sweepFiles(artifacts, definition.id, values.queue === undefined));
}

function stateLine(state: RunState, width: number, local: boolean): string {
  // A local sweep's record cannot tell a run in progress from one not started.
  let what: string = local && state.state === "waiting" ? "not finished" : state.state;
  if (state.state === "active" && state.progress) what = `active, step ${state.progress.step}/${state.progress.steps}`;
  if (state.state === "completed") {
    const details = [state.worker, state.resumedFrom !== undefined ? `resumed from step ${state.resumedFrom}` : undefined].filter(Boolean);
    what = `completed${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
  }
  if ((state.state === "failed" || state.state === "missing" || state.state === "bad") && state.result?.error) what = `${state.state}: ${state.result.error.split("\n")[0]}`;
  if (state.state === "waiting" && state.attemptsMade > 0) what = `waiting (to be tried again after ${state.attemptsMade} failed attempt${state.attemptsMade === 1 ? "" : "s"})`;
  return `  ${state.run.runId.padEnd(width)}  ${state.run.label}, seed ${state.run.seed}: ${what}`;
}

async function status(id: string, url: string | undefined, artifacts: string): Promise<number> {
  let definition: SweepDefinition;
  let states: RunState[];
  let workers: number | undefined;
  if (url !== undefined) {
    const queue = await SweepQueue.open(url);
    try {
      definition = await queue.loadDefinition(id);
      states = await queue.states(definition);
      workers = await queue.workerCount();
    } finally {
      await queue.close();
    }
  } else {
    // A local sweep: what its sweep.json records, written after every run.
    const record = readSweepRecord(artifacts, id);
    definition = record.definition;
    const byId = new Map(record.runs.map((r) => [r.runId, r]));
    states = definition.runs.map((run): RunState => {
      const result = byId.get(run.runId);
      if (!result) return { run, state: "waiting", attemptsMade: 0 };
      return { run, state: result.error !== undefined ? "failed" : "completed", attemptsMade: 1, result };
    });
  }
  const counts = countStates(states, definition.steps);
  const perState = new Map<string, number>();
  for (const state of states) perState.set(state.state, (perState.get(state.state) ?? 0) + 1);
  const order = ["completed", "failed", "missing", "bad", "active", "waiting"];
  const tally = order.filter((s) => perState.has(s)).map((s) => `${perState.get(s)} ${url === undefined && s === "waiting" ? "not finished" : s}`);
  const lines = [
    `sweep ${definition.id} (${definition.kind} of ${definition.spec}, ${definition.steps} steps per run): ${definition.runs.length} runs: ${tally.join(", ")}; ` +
      `${((counts.stepsDone / Math.max(1, counts.stepsTotal)) * 100).toFixed(0)}% of all steps`,
  ];
  const width = Math.max(...definition.runs.map((r) => r.runId.length));
  for (const state of states) lines.push(stateLine(state, width, url === undefined));
  if (workers !== undefined) lines.push(`workers connected: ${workers}`);
  const complete = counts.finished + counts.failed === counts.total;
  lines.push(complete ? `complete: gan sweep collect ${id}${url !== undefined ? ` --queue ${url}` : ""}` : "not complete yet");
  output.out(`${lines.join("\n")}\n`);
  return 0;
}

async function collect(id: string, url: string | undefined, artifacts: string): Promise<number> {
  if (url === undefined) {
    const record = readSweepRecord(artifacts, id);
    if (!record.complete) {
      throw new UserError(`sweep ${id} is not complete: ${record.runs.length} of ${record.definition.runs.length} runs finished (gan sweep status ${id} --artifacts ${displayPath(artifacts)})`);
    }
    // Written complete by the sweep itself: reported again, not rewritten.
    return reportExperiment(record.definition, record.runs, sweepFiles(artifacts, id, true));
  }
  const queue = await SweepQueue.open(url);
  let definition: SweepDefinition;
  let states: RunState[];
  try {
    definition = await queue.loadDefinition(id);
    states = await queue.states(definition);
  } finally {
    await queue.close();
  }
  const unfinished = states.filter((s) => s.result === undefined);
  if (unfinished.length > 0) {
    const active = unfinished.filter((s) => s.state === "active").length;
    throw new UserError(
      `sweep ${id} is not complete: ${states.length - unfinished.length} of ${states.length} runs finished, ${active} running, ${unfinished.length - active} waiting (gan sweep status ${id} --queue ${url})`,
    );
  }
  const results = states.map((s) => s.result!);
  writeSweepRecord(sweepDirectory(artifacts, id), definition, results, true);
  return reportExperiment(definition, results, sweepFiles(artifacts, id, false));
}

export const command: Command = {
  name: "sweep",
  usage: USAGE,
  async run(argv) {
    const sub = argv[0];
    if (sub === "status" || sub === "collect") {
      const { values, positionals } = parseCommandArgs(`sweep ${sub}`, argv.slice(1), { queue: { type: "string" }, artifacts: { type: "string" } }, { min: 1, max: 1 });
      const artifacts = path.resolve(values.artifacts ?? DEFAULT_ARTIFACTS);
      return sub === "status" ? status(positionals[0]!, values.queue, artifacts) : collect(positionals[0]!, values.queue, artifacts);
    }
    return submit(argv);
  },
};
