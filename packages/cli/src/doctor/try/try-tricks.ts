/**
 * `gan doctor RUN --try`: the tricks the diagnosis proposes, each tried from the run's last
 * checkpoint as a small ablation. Every try is a new run started from the checkpoint's
 * networks (`gan train --init-from`, weights only), so the control (the spec unchanged) and
 * each variant (the spec with one `use` line added) start from the same G and D, with fresh
 * optimizers, on the same seeds: the difference is the trick's. A trick that reshapes a network
 * cannot start from those weights; its tries are refused by `--init-from` and reported as not
 * tried, with the reason.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "@gan/core";
import { RUN_FILES, checkpointName, findLatestCheckpoint, type InitNetworks } from "@gan/core/runtime";
import type { Plan } from "@gan/plan";
import { specCompiler, type RunSpec } from "../../experiment/expand.js";
import { runHere, runPool } from "../../experiment/run-here.js";
import { meanAndStandardError, type ExecutedRun } from "../../experiment/summarise.js";
import { expandAblation } from "../../experiment/variants.js";
import { evaluationKind } from "../../eval/evaluate-run.js";
import { readRunData } from "../../report/run-data.js";
import { readSpec } from "../../spec.js";
import type { Diagnosis } from "../diagnose.js";
import type { FailureKind, MetricsLine } from "../finding.js";
import { measuresFor, type TryMeasure, type TryRunEvidence } from "./measures.js";
import { verdict, type SeedValues, type Verdict } from "./verdict.js";

export interface TryOptions {
  /** The diagnosed run. */
  runDir: string;
  plan: Plan;
  diagnosis: Diagnosis;
  /** The spec given with --spec; default: the run's own spec file (plan.source), found in the working directory. */
  spec?: string;
  /** Steps of every try. */
  steps: number;
  seeds: number;
  jobs: number;
  /** Where the tries go (default: RUN_DIR/doctor-try/step-NNNNNN). */
  out?: string;
  /** Progress lines (stderr). */
  log(line: string): void;
}

export interface TriedVariant {
  /** `control` or the trick's package. */
  label: string;
  package?: string;
  runs: { seed: number; runDir?: string; error?: string; values: Record<string, number | null> }[];
  /** Mean ± standard error over the seeds, per measure (null: no value). */
  summary: Record<string, { mean: number; standardError: number | null; n: number } | null>;
}

export interface TriedFinding {
  kind: FailureKind;
  title: string;
  measures: { name: string; title: string; better: "higher" | "lower" }[];
  control: TriedVariant;
  /** The control started like the tricks that reshape D: G from the checkpoint, D afresh (when there are such tricks). */
  restartedControl?: TriedVariant;
  /** Every trick tried, this finding's own first (`proposed`); one that reshapes D is compared with restartedControl. */
  tricks: (TriedVariant & { networks: InitNetworks; proposed: boolean; verdict: Verdict })[];
}

export interface TryReport {
  run: string;
  checkpoint: { dir: string; step: number };
  spec: string;
  steps: number;
  seeds: number[];
  outDir: string;
  findings: TriedFinding[];
  /** Tricks not tried, and why (already in the spec, does not compile, cannot start from the checkpoint). */
  notTried: { package: string; reason: string }[];
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The spec the tricks are added to: --spec, or the run's own spec file if it is in the working directory unchanged. */
function specOf(options: TryOptions): { file: string; text: string } {
  const source = options.plan.source;
  if (options.spec !== undefined) return { file: options.spec, text: readSpec(options.spec) };
  if (!source) throw new UserError(`${options.runDir} was trained from a plan.json: --try adds \`use\` lines to a .gan spec; give the run's spec with --spec FILE`);
  const here = path.resolve(source.file);
  const text = existsSync(here) ? readSpec(here) : undefined;
  if (text === undefined || sha256(text) !== source.sha256) {
    throw new UserError(
      `${options.runDir} was trained from ${source.file}, which is ${text === undefined ? "not in the working directory" : "different here now (its sha256 differs)"}: ` +
        `give the spec it was trained from with --spec FILE`,
    );
  }
  return { file: source.file, text };
}

/** The proposed tricks to try: each finding's, once, in the order of the findings; those the spec has are not tried. */
function proposedTricks(findings: Diagnosis["findings"]): { tryable: string[]; inSpec: string[] } {
  const tryable: string[] = [];
  const inSpec: string[] = [];
  for (const trick of findings.flatMap((finding) => finding.tricks)) {
    const list = trick.inSpec ? inSpec : tryable;
    if (!list.includes(trick.package)) list.push(trick.package);
  }
  return { tryable, inSpec };
}

/** What a measure reads from one finished (or failed) try. */
function evidenceOf(outDir: string, result: ExecutedRun): TryRunEvidence | undefined {
  if (result.runDir === undefined) return undefined;
  const data = readRunData(path.join(outDir, result.runDir));
  return { metrics: data.metrics as MetricsLine[], eval: data.eval, finished: result.error === undefined && data.info?.status === "completed" };
}

function summariseVariant(label: string, pkg: string | undefined, results: readonly ExecutedRun[], measures: readonly TryMeasure[], outDir: string): TriedVariant {
  const runs = results.map((result) => {
    const evidence = evidenceOf(outDir, result);
    const values = Object.fromEntries(measures.map((measure) => [measure.name, evidence ? measure.read(evidence) : null]));
    return { seed: result.seed, ...(result.runDir !== undefined ? { runDir: result.runDir } : {}), ...(result.error !== undefined ? { error: result.error } : {}), values };
  });
  const summary = Object.fromEntries(
    measures.map((measure) => {
      const values = runs.map((run) => run.values[measure.name]).filter((value): value is number => typeof value === "number" && Number.isFinite(value));
      return [measure.name, values.length === 0 ? null : { ...meanAndStandardError(values), n: values.length }];
    }),
  );
  return { label, ...(pkg !== undefined ? { package: pkg } : {}), runs, summary };
}

const seedValues = (variant: TriedVariant, measures: readonly TryMeasure[]): SeedValues[] =>
  measures.map((measure) => new Map(variant.runs.map((run) => [run.seed, run.values[measure.name] ?? null])));

/** The first line gan printed about a try that could not run (its `gan:` message without the prefix). */
function firstReason(error: string): string {
  const line = error.split("\n").find((text) => text.startsWith("gan: "));
  return line === undefined ? error.split("\n")[0]! : line.slice("gan: ".length);
}

/** The suffix of the run ids of tries that start G alone from the checkpoint. */
const GENERATOR_ONLY = "generator-only";

interface Try {
  run: RunSpec;
  networks: InitNetworks;
  result: ExecutedRun;
}

/** The trick a run adds, undefined for the control. */
const packageOf = (run: RunSpec): string | undefined => (run.change.kind === "add" ? run.change.package : undefined);

/** Runs tries (`gan train --init-from` then `gan eval`, in child processes), logging each as it ends. */
function makeExecutor(options: TryOptions, outDir: string, specFile: string, checkpointDir: string) {
  let done = 0;
  return async (planned: Omit<Try, "result">[]): Promise<Try[]> => {
    done = 0;
    return runPool(planned, options.jobs, async ({ run, networks }) => {
      const trainArgs = ["--init-from", checkpointDir, ...(networks === "generator" ? ["--init-networks", "generator"] : [])];
      const result = await runHere(run, { outDir, tricksFrom: path.dirname(path.resolve(specFile)), trainArgs });
      const label = `${run.change.kind === "none" ? "control" : run.label}${networks === "generator" ? ", D restarted" : ""}`;
      options.log(`[${++done}/${planned.length}] ${label}, seed ${run.seed}: ${result.error === undefined ? "done" : `failed: ${firstReason(result.error)}`}\n`);
      return { run, networks, result };
    });
  };
}

export async function tryTricks(options: TryOptions): Promise<TryReport> {
  const { runDir, plan, diagnosis } = options;
  const quality = evaluationKind(plan).kind;
  // Oscillation is judged on the evaluation's quality: data without an evaluation cannot tell whether a trick helped it.
  const measurable = diagnosis.findings.filter((finding) => measuresFor(finding.kind, quality).length > 0);
  const { tryable, inSpec } = proposedTricks(measurable);
  const notTried = inSpec.map((pkg) => ({ package: pkg, reason: "the spec already uses it (its options are the question)" }));
  for (const pkg of proposedTricks(diagnosis.findings).tryable.filter((name) => !tryable.includes(name))) {
    notTried.push({ package: pkg, reason: "this data has no evaluation to measure progress on, which its finding is judged by" });
  }
  if (tryable.length === 0) {
    const why = diagnosis.findings.length === 0 ? "no failure found, so no trick to try" : notTried.map((trick) => `${trick.package}: ${trick.reason}`).join("; ");
    throw new UserError(`gan doctor --try: nothing to try (${why})`);
  }
  const checkpoint = findLatestCheckpoint(path.join(runDir, RUN_FILES.checkpoints), { warn: (message) => options.log(`warning: ${message}\n`) });
  if (!checkpoint) throw new UserError(`${runDir}: no valid checkpoint to try the tricks from (the run wrote none, or they are damaged)`);
  const spec = specOf(options);
  const outDir = path.resolve(options.out ?? path.join(runDir, "doctor-try", checkpointName(checkpoint.manifest.step)));
  const compile = specCompiler(spec.file);
  const expansion = { seeds: options.seeds, firstSeed: plan.train.seed, steps: options.steps, removals: false, compile };

  const control = await expandAblation(spec, { ...expansion, asWrittenOnly: true });
  const runs: RunSpec[] = [...control.runs];
  for (const pkg of tryable) {
    try {
      const added = await expandAblation(spec, { ...expansion, add: [pkg] });
      runs.push(...added.runs.filter((run) => run.change.kind === "add"));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      notTried.push({ package: pkg, reason: error.message.trim() });
    }
  }
  options.log(
    `trying ${tryable.length} trick${tryable.length === 1 ? "" : "s"} from ${path.relative(runDir, checkpoint.dir)} (step ${checkpoint.manifest.step}): ` +
      `${runs.length} runs of ${options.steps} steps (the control and each trick, ${control.seeds.length} seed${control.seeds.length === 1 ? "" : "s"}), in ${outDir}\n`,
  );
  const execute = makeExecutor(options, outDir, spec.file, checkpoint.dir);
  const tries: Try[] = await execute(runs.map((run) => ({ run, networks: "both" })));

  // A trick that reshapes D cannot start from the checkpoint's D: tried again with G from the checkpoint and D afresh,
  // beside a control restarted the same way (a fresh D alone may undo a collapse).
  const reshapesD = tryable.filter((pkg) => {
    const own = tries.filter((t) => packageOf(t.run) === pkg);
    return own.length > 0 && own.every((t) => t.result.runDir === undefined && (t.result.error ?? "").includes("the checkpoint's discriminator does not fit"));
  });
  if (reshapesD.length > 0) {
    const again = runs.filter((run) => run.change.kind === "none" || reshapesD.includes(packageOf(run)!));
    options.log(`${reshapesD.join(", ")} reshape${reshapesD.length === 1 ? "s" : ""} D: ${again.length} more runs with G from the checkpoint and D afresh, beside the control restarted the same way\n`);
    tries.push(...(await execute(again.map((run) => ({ run: { ...run, runId: `${run.runId}-${GENERATOR_ONLY}` }, networks: "generator" })))));
  }
  const variantTries = (pkg: string | undefined, networks: InitNetworks) => tries.filter((t) => t.networks === networks && packageOf(t.run) === pkg).map((t) => t.result);
  // A trick whose every try failed before training (a network that does not fit even so): not tried, with gan's reason.
  const started: { pkg: string; networks: InitNetworks }[] = [];
  for (const pkg of tryable) {
    const networks: InitNetworks = reshapesD.includes(pkg) ? "generator" : "both";
    const own = variantTries(pkg, networks);
    if (own.length === 0) continue;
    if (own.some((result) => result.runDir !== undefined)) started.push({ pkg, networks });
    else notTried.push({ package: pkg, reason: firstReason(own[0]!.error ?? "it did not run") });
  }
  const findings = measurable.flatMap((finding): TriedFinding[] => {
    const measures = measuresFor(finding.kind, quality);
    // Every trick that was tried, not only this finding's: a trick proposed for D winning may cure the collapse too.
    const proposedHere = finding.tricks.map((trick) => trick.package);
    const tricks = [...started].sort((a, b) => Number(!proposedHere.includes(a.pkg)) - Number(!proposedHere.includes(b.pkg)));
    if (tricks.length === 0) return [];
    const controls = {
      both: summariseVariant("control (the spec unchanged)", undefined, variantTries(undefined, "both"), measures, outDir),
      generator: summariseVariant("control, D restarted", undefined, variantTries(undefined, "generator"), measures, outDir),
    };
    return [
      {
        kind: finding.kind,
        title: finding.title,
        measures: measures.map(({ name, title, better }) => ({ name, title, better })),
        control: controls.both,
        ...(reshapesD.length > 0 ? { restartedControl: controls.generator } : {}),
        tricks: tricks.map(({ pkg, networks }) => {
          const variant = summariseVariant(`with ${pkg}${networks === "generator" ? ", D restarted" : ""}`, pkg, variantTries(pkg, networks), measures, outDir);
          const base = controls[networks];
          return { ...variant, networks, proposed: proposedHere.includes(pkg), verdict: verdict(measures, seedValues(base, measures), seedValues(variant, measures)) };
        }),
      },
    ];
  });
  return { run: runDir, checkpoint: { dir: checkpoint.dir, step: checkpoint.manifest.step }, spec: spec.file, steps: options.steps, seeds: control.seeds, outDir, findings, notTried };
}
