import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { UsageError, UserError, createCompileHost } from "@gan/core";
import { compile, formatDiagnostic } from "@gan/dsl";
import type { Plan } from "@gan/plan";
import { expandAblation, type Ablation, type RunSpec } from "../ablation/expand.js";
import { executeRun, runPool, type ExecutedRun } from "../ablation/run-children.js";
import { formatCell, metricTitle, summarise, summaryMarkdown, type AblationSummary } from "../ablation/summarise.js";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { writeFileAtomic } from "../files.js";
import { output } from "../io.js";
import { runAblationOnQueue } from "../queue/ablate-on-queue.js";
import { readSpec } from "../spec.js";

export const ABLATION_VERSION = 1;

/** Compiles a variant's text as if it were the spec file itself (tricks and data resolve from its directory). */
export function variantCompiler(file: string): (text: string) => Promise<Plan> {
  const host = createCompileHost();
  return async (text) => {
    const { plan, diagnostics } = await compile(text, { file, host });
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (!plan || errors.length > 0) throw new UserError(`\n${errors.map((d) => formatDiagnostic(d, text)).join("\n\n")}`);
    return plan;
  };
}

export function defaultJobs(): number {
  // Each run trains on one core (the wasm backend is single-threaded in Node); keep one for the rest.
  return Math.max(1, os.availableParallelism() - 1);
}

function describeResult(result: ExecutedRun): string {
  if (result.error !== undefined) return `failed: ${result.error}`;
  const metrics = Object.entries(result.metrics ?? {})
    .map(([name, value]) => `${metricTitle(name)} ${formatCell(name, value === null ? null : { mean: value, standardError: null, n: 1, undefinedCount: 0 })}`)
    .join(", ");
  return `${metrics}${result.reused ? " (finished earlier, reused)" : result.seconds !== undefined ? ` (${result.seconds} s)` : ""}`;
}

/** Per-seed numbers under the summary: what the means were made of. */
function rawMarkdown(results: readonly ExecutedRun[], summary: AblationSummary): string {
  const header = ["variant", "seed", ...summary.metrics.map(metricTitle), "run"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i < 2 || i === header.length - 1 ? "---" : "--:")).join("|")}|`];
  for (const result of results) {
    const cells = summary.metrics.map((name) => {
      const value = result.metrics?.[name];
      return value === undefined ? "-" : formatCell(name, value === null ? null : { mean: value, standardError: null, n: 1, undefinedCount: 0 });
    });
    lines.push(`| ${result.label} | ${result.seed} | ${cells.join(" | ")} | ${result.error !== undefined ? "failed" : (result.runDir ?? "")} |`);
  }
  return `${lines.join("\n")}\n`;
}

export interface AblationRecord {
  ablationVersion: number;
  spec: string;
  name: string;
  command: string;
  steps: number;
  seeds: number[];
  complete: boolean;
  variants: { id: string; label: string; change: Ablation["variants"][number]["change"] }[];
  runs: (Omit<ExecutedRun, "eval"> & { planHash: string })[];
  summary: AblationSummary;
  createdAt: string;
}

export const command: Command = {
  name: "ablate",
  usage: "gan ablate FILE [--seeds N] [--steps N] [--jobs J] [--add PKG]... [--first-seed S] [--out DIR] [--queue redis://HOST:PORT]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "ablate",
      argv,
      {
        seeds: { type: "string" },
        steps: { type: "string" },
        jobs: { type: "string" },
        add: { type: "string", multiple: true },
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
    if (values["as-written"] && values.add) throw new UsageError("gan ablate: --as-written trains only the spec as written; it cannot be combined with --add");
    const text = readSpec(file);

    const ablation = await expandAblation(
      { text, file },
      {
        seeds,
        ...(steps !== undefined ? { steps } : {}),
        ...(firstSeed !== undefined ? { firstSeed } : {}),
        ...(values.add ? { add: values.add } : {}),
        ...(values["as-written"] ? { asWrittenOnly: true } : {}),
        compile: variantCompiler(file),
      },
    );
    const outDir = path.resolve(values.out ?? path.join("runs", "ablations", ablation.name.replace(/[^A-Za-z0-9._-]/g, "_")));
    const shown = path.relative(process.cwd(), outDir).startsWith("..") ? outDir : path.relative(process.cwd(), outDir) || ".";
    const total = ablation.runs.length;
    const runSteps = ablation.runs[0]!.plan.train.steps;
    output.err(
      `${values["as-written"] ? "seeds" : "ablation"} of ${file}: ${ablation.variants.length} variant${ablation.variants.length === 1 ? "" : "s"} x ${ablation.seeds.length} seeds = ${total} runs of ${runSteps} steps, ` +
        `${values.queue !== undefined ? "on the queue's workers" : `${Math.min(jobs, total)} at a time`}, in ${shown}\n`,
    );
    for (const variant of ablation.variants) output.err(`  ${variant.id.padEnd(24)} ${variant.label}\n`);

    const results: (ExecutedRun | undefined)[] = new Array(total).fill(undefined);
    const planHashes = new Map(ablation.runs.map((run) => [run.runId, run.planHash]));
    const record = (complete: boolean): AblationRecord => {
      const finished = results.filter((r): r is ExecutedRun => r !== undefined);
      return {
        ablationVersion: ABLATION_VERSION,
        spec: file,
        name: ablation.name,
        command: `gan ablate ${argv.join(" ")}`,
        steps: runSteps,
        seeds: ablation.seeds,
        complete,
        variants: ablation.variants.map(({ id, label, change }) => ({ id, label, change })),
        runs: finished.map(({ eval: _eval, ...run }) => ({ ...run, planHash: planHashes.get(run.runId)! })),
        summary: summarise(finished),
        createdAt: new Date().toISOString(),
      };
    };
    const jsonFile = path.join(outDir, "ablation.json");
    const writeRecord = (complete: boolean) => writeFileAtomic(jsonFile, `${JSON.stringify(record(complete), null, 2)}\n`);

    mkdirSync(outDir, { recursive: true });
    let finishedCount = 0;
    const finish = (run: RunSpec, index: number, result: ExecutedRun, log = (line: string) => output.err(line)) => {
      results[index] = result;
      finishedCount++;
      log(`[${finishedCount}/${total}] ${run.label}, seed ${run.seed}: ${describeResult(result)}\n`);
      // After every run: an interrupted ablation leaves what it measured.
      writeRecord(false);
      return result;
    };
    if (values.queue !== undefined) {
      // On gan workers (see queue/): the same runs, ids and table; the run directories are in the workers' artifacts directory.
      const code = await runAblationOnQueue(values.queue, { ablation, file, command: `gan ablate ${argv.join(" ")}`, onResult: finish });
      if (code !== 0) return code;
    } else {
      await runPool(ablation.runs, jobs, async (run: RunSpec, index) =>
        finish(run, index, await executeRun(run, { outDir, tricksFrom: path.dirname(path.resolve(file)) })),
      );
    }

    const finished = results as ExecutedRun[];
    const summary = summarise(finished);
    writeRecord(true);
    const table = summaryMarkdown(summary);
    const markdown =
      `# Ablation of ${path.basename(file)}\n\n` +
      `${ablation.seeds.length} seeds (${ablation.seeds.join(", ")}) per variant, ${runSteps} steps each; mean ± standard error over seeds.\n\n` +
      `    gan ablate ${argv.join(" ")}\n\n${table}\n## Every run\n\n${rawMarkdown(finished, summary)}`;
    writeFileAtomic(path.join(outDir, "ablation.md"), markdown);
    output.out(table);
    output.err(`wrote ${path.join(shown, "ablation.md")} and ${path.join(shown, "ablation.json")}\n`);
    const failed = finished.filter((r) => r.error !== undefined).length;
    if (failed > 0) throw new UserError(`${failed} of ${total} runs failed; their logs are in ${path.join(shown, "logs")}`);
    return 0;
  },
};
