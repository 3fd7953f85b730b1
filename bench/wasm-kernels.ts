/**
 * The wasm training kernels of @gan/backend-wasm against what they replace, on the shapes
 * of an MNIST DCGAN (batch 64, 4x4 kernels, stride 2, 'same') and a 2D-ring MLP GAN
 * (batch 512, 2x128), then whole D+G steps of both. Median of repetitions after warm-up.
 *
 *   node --conditions=@gan/source --import tsx bench/wasm-kernels.ts [--reps N] [--wall]
 *
 * tfjs resolves from packages/backend-wasm, the package that depends on it.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { median } from "./bench-args.js";

type Tf = typeof import("@tensorflow/tfjs-core");
type Tensor = import("@tensorflow/tfjs-core").Tensor;

const fromPackage = createRequire(new URL("../packages/backend-wasm/package.json", import.meta.url));
const load = async (name: string) => import(pathToFileURL(fromPackage.resolve(name)).href);
const tf: Tf = await load("@tensorflow/tfjs-core");
await load("@tensorflow/tfjs-backend-cpu");
await load("@tensorflow/tfjs-backend-wasm");
await load("@tensorflow/tfjs-layers"); // its bundle registers tfjs-core's gradients; the core entry does not
const { registerWasmTraining } = await import("../packages/backend-wasm/src/index.js");
const { conv2DBackpropFilterConfig } = await import(
  "../packages/backend-wasm/src/kernels/conv2d-backprop-filter.js"
);

const repsArg = process.argv.indexOf("--reps");
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 15;
const WARMUP = 3;

/**
 * Median time of `f` in ms. The wasm backend is single-threaded and synchronous, so the
 * process's CPU time (user + system) is the kernel time, and unlike wall time it does not
 * grow when other processes share the cores. `--wall` measures wall time instead.
 */
const WALL = process.argv.includes("--wall");
function now(): number {
  if (WALL) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
function time(f: () => void, reps = REPS, warmup = WARMUP): number {
  for (let i = 0; i < warmup; i++) f();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    f();
    samples.push(now() - t0);
  }
  return median(samples);
}

let seed = 12345;
function rand(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    v[i] = seed / 2 ** 32 - 0.5;
  }
  return tf.tensor(v, shape);
}

function runKernel(name: string, inputs: Record<string, Tensor>, attrs: object): () => void {
  return () => tf.dispose(tf.engine().runKernel(name, inputs, attrs as never) as Tensor);
}

/** The registered gradient of `name` with respect to x, given dy and the saved x. */
function runGradient(name: string, inputs: Record<string, Tensor>, attrs: object): () => void {
  return () =>
    tf.tidy(() => {
      const grads = tf.getGradient(name).gradFunc(inputs.dy as Tensor, [inputs.x as Tensor], attrs as never);
      (grads.x as () => Tensor)();
    });
}

function caseRunner(c: Case, inputs: Record<string, Tensor>, attrs: object): () => void {
  return c.gradient ? runGradient(c.kernel, inputs, attrs) : runKernel(c.kernel, inputs, attrs);
}

// --- kernel cases ----------------------------------------------------------------------
interface Case {
  label: string;
  kernel: string;
  /** The cpu backend's naive loops would take minutes here. */
  cpuTooSlow?: boolean;
  /** Time the kernel's registered gradient (inputs x and dy) instead of the kernel. */
  gradient?: boolean;
  make: () => { inputs: Record<string, Tensor>; attrs: object };
}
const conv = { strides: 2, pad: "same", dataFormat: "NHWC", dimRoundingMode: undefined };
const cases: Case[] = [
  {
    label: "Conv2DBackpropInput dy[64,7,7,128] W[4,4,64,128] -> [64,14,14,64]",
    kernel: "Conv2DBackpropInput",
    make: () => ({
      inputs: { dy: rand([64, 7, 7, 128]), filter: rand([4, 4, 64, 128]) },
      attrs: { ...conv, inputShape: [64, 14, 14, 64] },
    }),
  },
  {
    label: "Conv2DBackpropInput dy[64,14,14,64] W[4,4,1,64] -> [64,28,28,1]",
    kernel: "Conv2DBackpropInput",
    make: () => ({
      inputs: { dy: rand([64, 14, 14, 64]), filter: rand([4, 4, 1, 64]) },
      attrs: { ...conv, inputShape: [64, 28, 28, 1] },
    }),
  },
  {
    label: "Conv2DBackpropFilter x[64,14,14,64] dy[64,7,7,128] -> [4,4,64,128]",
    kernel: "Conv2DBackpropFilter",
    cpuTooSlow: true,
    make: () => ({
      inputs: { x: rand([64, 14, 14, 64]), dy: rand([64, 7, 7, 128]) },
      attrs: { ...conv, filterShape: [4, 4, 64, 128] },
    }),
  },
  {
    label: "Conv2DBackpropFilter x[64,28,28,1] dy[64,14,14,64] -> [4,4,1,64]",
    kernel: "Conv2DBackpropFilter",
    make: () => ({
      inputs: { x: rand([64, 28, 28, 1]), dy: rand([64, 14, 14, 64]) },
      attrs: { ...conv, filterShape: [4, 4, 1, 64] },
    }),
  },
  {
    label: "LeakyRelu [64,14,14,64]",
    kernel: "LeakyRelu",
    make: () => ({ inputs: { x: rand([64, 14, 14, 64]) }, attrs: { alpha: 0.2 } }),
  },
  {
    label: "LeakyRelu gradient [64,14,14,64]",
    kernel: "LeakyRelu",
    gradient: true,
    make: () => ({ inputs: { x: rand([64, 14, 14, 64]), dy: rand([64, 14, 14, 64]) }, attrs: { alpha: 0.2 } }),
  },
  {
    label: "Sum [64,14,14,64] over N,H,W (bias gradient)",
    kernel: "Sum",
    make: () => ({ inputs: { x: rand([64, 14, 14, 64]) }, attrs: { axis: [0, 1, 2], keepDims: false } }),
  },
  {
    label: "Tanh [512,128]",
    kernel: "Tanh",
    make: () => ({ inputs: { x: rand([512, 128]) }, attrs: {} }),
  },
  {
    label: "BatchMatMul [512,256]x[128,256]^T (dense dx)",
    kernel: "BatchMatMul",
    make: () => ({
      inputs: { a: rand([1, 512, 256]), b: rand([1, 128, 256]) },
      attrs: { transposeA: false, transposeB: true },
    }),
  },
  {
    label: "BatchMatMul [512,256]^T x[512,128] (dense dW)",
    kernel: "BatchMatMul",
    make: () => ({
      inputs: { a: rand([1, 512, 256]), b: rand([1, 512, 128]) },
      attrs: { transposeA: true, transposeB: false },
    }),
  },
  {
    label: "BatchMatMul [64,6272]x[100,6272]^T (DCGAN G dense dx)",
    kernel: "BatchMatMul",
    make: () => ({
      inputs: { a: rand([1, 64, 6272]), b: rand([1, 100, 6272]) },
      attrs: { transposeA: false, transposeB: true },
    }),
  },
  {
    label: "BatchMatMul [512,256]x[256,128] (plain, unchanged)",
    kernel: "BatchMatMul",
    make: () => ({
      inputs: { a: rand([1, 512, 256]), b: rand([1, 256, 128]) },
      attrs: { transposeA: false, transposeB: false },
    }),
  },
];

/**
 * The zero-dilated form of Conv2DBackpropInput (one stride-1 convolution over dy with s-1
 * zeros between entries), measured for comparison with the sub-pixel form kept.
 */
function zeroDilatedBackpropInput(dy: Tensor, filter: Tensor, inputShape: number[], s: number): Tensor {
  return tf.tidy(() => {
    const [n, oh, ow, co] = dy.shape as number[];
    const [kh, kw] = filter.shape as number[];
    const [, h, w] = inputShape as number[];
    const spread = tf.pad(tf.reshape(dy, [n!, oh!, 1, ow!, 1, co!]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
    const dilated = tf.reshape(spread, [n!, oh! * s, ow! * s, co!]) as import("@tensorflow/tfjs-core").Tensor4D;
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as import("@tensorflow/tfjs-core").Tensor4D;
    // 'same' at stride s: padTop = floor(total/2), total = max((oh-1)*s + kh - h, 0).
    const padTop = Math.floor(Math.max((oh! - 1) * s + kh! - h!, 0) / 2);
    const padLeft = Math.floor(Math.max((ow! - 1) * s + kw! - w!, 0) / 2);
    const before = [kh! - 1 - padTop, kw! - 1 - padLeft];
    const after = [h! - 1 + padTop - (oh! * s - 1), w! - 1 + padLeft - (ow! * s - 1)];
    return tf.conv2d(dilated, flipped, 1, [[0, 0], [before[0]!, after[0]!], [before[1]!, after[1]!], [0, 0]]);
  });
}

// --- whole steps -----------------------------------------------------------------------
function dcganStep(): { step: () => void; dispose: () => void } {
  const v = (shape: number[]) => tf.variable(tf.mul(rand(shape), 0.1));
  const g = { w0: v([100, 7 * 7 * 128]), b0: v([7 * 7 * 128]), w1: v([4, 4, 64, 128]), w2: v([4, 4, 1, 64]) };
  const d = { w1: v([4, 4, 1, 64]), b1: v([64]), w2: v([4, 4, 64, 128]), b2: v([128]), w3: v([7 * 7 * 128, 1]) };
  const real = rand([64, 28, 28, 1]);
  const z = rand([64, 100]);
  const gen = () => {
    const h0 = tf.relu(tf.reshape(tf.add(tf.matMul(z, g.w0), g.b0), [64, 7, 7, 128])) as import("@tensorflow/tfjs-core").Tensor4D;
    const h1 = tf.relu(tf.conv2dTranspose(h0, g.w1 as never, [64, 14, 14, 64], 2, "same"));
    return tf.tanh(tf.conv2dTranspose(h1, g.w2 as never, [64, 28, 28, 1], 2, "same"));
  };
  const disc = (x: Tensor) => {
    const h1 = tf.leakyRelu(tf.fused.conv2d({ x: x as never, filter: d.w1 as never, strides: 2, pad: "same", bias: d.b1 }), 0.2);
    const h2 = tf.leakyRelu(tf.fused.conv2d({ x: h1 as never, filter: d.w2 as never, strides: 2, pad: "same", bias: d.b2 }), 0.2);
    return tf.matMul(tf.reshape(h2, [64, 7 * 7 * 128]), d.w3);
  };
  const optD = tf.train.adam(2e-4, 0.5);
  const optG = tf.train.adam(2e-4, 0.5);
  const step = () => {
    optD.minimize(() => tf.add(tf.mean(tf.softplus(tf.neg(disc(real)))), tf.mean(tf.softplus(disc(gen())))), false, Object.values(d));
    optG.minimize(() => tf.mean(tf.softplus(tf.neg(disc(gen())))), false, Object.values(g));
  };
  return { step, dispose: () => tf.dispose([...Object.values(g), ...Object.values(d), real, z]) };
}

function ringStep(): { step: () => void; dispose: () => void } {
  const v = (shape: number[]) => tf.variable(tf.mul(rand(shape), 0.1));
  const g = [v([256, 128]), v([128]), v([128, 128]), v([128]), v([128, 2]), v([2])];
  const d = [v([2, 128]), v([128]), v([128, 128]), v([128]), v([128, 1]), v([1])];
  const real = rand([512, 2]);
  const z = rand([512, 256]);
  const mlp = (x: Tensor, p: Tensor[]) => {
    const h1 = tf.tanh(tf.add(tf.matMul(x as never, p[0] as never), p[1] as Tensor));
    const h2 = tf.tanh(tf.add(tf.matMul(h1, p[2] as never), p[3] as Tensor));
    return tf.add(tf.matMul(h2, p[4] as never), p[5] as Tensor);
  };
  const optD = tf.train.adam(1e-4, 0.5);
  const optG = tf.train.adam(1e-3, 0.5);
  const step = () => {
    optD.minimize(() => tf.add(tf.mean(tf.softplus(tf.neg(mlp(real, d)))), tf.mean(tf.softplus(mlp(mlp(z, g), d)))), false, d);
    optG.minimize(() => tf.mean(tf.softplus(tf.neg(mlp(mlp(z, g), d)))), false, g);
  };
  return { step, dispose: () => tf.dispose([...g, ...d, real, z]) };
}

async function kernelProfile(step: () => void): Promise<string> {
  const profile = await tf.profile(() => {
    step();
    return tf.scalar(0);
  });
  const byKernel = new Map<string, number>();
  let total = 0;
  for (const k of profile.kernels) {
    if (k.name.endsWith("__op")) continue; // op scopes (fused ops) wrap a kernel also listed
    const ms = Number(k.kernelTimeMs);
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return `kernel time ${total.toFixed(0)} ms: ` + top.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(", ");
}

// --- run -------------------------------------------------------------------------------
await tf.setBackend("wasm");
await tf.ready();
const rows: string[] = [];
const report = (line: string) => {
  rows.push(line);
  console.log(line);
};
report(
  `tfjs ${tf.version_core}, wasm SIMD (non-threaded), node ${process.version}, ` +
    `${WALL ? "wall" : "CPU"} time, median of ${REPS} after ${WARMUP} warm-up`,
);

const before = new Map<string, number>();
for (const c of cases) {
  const { inputs, attrs } = c.make();
  if (tf.getKernel(c.kernel, "wasm") !== undefined) {
    before.set(c.label, time(caseRunner(c, inputs, attrs)));
  } else if (c.cpuTooSlow) {
    before.set(c.label, Number.NaN);
  } else {
    await tf.setBackend("cpu"); // no wasm kernel at all: the cpu backend is the fallback
    before.set(c.label, -time(runKernel(c.kernel, inputs, attrs), 1, 0)); // slow: one run
    await tf.setBackend("wasm");
  }
  tf.dispose(Object.values(inputs));
  console.error(`before: ${c.label}: ${before.get(c.label)?.toFixed(2)} ms`);
}

// Steps before: only the missing filter kernel added (a conv net cannot train without it).
tf.registerKernel(conv2DBackpropFilterConfig);
const ring0 = ringStep();
const ringBefore = time(ring0.step, 10);
console.error(`before: ring step ${ringBefore.toFixed(1)} ms`);
const ringProfileBefore = await kernelProfile(ring0.step);
ring0.dispose();
const dc0 = dcganStep();
const dcBefore = time(dc0.step, 5);
console.error(`before: DCGAN step ${dcBefore.toFixed(1)} ms`);
const dcProfileBefore = await kernelProfile(dc0.step);
dc0.dispose();
const dyZ = rand([64, 7, 7, 128]);
const wZ = rand([4, 4, 64, 128]);
const zeroDilated = time(() => tf.dispose(zeroDilatedBackpropInput(dyZ, wZ, [64, 14, 14, 64], 2)));
tf.dispose([dyZ, wZ]);

tf.unregisterKernel(conv2DBackpropFilterConfig.kernelName, "wasm");
await registerWasmTraining();

report("");
report("| kernel and shapes | before (ms) | after (ms) | speedup |");
report("|---|---|---|---|");
for (const c of cases) {
  const { inputs, attrs } = c.make();
  const after = time(caseRunner(c, inputs, attrs));
  tf.dispose(Object.values(inputs));
  const b = before.get(c.label) as number;
  const was = Number.isNaN(b) ? "none on wasm" : b < 0 ? `${(-b).toFixed(0)} (cpu backend; none on wasm)` : b.toFixed(2);
  const speedup = Number.isNaN(b) ? "" : `${(Math.abs(b) / after).toFixed(1)}x`;
  report(`| ${c.label} | ${was} | ${after.toFixed(2)} | ${speedup} |`);
}
report(`| (zero-dilated stride-1 form of the first Conv2DBackpropInput, not kept) | | ${zeroDilated.toFixed(2)} | |`);

const ring1 = ringStep();
const ringAfter = time(ring1.step, 10);
const ringProfileAfter = await kernelProfile(ring1.step);
ring1.dispose();
const dc1 = dcganStep();
const dcAfter = time(dc1.step, 5);
const dcProfileAfter = await kernelProfile(dc1.step);
dc1.dispose();
report("");
report("| whole D+G step (hand-written tfjs-core loop, Adam) | before (ms) | after (ms) | speedup |");
report("|---|---|---|---|");
report(`| ring MLP GAN, batch 512, 2x128 tanh | ${ringBefore.toFixed(1)} | ${ringAfter.toFixed(1)} | ${(ringBefore / ringAfter).toFixed(1)}x |`);
report(`| MNIST DCGAN, batch 64 | ${dcBefore.toFixed(1)} | ${dcAfter.toFixed(1)} | ${(dcBefore / dcAfter).toFixed(1)}x |`);
report("");
report(`ring before: ${ringProfileBefore}`);
report(`ring after:  ${ringProfileAfter}`);
report(`DCGAN before: ${dcProfileBefore}`);
report(`DCGAN after:  ${dcProfileAfter}`);
