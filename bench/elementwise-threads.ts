/**
 * Issue 21 item 3, measured: would threads pay for the non-BLAS kernels of the convolutional
 * workloads? On the blas backend's own tensors (the wasm heap), for the MNIST ResNet's and
 * DCGAN's feature-map shapes, times
 * - wasm's own FusedBatchNorm, gan's SIMD one (kernels/batch-norm.ts), wasm's Multiply, and
 *   a batch-norm layer forward (tf.moments, tf.batchNorm) and forward + backward (tf.grad) as
 *   the training step runs them;
 * - the same work as native C loops (bench/elementwise-threads.c, built here with the
 *   machine's C compiler and OpenMP: a prototype, not a dependency) on 1 and 2 threads,
 *   called through koffi on the very heap views, the way the BLAS is;
 * - the dispatch: a koffi call into an empty OpenMP parallel region, and a round trip to a
 *   worker_threads worker through Atomics.notify / Atomics.wait on a SharedArrayBuffer;
 * and says whether the wasm heap is a SharedArrayBuffer (what a pool of JavaScript workers on
 * it would need). Wall and CPU time (all threads) per call, the median of repeated calls.
 * OMP_WAIT_POLICY (passive: threads sleep between calls; active: they spin) is libgomp's.
 *
 *   node --conditions=@gan/source --import tsx bench/elementwise-threads.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { selectBackend } from "@gan/core/runtime";
import { loadFromCore, tf } from "./workloads.js";

type Tensor = import("@tensorflow/tfjs-core").Tensor;
type TensorInfo = import("@tensorflow/tfjs-core").TensorInfo;
interface WasmBackend {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(id: object): boolean;
  wasm: { asm?: { memory?: { buffer: ArrayBufferLike } } };
}

const source = fileURLToPath(new URL("./elementwise-threads.c", import.meta.url));
const buildDir = mkdtempSync(path.join(os.tmpdir(), "gan-ew-"));
const library = path.join(buildDir, "libew.so");
try {
  execFileSync("cc", ["-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", source, "-o", library], { stdio: ["ignore", "ignore", "pipe"] });
} catch (error) {
  console.error(`bench/elementwise-threads.ts needs a C compiler with OpenMP as \`cc\` (gcc): building ${source} failed: ${(error as Error).message.split("\n")[0]}`);
  rmSync(buildDir, { recursive: true, force: true });
  process.exit(2);
}

await selectBackend("blas");
const backend = tf.backend() as unknown as WasmBackend;
// wasm's own FusedBatchNorm, kept by @gan/backend-wasm when it registered its own.
const { originalWasmKernel } = await import("../packages/backend-wasm/src/wasm-ops.js");
const wasmBatchNorm = originalWasmKernel("FusedBatchNorm");
await loadFromCore("@tensorflow/tfjs-backend-wasm");
const koffi = createRequire(new URL("../packages/backend-wasm/package.json", import.meta.url))("koffi");
const lib = koffi.load(library);
const noop = lib.func("void ew_noop(int)");
const mul = lib.func("void ew_mul(float *a, float *b, float *out, long n, int t)");
const bnApply = lib.func("void ew_bn_apply(float *x, float *m, float *v, float *o, float *s, float eps, float *y, long rows, long ch, int t)");
const moments = lib.func("void ew_moments(float *x, float *m, float *v, long rows, long ch, int t)");
const bnGrad = lib.func(
  "void ew_bn_grad(float *x, float *dy, float *m, float *v, float *s, float eps, float *dx, float *ds, float *db, long rows, long ch, int t)",
);

interface Timing {
  wall: number;
  cpu: number;
}
function time(fn: () => void, reps: number): Timing {
  for (let i = 0; i < 3; i++) fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { wall: median(walls), cpu: median(cpus) };
}
const ms = (t: Timing) => `${t.wall.toFixed(3)} ms (CPU ${t.cpu.toFixed(3)})`;
const load = () => os.loadavg()[0]!.toFixed(2);

console.log(`${new Date().toISOString()}, load ${load()}, OMP_WAIT_POLICY=${process.env["OMP_WAIT_POLICY"] ?? "(unset)"}`);
const memory = backend.wasm.asm?.memory;
console.log(`the wasm heap is ${memory?.buffer instanceof SharedArrayBuffer ? "" : "not "}a SharedArrayBuffer`);

// Dispatch costs.
for (const threads of [1, 2]) {
  const t = time(() => {
    for (let i = 0; i < 1000; i++) noop(threads);
  }, 15);
  console.log(`koffi call into an empty parallel region, ${threads} thread(s): ${t.wall.toFixed(2)} us a call`);
}
{
  // A worker that answers each notify: flag 1 = work posted, 2 = done.
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData } = require("node:worker_threads");
     const flag = new Int32Array(workerData);
     for (;;) { Atomics.wait(flag, 0, 0); if (flag[0] === 3) break; Atomics.store(flag, 0, 2); Atomics.notify(flag, 0); }`,
    { eval: true, workerData: flag.buffer },
  );
  await new Promise((resolve) => worker.once("online", resolve));
  const roundTrip = () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    while (Atomics.load(flag, 0) !== 2) Atomics.wait(flag, 0, 1, 1);
    Atomics.store(flag, 0, 0);
  };
  const t = time(() => {
    for (let i = 0; i < 1000; i++) roundTrip();
  }, 15);
  console.log(`worker_threads round trip (Atomics.notify, the worker wakes, answers, Atomics.wait): ${t.wall.toFixed(2)} us a call`);
  Atomics.store(flag, 0, 3);
  Atomics.notify(flag, 0);
  await worker.terminate();
}

const SHAPES: [number, number, number, number][] = [
  [64, 28, 28, 32], // the ResNet's 28x28 maps
  [64, 14, 14, 64], // the ResNet's and the DCGAN's 14x14 maps
  [64, 7, 7, 128], // the DCGAN's 7x7 maps
];
const EPS = 1e-3;
const REPS = 15;
for (const shape of SHAPES) {
  const [n, h, w, ch] = shape;
  const rows = n * h * w;
  const size = rows * ch;
  const [x, y, dy, out] = [1, 2, 3, 4].map(() => tf.randomNormal(shape)) as Tensor[];
  const mean = tf.randomNormal([ch]);
  const variance = tf.randomUniform([ch], 0.5, 2);
  const offset = tf.randomNormal([ch]);
  const scale = tf.randomNormal([ch]);
  const dScale = tf.zeros([ch]);
  const dOffset = tf.zeros([ch]);
  console.log(`\n[${shape.join(", ")}], ${((size * 4) / 2 ** 20).toFixed(1)} MiB, load ${load()}`);
  const feed = { x, mean, variance, offset, scale };
  const own = time(() => {
    const result = wasmBatchNorm({ inputs: feed as never, backend: backend as never, attrs: { varianceEpsilon: EPS } as never }) as TensorInfo;
    backend.disposeData(result.dataId);
  }, REPS);
  const ours = time(() => tf.tidy(() => void tf.batchNorm(x!, mean, variance, offset, scale, EPS)), REPS);
  const multiply = time(() => tf.tidy(() => void tf.mul(x!, y!)), REPS);
  const layer = (input: Tensor) => {
    const stats = tf.moments(input, [0, 1, 2]);
    return tf.batchNorm(input, stats.mean, stats.variance, offset, scale, EPS);
  };
  const forward = time(() => tf.tidy(() => void layer(x!)), REPS);
  const both = time(() => tf.tidy(() => void tf.grad(layer)(x!, dy!)), 7);
  console.log(`wasm FusedBatchNorm ${ms(own)}; gan's SIMD FusedBatchNorm ${ms(ours)}; wasm Multiply ${ms(multiply)}`);
  console.log(`tfjs batch-norm layer (moments, FusedBatchNorm) forward ${ms(forward)}; forward + backward ${ms(both)}`);
  for (const threads of [1, 2]) {
    const [X, Y, DY, OUT, M, V, O, S, DS, DO] = [x, y, dy, out, mean, variance, offset, scale, dScale, dOffset].map((t) => backend.typedArrayFromHeap(t!));
    const nMul = time(() => mul(X, Y, OUT, size, threads), REPS);
    const nApply = time(() => bnApply(X, M, V, O, S, EPS, OUT, rows, ch, threads), REPS);
    const nForward = time(() => {
      moments(X, M, V, rows, ch, threads);
      bnApply(X, M, V, O, S, EPS, OUT, rows, ch, threads);
    }, REPS);
    const nBoth = time(() => {
      moments(X, M, V, rows, ch, threads);
      bnApply(X, M, V, O, S, EPS, OUT, rows, ch, threads);
      bnGrad(X, DY, M, V, S, EPS, OUT, DS, DO, rows, ch, threads);
    }, REPS);
    console.log(`C, ${threads} thread(s): FusedBatchNorm ${ms(nApply)}; Multiply ${ms(nMul)}; layer forward ${ms(nForward)}; forward + backward ${ms(nBoth)}`);
  }
  tf.dispose([x!, y!, dy!, out!, mean, variance, offset, scale, dScale, dOffset]);
}
console.log(`\nload ${load()} at the end`);
rmSync(buildDir, { recursive: true, force: true }); // the loaded library stays mapped until the exit
process.exit(0);
