/**
 * Memory over a long run: the ring MLP GAN (bench/workloads.ts) for 5,000 steps through
 * @gan/core's Trainer, with RSS, V8 heap, tensors alive and tfjs bytes recorded every 500
 * steps. Flat is the target: a leak of one tensor per step would show as +5,000 tensors.
 *
 *   node --conditions=@gan/source --import tsx bench/memory.ts [--steps N] [--backend blas|wasm|cpu] [--no-write]
 *
 * Results go to bench/RESULTS.md, section "Memory over 5,000 steps". (The test suite has a
 * shorter version: packages/core/src/loop/trainer.test.ts checks the tensor count over 200 steps.)
 */
import { flag, hasFlag } from "./bench-args.js";
import { Trainer, selectBackend } from "@gan/core/runtime";
import { machineLine, writeResultsSection } from "./results-file.js";
import { WORKLOADS, tf } from "./workloads.js";

const STEPS = Number(flag("--steps") ?? 5000);
const BACKEND = (flag("--backend") ?? "blas") as "blas" | "wasm" | "cpu";
const WRITE = !hasFlag("--no-write");
const EVERY = Math.max(1, Math.round(STEPS / 10));
const MiB = 1024 * 1024;

const workload = WORKLOADS.find((w) => w.id === `ring-${BACKEND}`)!;
await selectBackend(BACKEND);
const trainer = await Trainer.create({ ...workload.plan, train: { ...workload.plan.train, steps: STEPS } });

interface Sample {
  step: number;
  rssMiB: number;
  heapMiB: number;
  tensors: number;
  tfMiB: number;
}
const sample = (): Sample => {
  const memory = process.memoryUsage();
  const tfMemory = tf.memory();
  return { step: trainer.step, rssMiB: memory.rss / MiB, heapMiB: memory.heapUsed / MiB, tensors: tfMemory.numTensors, tfMiB: tfMemory.numBytes / MiB };
};

const samples: Sample[] = [];
const start = performance.now();
while (trainer.step < STEPS) {
  await trainer.runStep();
  if (trainer.step % EVERY === 0) {
    samples.push(sample());
    const s = samples.at(-1)!;
    process.stderr.write(`step ${s.step}: RSS ${s.rssMiB.toFixed(1)} MiB, ${s.tensors} tensors\n`);
  }
}
const seconds = (performance.now() - start) / 1000;
trainer.dispose();

const first = samples[0]!;
const last = samples.at(-1)!;
const text = [
  "## Memory over 5,000 steps",
  "",
  `The ring MLP GAN (2x128, batch 512) trained for ${STEPS} steps through \`@gan/core\`'s Trainer on ${BACKEND}, losses read every`,
  `10 steps; RSS, V8 heap used, tensors alive and tfjs bytes every ${EVERY} steps. Target: flat. RSS rises and falls`,
  "with V8's garbage collection (the heap column: short-lived JavaScript arrays, collected in bulk); tensors and tfjs",
  "memory are the exact measure of a leak.",
  "",
  `${machineLine()}; ${STEPS} steps in ${seconds.toFixed(0)} s.`,
  "`node --conditions=@gan/source --import tsx bench/memory.ts`",
  "",
  "| step | RSS MiB | V8 heap MiB | tensors alive | tfjs MiB |",
  "|---:|---:|---:|---:|---:|",
  ...samples.map((s) => `| ${s.step} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} | ${s.tensors} | ${s.tfMiB.toFixed(2)} |`),
  "",
  `From step ${first.step} to ${last.step}: RSS ${last.rssMiB >= first.rssMiB ? "+" : ""}${(last.rssMiB - first.rssMiB).toFixed(1)} MiB, ` +
    `tensors ${last.tensors - first.tensors >= 0 ? "+" : ""}${last.tensors - first.tensors}, tfjs bytes ${last.tfMiB - first.tfMiB >= 0 ? "+" : ""}${((last.tfMiB - first.tfMiB) * 1024).toFixed(1)} KiB.`,
  "",
].join("\n");
console.log(text);
if (WRITE) writeResultsSection("Memory over 5,000 steps", text);
