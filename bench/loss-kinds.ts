/**
 * What each loss kind costs: a training step with the loss against the same step with the
 * default nonsaturating loss, measured side by side in one process (bench/interleaved.ts).
 * The absolute losses should cost the same (their G update applies D to the fake batch only);
 * the relativistic ones add, in G's update, a real batch from the data source and D's forward
 * and backward pass through it (its logits enter G's loss through their mean).
 *
 *   node --conditions=@gan/source --import tsx bench/loss-kinds.ts [--workload ring-wasm] [--scale F] [--no-write]
 *
 * Results go to bench/RESULTS.md, section "Loss kinds".
 */
import { LOSS_KINDS } from "@gan/core";
import { Trainer, selectBackend } from "@gan/core/runtime";
import { flag, hasFlag } from "./bench-args.js";
import { compare, interleave, kernelsOf, sameKernels } from "./interleaved.js";
import { machineLine, writeResultsSection } from "./results-file.js";
import { WORKLOADS } from "./workloads.js";

const workload = WORKLOADS.find((candidate) => candidate.id === (flag("--workload") ?? "ring-wasm"));
if (!workload) throw new Error(`unknown workload: the workloads are ${WORKLOADS.map((w) => w.id).join(", ")}`);
const steps = Math.max(4, Math.round(workload.steps * Number(flag("--scale") ?? 0.5)));

type LossKind = (typeof LOSS_KINDS)[number];

await selectBackend(workload.backend);
const trainerWith = (kind: LossKind) => Trainer.create({ ...workload.plan, loss: { kind } });
const baseline = await trainerWith("nonsaturating");
const rows: string[] = [];
for (const kind of LOSS_KINDS.filter((kind) => kind !== "nonsaturating")) {
  const trainer = await trainerWith(kind);
  const step = () => trainer.runStep();
  const baselineStep = () => baseline.runStep();
  for (let i = 0; i < workload.warmup; i++) {
    await step();
    await baselineStep();
  }
  const kernels = sameKernels(await kernelsOf(step), await kernelsOf(baselineStep));
  const [times, baselineTimes] = await interleave(step, baselineStep, steps, (done) => process.stderr.write(`${kind}: ${done}/${steps}\n`));
  const { a, b, ratio, pairedRatio } = compare(times, baselineTimes);
  rows.push(`| ${kind} | ${a.cpu.toFixed(1)} | ${b.cpu.toFixed(1)} | ${ratio.toFixed(3)} | ${pairedRatio.toFixed(3)} | ${kernels} |`);
  trainer.dispose();
}
baseline.dispose();

const text = [
  "## Loss kinds",
  "",
  `A step (one D and one G update) of ${workload.title} on ${workload.backend} with each loss kind, against the same step with`,
  "the nonsaturating loss, one step of each in turn in one process; CPU time per step as the mean of the middle 80%, the",
  "paired ratio the median over adjacent pairs. Kernels: what a step dispatches beyond (or short of) the nonsaturating",
  "step's. The relativistic losses' G update draws a real batch and runs D forward and backward on it too.",
  "",
  `${machineLine()}.`,
  "`node --conditions=@gan/source --import tsx bench/loss-kinds.ts`",
  "",
  `| loss | CPU ms/step | nonsaturating CPU ms/step | ratio | paired ratio | kernels against nonsaturating (${steps} steps each) |`,
  "|---|---:|---:|---:|---:|---|",
  ...rows,
  "",
].join("\n");
process.stdout.write(`${text}\n`);
if (!hasFlag("--no-write")) writeResultsSection("Loss kinds", text);
