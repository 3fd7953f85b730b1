/**
 * Loop overhead: the step time of @gan/core's training loop against a hand-written tfjs
 * loop that does the same work on the same backend, measured side by side in one process.
 *
 *   node --conditions=@gan/source --import tsx bench/loop-overhead.ts [--scale F] [--only ring-blas,dcgan-blas,ring-wasm,ring-cpu,dcgan-wasm] [--no-write]
 *
 * "The same work": the same networks (tfjs-layers, written out by hand here), the same
 * losses (core's, which are plain tfjs math), Adam, real batches from the same data source
 * and latent vectors from the same seeded generator, losses read back every 10 steps. What
 * differs is only the framework: the plan-built models, the hook bus, tidy scopes,
 * StepScalars, schedules, the step bookkeeping.
 *
 * The time that counts is the process's CPU time per step (user + system), not wall time:
 * the build machines are shared, and other processes' load stretches wall time by a factor
 * that changes from one second to the next, while the CPU time a single-threaded step needs
 * stays put. The two loops take turns step by step, so what drift remains hits both sides.
 * Wall times are reported too, and the kernels each step dispatches.
 * Results go to bench/RESULTS.md, section "Loop overhead" (other sections are left alone).
 */
import { flag, hasFlag } from "./bench-args.js";
import os from "node:os";
import { writeResultsSection } from "./results-file.js";
import { CORE_VERSION } from "@gan/core";
import { Trainer, createRng, openDataSource, selectBackend } from "@gan/core/runtime";
import { HandWrittenLoop, WORKLOADS, tf, tfl, type Workload } from "./workloads.js";
import { compare, interleave, kernelsOf, sameKernels, type Timing } from "./interleaved.js";

/** Scales every workload's number of measured steps (0.2 for a quick look). */
const SCALE = Number(flag("--scale") ?? 1);
const ONLY = flag("--only")?.split(",");
const WRITE = !hasFlag("--no-write");

interface Result {
  workload: Workload;
  steps: number;
  framework: Timing;
  handWritten: Timing;
  /** framework / hand-written, trimmed-mean CPU time per step. */
  ratio: number;
  /** Median of the per-step ratios of adjacent steps. */
  pairedRatio: number;
  kernels: { framework: number; handWritten: number; comparison: string };
}

async function measure(workload: Workload): Promise<Result> {
  await selectBackend(workload.backend);
  const trainer = await Trainer.create(workload.plan);
  const rng = createRng(workload.plan.train.seed);
  const data = await openDataSource(workload.plan.data, { rng: rng.split("data") });
  const hand = new HandWrittenLoop(workload.plan, data, rng.split("latent"), workload.handWritten);
  const frameworkStep = () => trainer.runStep();
  const handStep = () => hand.runStep();
  for (let i = 0; i < workload.warmup; i++) {
    await frameworkStep();
    await handStep();
  }
  const frameworkKernels = await kernelsOf(frameworkStep);
  const handKernels = await kernelsOf(handStep);
  const steps = Math.max(4, Math.round(workload.steps * SCALE));
  const [framework, handWritten] = await interleave(frameworkStep, handStep, steps, (done) => process.stderr.write(`${workload.id}: ${done}/${steps} steps of each\n`));
  trainer.dispose();
  hand.dispose();
  const { a, b, ratio, pairedRatio } = compare(framework, handWritten);
  return {
    workload,
    steps,
    framework: a,
    handWritten: b,
    ratio,
    pairedRatio,
    kernels: {
      framework: [...frameworkKernels.values()].reduce((a, b) => a + b, 0),
      handWritten: [...handKernels.values()].reduce((a, b) => a + b, 0),
      comparison: sameKernels(frameworkKernels, handKernels),
    },
  };
}

function section(results: Result[]): string {
  const cpu = os.cpus();
  const lines = [
    "## Loop overhead",
    "",
    "Step time (one D update and one G update) of `@gan/core`'s loop against a hand-written tfjs loop doing the same work on",
    "the same backend: same networks, losses, Adam, data source and latent generator, losses read every 10 steps. The two",
    "loops run in one process, one step of each in turn. The time is the process's CPU time per step (the build machine",
    "is shared, and other processes' load stretches wall time by a factor that changes from second to second), as the",
    "mean of the middle 80% of steps; the paired ratio is the median over adjacent pairs. On wasm and cpu a step is",
    "single-threaded; on blas OpenBLAS's threads (two here, spinning between products) count too, so CPU time is about",
    "twice the wall time there, the same for both loops.",
    "Kernels: the tfjs kernels one step dispatches (by `tf.profile`), gan against hand-written. gan's extra kernels are its",
    "NaN watch: isFinite of each loss and of the sum of each update's gradient entries, kept on the device and read",
    "with the logged steps' one batched read (so a NaN is caught at the step it appears without a read per step).",
    "Target: at most 5% overhead.",
    "",
    `Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${os.platform()} ${os.arch()}, load average ${os.loadavg()[0]!.toFixed(1)} at the end; Node ${process.versions.node};`,
    `@tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${(tfl as unknown as { version_layers: string }).version_layers}, @gan/core ${CORE_VERSION}; ${new Date().toISOString().slice(0, 10)}.`,
    "`node --conditions=@gan/source --import tsx bench/loop-overhead.ts`",
    "",
    "| workload | backend | steps | gan CPU ms/step | hand-written CPU ms/step | ratio | paired ratio | wall ms/step gan / hand-written | kernels per step |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ...results.map(
      (r) =>
        `| ${r.workload.title} | ${r.workload.backend} | ${r.steps} | ${r.framework.cpu.toFixed(1)} | ${r.handWritten.cpu.toFixed(1)} | ` +
        `${r.ratio.toFixed(3)} | ${r.pairedRatio.toFixed(3)} | ${r.framework.wall.toFixed(0)} / ${r.handWritten.wall.toFixed(0)} | ` +
        `${r.kernels.framework} / ${r.kernels.handWritten} (${r.kernels.comparison}) |`,
    ),
    "",
  ];
  return lines.join("\n");
}

const results: Result[] = [];
for (const workload of WORKLOADS) {
  if (ONLY && !ONLY.includes(workload.id)) continue;
  results.push(await measure(workload));
}
const text = section(results);
process.stdout.write(`${text}\n`);
if (WRITE) writeResultsSection("Loop overhead", text);
