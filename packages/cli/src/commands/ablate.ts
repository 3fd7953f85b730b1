/**
 * `gan ablate`: the spec as written and without each of its tricks (or with others added),
 * over seeds (experiment/variants.ts), run, recorded and reported by the experiment runner
 * (experiment/run-experiment.ts) here or on gan workers; the table of means over seeds, with
 * every run's numbers, in OUT/ablation.md and ablation.json.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { UsageError } from "@gan/core";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { specCompiler } from "../experiment/expand.js";
import { experimentMarkdown } from "../experiment/results.js";
import { announceExperiment, defaultJobs, reportExperiment, runAndRecord, type Executor } from "../experiment/run-experiment.js";
import { summarise, type ExecutedRun, type ExperimentSummary } from "../experiment/summarise.js";
import { expandAblation, type Ablation } from "../experiment/variants.js";
import { displayPath } from "../display-path.js";
import { writeFileAtomic } from "../files.js";
import { defineSweep, shellCommand } from "../queue/definition.js";
import { readSpec } from "../spec.js";

export const ABLATION_VERSION = 1;

export interface AblationRecord {
  ablationVersion: number;
  spec: string;
  name: string;
  command: string;
  steps: number;
  seeds: number[];
  complete: boolean;
  variants: { id: string; label: string; change: Ablation["points"][number]["change"] }[];
  runs: (ExecutedRun & { planHash: string })[];
  summary: ExperimentSummary;
  createdAt: string;
}

export const command: Command = {
  name: "ablate",
  usage: "gan ablate FILE [--seeds N] [--steps N] [--jobs J] [--add 'PKG [{ OPTIONS }]']... [--remove PKG]... [--first-seed S] [--out DIR] [--queue redis://HOST:PORT]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "ablate",
      argv,
      {
        seeds: { type: "string" },
        steps: { type: "string" },
        jobs: { type: "string" },
        add: { type: "string", multiple: true },
        remove: { type: "string", multiple: true },
        "first-seed": { type: "string" },
        "as-written": { type: "boolean" },
        out: { type: "string" },
        queue: { type: "string" },
      },
      { min: 1, max: 1 },
    );
    const file = positionals[0]!;
    if (file.endsWith(".json")) throw new UsageError("gan ablate: give the .gan spec: its variants are made by taking `use` lines out of the text");
    const seeds = integerFlag("ablate", "seeds", values.seeds, 1) ?? 3;
    const steps = integerFlag("ablate", "steps", values.steps, 1);
    const jobs = integerFlag("ablate", "jobs", values.jobs, 1) ?? defaultJobs();
    const firstSeed = integerFlag("ablate", "first-seed", values["first-seed"], 0);
    for (const flag of ["add", "remove"] as const) {
      if (values["as-written"] && values[flag]) throw new UsageError(`gan ablate: --as-written trains only the spec as written; it cannot be combined with --${flag}`);
    }
    const text = readSpec(file);

    const ablation = await expandAblation(
      { text, file },
      {
        seeds,
        ...(steps !== undefined ? { steps } : {}),
        ...(firstSeed !== undefined ? { firstSeed } : {}),
        ...(values.add ? { add: values.add } : {}),
        ...(values.remove ? { remove: values.remove } : {}),
        ...(values["as-written"] ? { asWrittenOnly: true } : {}),
        compile: specCompiler(file),
      },
    );
    const command = shellCommand(["gan", "ablate", ...argv]);
    const definition = defineSweep({ kind: "ablation", name: ablation.name, spec: file, command, seeds: ablation.seeds, runs: ablation.runs });
    const outDir = path.resolve(values.out ?? path.join("runs", "ablations", ablation.name.replace(/[^A-Za-z0-9._-]/g, "_")));
    // On gan workers the run directories are in the workers' artifacts directory; the table and record are written here.
    const executor: Executor = values.queue !== undefined ? { kind: "queue", url: values.queue } : { kind: "here", jobs, outDir };
    announceExperiment(`${values["as-written"] ? "seeds" : "ablation"} of ${file}`, { points: ablation.points, pointName: "variant", definition, executor, resultsIn: displayPath(outDir) });

    const planHashes = new Map(ablation.runs.map((run) => [run.runId, run.planHash]));
    const record = (finished: readonly ExecutedRun[], complete: boolean): AblationRecord => ({
      ablationVersion: ABLATION_VERSION,
      spec: file,
      name: ablation.name,
      command,
      steps: definition.steps,
      seeds: ablation.seeds,
      complete,
      variants: ablation.points.map(({ id, label, change }) => ({ id, label, change })),
      runs: finished.map((run) => ({ ...run, planHash: planHashes.get(run.runId)! })),
      summary: summarise(finished),
      createdAt: new Date().toISOString(),
    });
    const files = { markdown: path.join(outDir, "ablation.md"), record: path.join(outDir, "ablation.json"), ...(executor.kind === "here" ? { logs: path.join(outDir, "logs") } : {}) };

    mkdirSync(outDir, { recursive: true });
    const results = await runAndRecord({
      definition,
      runs: ablation.runs,
      tricksFrom: path.dirname(path.resolve(file)),
      executor,
      record: (finished, complete) => {
        writeFileAtomic(files.record, `${JSON.stringify(record(finished, complete), null, 2)}\n`);
        if (complete) writeFileAtomic(files.markdown, experimentMarkdown(definition, finished).markdown);
      },
    });
    if (!results) return 130;
    return reportExperiment(definition, results, files);
  },
};
