/**
 * How a training step's CPU time falls as V8 warms up: one Trainer of a benchmark workload,
 * its CPU time per step over windows of steps, split into the main thread (the step itself)
 * and the process's other threads (V8's compiler and GC helpers; on blas at GAN_BLAS_THREADS=1
 * OpenBLAS starts none), read from /proc/self/task (Linux). bench:peer measures steps 20-220 of
 * the ring after a 20-step warm-up, so its CPU column counts what this shows for those steps.
 *
 * `--no-layer-chains` applies the networks through tfjs-layers' graph executor (@gan/core's
 * setLayerChains(false)), to see what the chains do to the warm-up.
 *
 *   GAN_BLAS_THREADS=1 node --conditions=@gan/source --import tsx bench/warmup.ts [ring-blas] [--window 20] [--steps 1200] [--no-layer-chains]
 */
import fs from "node:fs";
import os from "node:os";
import { flag, hasFlag } from "./bench-args.js";
import { WORKLOADS } from "./workloads.js";

const { Trainer, selectBackend, setLayerChains } = await import("@gan/core/runtime");

const id = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "ring-blas";
const WINDOW = Number(flag("--window") ?? 20);
const STEPS = Number(flag("--steps") ?? 1200);
const workload = WORKLOADS.find((w) => w.id === id);
if (!workload) throw new Error(`unknown workload ${id}: one of ${WORKLOADS.map((w) => w.id).join(", ")}`);

const TICK_MS = 10; // /proc's clock ticks (USER_HZ 100 on Linux)
const MAIN = String(process.pid);

/** CPU ms of the main thread and of all the others so far. */
function threadCpu(): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of fs.readdirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // a thread that ended between the listing and the read
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    if (tid === MAIN) main += ms;
    else others += ms;
  }
  return { main, others };
}

if (hasFlag("--no-layer-chains")) setLayerChains(false);
await selectBackend(workload.backend);
const trainer = await Trainer.create(workload.plan);
console.log(`${workload.title} on ${workload.backend}, GAN_BLAS_THREADS=${process.env["GAN_BLAS_THREADS"] ?? "unset"}${hasFlag("--no-layer-chains") ? ", without layer chains" : ""}: CPU ms per step, windows of ${WINDOW} steps`);
console.log("steps        main thread   other threads   process   wall");
for (let done = 0; done < STEPS; done += WINDOW) {
  const before = threadCpu();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < WINDOW; i++) await trainer.runStep();
  const wall = (performance.now() - start) / WINDOW;
  const cpu = process.cpuUsage(cpuBefore);
  const after = threadCpu();
  const per = (ms: number) => (ms / WINDOW).toFixed(2).padStart(8);
  console.log(`${`${done}-${done + WINDOW}`.padEnd(12)} ${per(after.main - before.main)}      ${per(after.others - before.others)}       ${per((cpu.user + cpu.system) / 1000)}  ${wall.toFixed(2).padStart(6)}`);
}
trainer.dispose();
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ${new Date().toISOString()}`);
