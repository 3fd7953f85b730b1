/**
 * Where a training step's products go and what a second OpenBLAS thread does to them: every
 * sgemm call of a few steps of a benchmark workload on blas, grouped by shape (m, n, k and the
 * transposes), with its count per step and its wall time inside the step; then each shape
 * timed on its own at 1 and at 2 OpenBLAS threads (wall and CPU time, on fresh arrays), and
 * the step's whole time beside the products' share.
 *
 * `--patch-floats N` and `--shifted-min-channels C` set the blas convolutions' patch-matrix limit
 * and shifted-product threshold (packages/backend-wasm/src/blas/blas-kernels.ts); 16777216 and
 * Infinity are the convolutions before session 8.
 *
 * With `--shapes NN:784x32x288,TN:288x32x3136,...` (transposes, then m x n x k of op(A) op(B)) it
 * trains nothing and times those products alone, hot (the same arrays called repeatedly, the
 * best of 7 rounds of about 0.2 GFLOP each), at 1 and at 2 threads.
 *
 *   GAN_BLAS_THREADS=1 node --conditions=@gan/source --import tsx bench/sgemm-calls.ts [resnet-blas] [--steps N] [--patch-floats N] [--shifted-min-channels C]
 *   node --conditions=@gan/source --import tsx bench/sgemm-calls.ts --shapes NN:1024x1024x1024,NN:784x32x288
 */
import { flag } from "./bench-args.js";
import { WORKLOADS, loadFromCore } from "./workloads.js";

type NativeBlas = import("@gan/backend-wasm").NativeBlas;
const { Trainer, selectBackend } = await import("@gan/core/runtime");
const { enableNativeBlas, nativeBlasInUse } = (await loadFromCore("@gan/backend-wasm")) as typeof import("@gan/backend-wasm");

const SHAPES = flag("--shapes");
if (SHAPES) {
  const { loadNativeBlas } = (await loadFromCore("@gan/backend-wasm")) as typeof import("@gan/backend-wasm");
  const blas = loadNativeBlas();
  for (const spec of SHAPES.split(",")) {
    const [ops, dims] = spec.split(":") as [string, string];
    const [m, n, k] = dims.split("x").map(Number) as [number, number, number];
    const transA = ops[0] === "T";
    const transB = ops[1] === "T";
    const a = new Float32Array(m * k).fill(0.5);
    const b = new Float32Array(k * n).fill(0.25);
    const c = new Float32Array(m * n);
    const calls = Math.max(3, Math.round(2e8 / (2 * m * n * k)));
    const best = [Infinity, Infinity];
    for (let round = 0; round < 7; round++) {
      for (const threads of [1, 2]) {
        blas.setThreads(threads);
        blas.sgemm(transA, transB, m, n, k, a, b, c, 0);
        const start = performance.now();
        for (let i = 0; i < calls; i++) blas.sgemm(transA, transB, m, n, k, a, b, c, 0);
        best[threads - 1] = Math.min(best[threads - 1]!, (performance.now() - start) / calls);
      }
    }
    const gflop = (2 * m * n * k) / 1e6;
    console.log(
      `${spec}: 1 thread ${best[0]!.toFixed(3)} ms (${(gflop / best[0]!).toFixed(0)} GFLOP/s), 2 threads ${best[1]!.toFixed(3)} ms (${(gflop / best[1]!).toFixed(0)} GFLOP/s): ${(best[0]! / best[1]!).toFixed(2)}x`,
    );
  }
  process.exit(0);
}

const id = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "resnet-blas";
const STEPS = Number(flag("--steps") ?? 2);
const { setMaxPatchFloats, setShiftedConvMinChannels } = await import("../packages/backend-wasm/src/blas/blas-kernels.js");
if (flag("--patch-floats")) setMaxPatchFloats(Number(flag("--patch-floats")));
if (flag("--shifted-min-channels")) setShiftedConvMinChannels(Number(flag("--shifted-min-channels")));
const workload = WORKLOADS.find((w) => w.id === id);
if (!workload || workload.backend !== "blas") {
  console.error(`unknown blas workload ${id}: one of ${WORKLOADS.filter((w) => w.backend === "blas").map((w) => w.id).join(", ")}`);
  process.exit(2);
}
await selectBackend("blas");
const blas = nativeBlasInUse()!;

interface Shape {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}
const calls = new Map<string, { shape: Shape; count: number; ms: number }>();
let recording = false;
const recordingBlas: NativeBlas = {
  library: blas.library,
  description: blas.description,
  get threads() {
    return blas.threads;
  },
  setThreads: (count) => blas.setThreads(count),
  sgemm(transA, transB, m, n, k, a, b, c, beta) {
    const start = performance.now();
    blas.sgemm(transA, transB, m, n, k, a, b, c, beta);
    if (!recording) return;
    const key = `${transA ? "T" : "N"}${transB ? "T" : "N"} ${m}x${n}x${k}`;
    const entry = calls.get(key) ?? { shape: { transA, transB, m, n, k }, count: 0, ms: 0 };
    entry.count++;
    entry.ms += performance.now() - start;
    calls.set(key, entry);
  },
  sgemv(trans, m, n, a, x, y, beta) {
    const start = performance.now();
    blas.sgemv(trans, m, n, a, x, y, beta);
    if (!recording) return;
    const key = `gemv ${trans ? "T" : "N"} ${m}x${n}`;
    const entry = calls.get(key) ?? { shape: { transA: trans, transB: false, m: trans ? n : m, n: 1, k: trans ? m : n }, count: 0, ms: 0 };
    entry.count++;
    entry.ms += performance.now() - start;
    calls.set(key, entry);
  },
};
enableNativeBlas(recordingBlas);

const trainer = await Trainer.create(workload.plan);
for (let i = 0; i < 2; i++) await trainer.runStep();

async function stepMs(threads: number): Promise<{ wall: number; cpu: number }> {
  blas.setThreads(threads);
  await trainer.runStep();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < STEPS; i++) await trainer.runStep();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / STEPS, cpu: (cpu.user + cpu.system) / 1000 / STEPS };
}

const initialThreads = blas.threads ?? 1;
recording = true;
const recorded = await stepMs(initialThreads);
recording = false;
const step1 = await stepMs(1);
const step2 = await stepMs(2);

/** Wall and CPU ms of one call of `shape` at `threads`, the median of `reps` after one warm-up. */
function timeShape(shape: Shape, threads: number, reps: number): { wall: number; cpu: number } {
  blas.setThreads(threads);
  const a = new Float32Array(shape.m * shape.k).fill(0.5);
  const b = new Float32Array(shape.k * shape.n).fill(0.25);
  const c = new Float32Array(shape.m * shape.n);
  blas.sgemm(shape.transA, shape.transB, shape.m, shape.n, shape.k, a, b, c, 0);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    blas.sgemm(shape.transA, shape.transB, shape.m, shape.n, shape.k, a, b, c, 0);
    walls.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  return { wall: median(walls), cpu: median(cpus) };
}

const rows = [...calls.entries()].sort((x, y) => y[1].ms - x[1].ms);
let sgemmMs = 0;
let isolated1 = 0;
let isolated2 = 0;
console.log(`${workload.title}: ${rows.length} product shapes; OpenBLAS ${blas.description}`);
console.log("shape (op(A) m x n x k)        calls/step  ms/step in the step   one call at 1 / 2 threads: wall ms (CPU ms)   speed-up");
for (const [key, { shape, count, ms }] of rows) {
  const perStep = count / STEPS;
  const t1 = timeShape(shape, 1, 5);
  const t2 = timeShape(shape, 2, 5);
  sgemmMs += ms / STEPS;
  isolated1 += perStep * t1.wall;
  isolated2 += perStep * t2.wall;
  console.log(
    `${key.padEnd(30)} ${perStep.toFixed(1).padStart(10)}  ${(ms / STEPS).toFixed(1).padStart(18)}   ` +
      `${t1.wall.toFixed(2)} (${t1.cpu.toFixed(2)}) / ${t2.wall.toFixed(2)} (${t2.cpu.toFixed(2)})`.padEnd(44) +
      `${(t1.wall / t2.wall).toFixed(2)}x`,
  );
}
console.log(
  `products: ${sgemmMs.toFixed(0)} ms of a ${recorded.wall.toFixed(0)} ms step at ${initialThreads} thread(s); ` +
    `the same calls on their own: ${isolated1.toFixed(0)} ms at 1 thread, ${isolated2.toFixed(0)} ms at 2`,
);
console.log(
  `whole step: ${step1.wall.toFixed(0)} ms wall (${step1.cpu.toFixed(0)} ms CPU) at 1 thread, ` +
    `${step2.wall.toFixed(0)} ms wall (${step2.cpu.toFixed(0)} ms CPU) at 2`,
);
trainer.dispose();
