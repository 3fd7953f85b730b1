/**
 * The cost of the metrics on features (issue 19): the Fréchet distance, KID (100 subsets of
 * 1,000) and the k-NN metrics (precision/recall k = 3, density/coverage k = 5) of n generated
 * against n real 128-d vectors (the MNIST classifier's width), on each backend; the k-NN pass
 * again with the same real set (its radii cached, as every `eval every` of a run has); and what
 * a line of scalars costs the TensorBoard writer, beside a training step.
 *
 *   pnpm bench:features            (N=10000 BACKENDS=blas,wasm by default)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend, TensorBoardWriter } from "@gan/core/runtime";
import { featureMatrix, featureStatistics, frechetDistance, kernelInceptionDistance, neighbourMetrics, uniformSource } from "@gan/metrics";

const N = Number(process.env.N ?? 10_000);
const D = 128;
const BACKENDS = (process.env.BACKENDS ?? "blas,wasm").split(",");
const TENSORBOARD_LINES = 20_000;

const uniform = uniformSource(1);
/** ReLU-like features: non-negative, a quarter of them zero. */
const features = (n: number) => featureMatrix(Float32Array.from({ length: n * D }, () => Math.max(0, uniform() * 4 - 1)), n, D);

async function seconds(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return +((performance.now() - start) / 1000).toFixed(2);
}

console.log(`n = ${N} real and ${N} generated ${D}-d vectors; load average at start ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
for (const backend of BACKENDS) {
  await selectBackend(backend as "blas");
  const real = features(N);
  const generated = features(N);
  const fd = await seconds(() => frechetDistance(featureStatistics(real.values, N, D), featureStatistics(generated.values, N, D)));
  const kid = await seconds(() => kernelInceptionDistance(real, generated));
  const knn = await seconds(() => neighbourMetrics(real, generated, { precisionRecallK: 3, densityCoverageK: 5 }));
  const knnAgain = await seconds(() => neighbourMetrics(real, features(N), { precisionRecallK: 3, densityCoverageK: 5 }));
  console.log(JSON.stringify({ backend, fdSeconds: fd, kidSeconds: kid, knnSeconds: knn, knnSameRealSeconds: knnAgain, load: loadavg().map((x) => +x.toFixed(1)) }));
}

const dir = mkdtempSync(join(tmpdir(), "gan-bench-tensorboard-"));
const writer = new TensorBoardWriter(dir);
const line = { d_loss: 0.69, g_loss: 0.7, d_acc: 0.5, g_grad_norm: 1.2, d_lr: 2e-4, g_lr: 2e-4, steps_per_sec: 100 };
const start = performance.now();
for (let step = 1; step <= TENSORBOARD_LINES; step++) writer.scalars(step, line);
const microseconds = ((performance.now() - start) * 1000) / TENSORBOARD_LINES;
writer.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ tensorboardMicrosecondsPerLine: +microseconds.toFixed(1), lines: TENSORBOARD_LINES, load: loadavg().map((x) => +x.toFixed(1)) }));
