/**
 * Where a training step's time goes: the kernels one step of a benchmark workload
 * (bench/workloads.ts) dispatches, by name, with their count and kernel time per step, from
 * tf.profile over a few steps after warm-up. The plain step time (unprofiled) is printed first.
 *
 *   node --conditions=@gan/source --import tsx bench/profile-step.ts [ring-blas|dcgan-blas|resnet-blas|ring-wasm|ring-cpu|dcgan-wasm] [--steps N]
 */
import { Trainer, selectBackend } from "@gan/core/runtime";
import { WORKLOADS, tf } from "./workloads.js";

const id = process.argv[2] ?? "ring-wasm";
const stepsFlag = process.argv.indexOf("--steps");
const N = stepsFlag > 0 ? Number(process.argv[stepsFlag + 1]) : 5;
const workload = WORKLOADS.find((w) => w.id === id);
if (!workload) {
  console.error(`unknown workload ${id}: one of ${WORKLOADS.map((w) => w.id).join(", ")}`);
  process.exit(2);
}
await selectBackend(workload.backend);
const trainer = await Trainer.create(workload.plan);
for (let i = 0; i < 10; i++) await trainer.runStep();

const plainStart = performance.now();
for (let i = 0; i < 2 * N; i++) await trainer.runStep();
const plainMs = (performance.now() - plainStart) / (2 * N);

const byKernel = new Map<string, { calls: number; ms: number }>();
let kernelMs = 0;
for (let i = 0; i < N; i++) {
  const info = await tf.profile(async () => {
    await trainer.runStep();
  });
  for (const kernel of info.kernels) {
    const entry = byKernel.get(kernel.name) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += kernel.kernelTimeMs as number;
    byKernel.set(kernel.name, entry);
    kernelMs += kernel.kernelTimeMs as number;
  }
}
trainer.dispose();
console.log(`${workload.title} on ${workload.backend}: ${plainMs.toFixed(1)} ms per step unprofiled; kernel time ${(kernelMs / N).toFixed(1)} ms per profiled step`);
console.log("kernel                         calls/step   ms/step");
for (const [name, { calls, ms }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(30)} ${String(calls / N).padStart(10)} ${(ms / N).toFixed(2).padStart(9)}`);
}
