/**
 * What a kernel change does to a training step: two Trainers of one workload in one
 * process, one step of each in turn, by CPU time (bench/interleaved.ts), one with gan's
 * kernels as they are and one with the changed kernel put back to what it replaced for the
 * length of its steps. The ratio is "with the change / without it": below 1 is faster.
 *
 *   node --conditions=@gan/source --import tsx bench/kernel-ab.ts [--changes fused-optimizer,identity] [--only ring-blas,dcgan-blas,ring-leaky-blas] [--scale F] [--no-write]
 *
 * Changes (each measured on its own):
 * - fused-optimizer: the optimizer's update as one kernel per network and update over
 *   flat slot buffers (@gan/core's fused-optimizer.ts), against tfjs's optimizer (Adam: 14
 *   kernels per variable);
 * - identity: wasm's Identity sharing its input's buffer (@gan/backend-wasm), against wasm's
 *   own Identity, which copies it;
 * - cast: wasm's Cast to the same dtype sharing its input's buffer, against wasm's own Cast,
 *   which copies it;
 * - health: the NaN watch's update as one kernel (@gan/core's numeric-health.ts), against its
 *   chain of tfjs ops;
 * - reduce-gradients: the gradients of Sum and Mean broadcasting dy (@gan/backend-wasm's
 *   fast-gradients.ts), against tfjs's, which multiply it by a tensor of ones;
 * - dense-kernel: a dense layer under the tape as one kernel forward and a short gradient
 *   (@gan/core's dense-kernel.ts), against tfjs-layers' Dense (BatchMatMul, Add and Relu, or
 *   the fused product among reshapes);
 * - logistic-kernels: sigmoid cross-entropy and softplus as one kernel each way
 *   (@gan/core's logistic-kernels.ts), against their chains of tfjs ops (8 and 6 forward);
 * - dense-relu-gradient: a ReLU dense layer's dz = dy step(y) and its bias's gradient as one
 *   kernel (@gan/core's dense-kernel.ts), against tfjs's Step, Multiply and Sum;
 * - dense-add-relu: GanDense's bias and ReLU as one SIMD pass on the wasm heap, in place on the
 *   product, against wasm's Add and Relu kernels inside GanDense.
 * - binary-kernel: the binary operations inside gan's composed kernels (the sigmoid losses') as
 *   SIMD loops on the wasm heap (@gan/core's binary-kernel.ts), against wasm's binary kernels.
 * - conv-runs: the blas backend's patch matrices a few images at a time (at most 4 MiB each,
 *   @gan/backend-wasm's blas-kernels.ts), against one of up to 64 MiB; stride-1 convolutions
 *   through patch matrices on both sides.
 * - shifted-conv: stride-1 convolutions as shifted products (@gan/backend-wasm's
 *   shifted-conv.ts), against patch matrices; runs of a few images on both sides.
 * - conv-blocking: both of the above against neither (the blas convolutions before them).
 * - avg-pool-grad: AvgPoolGrad of windows that tile the input by block copies
 *   (@gan/backend-wasm), against wasm's own kernel.
 * - gemv: the blas backend's products with one row or one column through sgemv, against sgemm.
 * - conv-all: conv-blocking, avg-pool-grad and gemv together, against none of them.
 * - dense-all: dense-relu-gradient, dense-add-relu and binary-kernel together, against none of them.
 * - batch-norm: FusedBatchNorm (batch norm's normalisation) as one SIMD pass on the wasm heap
 *   (@gan/backend-wasm's kernels/batch-norm.ts), against wasm's own kernel.
 * - batch-norm-gradient: FusedBatchNorm's gradient as one kernel on wasm (a SIMD pass for its
 *   full-size products, then the backend's Sums), against tfjs-core's gradient.
 * - batch-norm-all: both of the above against neither.
 * - sum-interior: Sum over interior axes (an upsampling's gradient) in one pass of heapSimd's
 *   addInto (@gan/backend-wasm's kernels/sum.ts), against wasm's own Sum for those axes.
 * - layer-chain: a sequential model of dense layers applied layer by layer (@gan/core's
 *   layer-chain.ts), against tfjs-layers' graph executor (model.apply).
 * - dense-leaky-relu: a linear dense layer and the leaky ReLU after it as one GanDense call,
 *   against the two layers one after the other (measure it on --only ring-leaky-blas, the
 *   ring with leaky ReLU in D, which is not among the other benchmarks' workloads).
 * Results go to bench/RESULTS.md, section "Kernel changes".
 */
import os from "node:os";
import { flag, hasFlag } from "./bench-args.js";
import { compare, interleave, kernelsOf } from "./interleaved.js";
import { machineLine, writeResultsSection } from "./results-file.js";
import { RING_LEAKY_BLAS, WORKLOADS, loadFromCore, tf } from "./workloads.js";

type KernelConfig = import("@tensorflow/tfjs-core").KernelConfig;
type GradConfig = import("@tensorflow/tfjs-core").GradConfig;

const SCALE = Number(flag("--scale") ?? 1);
const ONLY = (flag("--only") ?? "ring-blas,dcgan-blas").split(",");
const WRITE = !hasFlag("--no-write");

// wasm's own kernels, before gan registers its replacements over some of them.
await loadFromCore("@tensorflow/tfjs-backend-wasm");
const wasmIdentity = tf.getKernel("Identity", "wasm");
const wasmCast = tf.getKernel("Cast", "wasm");
const wasmAvgPoolGrad = tf.getKernel("AvgPoolGrad", "wasm");
const wasmFusedBatchNorm = tf.getKernel("FusedBatchNorm", "wasm");
const wasmSum = tf.getKernel("Sum", "wasm")!;
// tfjs's gradients, as tfjs-layers' bundle registered them (workloads.js loaded it), before gan's.
const tfjsGradients = (names: string[]) => names.map((name) => tf.getGradient(name)!);
const tfjsBatchNormGradient = tfjsGradients(["FusedBatchNorm"]);
// The module @gan/core's blas backend runs (the same file, so the same settings).
const { setMaxPatchFloats, setShiftedConvMinChannels } = await import("../packages/backend-wasm/src/blas/blas-kernels.js");
const { enableNativeBlas, nativeBlasInUse } = await import("../packages/backend-wasm/src/index.js");

/** Puts in a BLAS whose sgemv is the sgemm call the products with one row or column made before; returns how to undo it. */
function gemvAsGemm(): () => void {
  const real = nativeBlasInUse();
  if (!real) throw new Error("the gemv change needs the blas backend");
  // y = op(A) x as y^T = x^T op(A)^T, A stored [m, n]: the [1, k] by [k, n] product of before.
  enableNativeBlas({ ...real, sgemv: (trans, m, n, a, x, y, beta) => real.sgemm(false, !trans, 1, trans ? n : m, trans ? m : n, x, a, y, beta) });
  return () => void enableNativeBlas(real);
}
const { setLayerChains, setLeakyReluFusion, BINARY_KERNEL, DENSE_KERNEL, DENSE_KERNEL_WITHOUT_SIMD, DENSE_RELU_GRADIENT_KERNEL, FUSED_OPTIMIZER, NUMERIC_HEALTH, SIGMOID_CROSS_ENTROPY, Trainer, selectBackend } = await import("@gan/core/runtime");

/** A kernel change: the kernel and what it was before; undefined: no kernel (the caller falls back). */
interface KernelChange {
  description: string;
  kernel: string;
  before: KernelConfig | undefined;
}

/** A gradient change: tfjs's gradients it replaced. */
interface GradientChange {
  description: string;
  gradients: GradConfig[];
}

/** A change made by a setting: `setBefore` puts the setting back as it was before the change and returns how to undo that. */
interface SettingChange {
  description: string;
  setBefore(): () => void;
}

type Change = KernelChange | GradientChange | SettingChange;

/** Sets the blas convolutions' patch-matrix limit and shifted-product threshold; returns how to restore them. */
function convSettings(maxPatchFloats: number | undefined, shiftedMinChannels: number | undefined): () => void {
  const floats = maxPatchFloats === undefined ? undefined : setMaxPatchFloats(maxPatchFloats);
  const channels = shiftedMinChannels === undefined ? undefined : setShiftedConvMinChannels(shiftedMinChannels);
  return () => {
    if (floats !== undefined) setMaxPatchFloats(floats);
    if (channels !== undefined) setShiftedConvMinChannels(channels);
  };
}

const CHANGES: Record<string, Change> = {
  "fused-optimizer": {
    description: "the optimizer (Adam here) as one kernel per network and update over flat slots, against tfjs's optimizer",
    kernel: FUSED_OPTIMIZER,
    before: undefined,
  },
  identity: { description: "wasm's Identity sharing its input's buffer, against copying it", kernel: "Identity", before: wasmIdentity },
  cast: { description: "wasm's Cast to the same dtype sharing its input's buffer, against copying it", kernel: "Cast", before: wasmCast },
  health: { description: "the NaN watch's update as one kernel, against its 11 tfjs ops per update", kernel: NUMERIC_HEALTH, before: undefined },
  "reduce-gradients": { description: "the gradients of Sum and Mean broadcasting dy, against tfjs's dy times a tensor of ones", gradients: tfjsGradients(["Sum", "Mean"]) },
  "dense-kernel": {
    description: "a dense layer under the gradient tape as one kernel and a short gradient, against tfjs-layers' Dense",
    kernel: DENSE_KERNEL,
    before: undefined,
  },
  "logistic-kernels": {
    description: "sigmoid cross-entropy and softplus as one kernel each way, against their chains of tfjs ops",
    kernel: SIGMOID_CROSS_ENTROPY,
    before: undefined,
  },
  "dense-relu-gradient": {
    description: "a ReLU dense layer's dz = dy step(y) and its bias's gradient as one kernel, against tfjs's Step, Multiply and Sum",
    kernel: DENSE_RELU_GRADIENT_KERNEL,
    before: undefined,
  },
  "dense-add-relu": {
    description: "GanDense's bias and ReLU as one SIMD pass on the wasm heap, against wasm's Add and Relu inside GanDense",
    kernel: DENSE_KERNEL,
    before: DENSE_KERNEL_WITHOUT_SIMD,
  },
  "binary-kernel": {
    description: "the binary operations inside gan's composed kernels as SIMD loops on the wasm heap, against wasm's binary kernels",
    kernel: BINARY_KERNEL,
    before: undefined,
  },
  "conv-runs": {
    description: "the blas backend's patch matrices a few images at a time (at most 4 MiB), against one of up to 64 MiB; no shifted products on either side",
    setBefore: () => convSettings(1 << 24, Infinity),
  },
  "shifted-conv": {
    description: "stride-1 convolutions of 8 input channels or more as shifted products on the blas backend, against patch matrices (both in runs of at most 4 MiB)",
    setBefore: () => convSettings(undefined, Infinity),
  },
  "batch-norm": {
    description: "FusedBatchNorm as one SIMD pass on the heap, against wasm's own kernel",
    kernel: "FusedBatchNorm",
    before: wasmFusedBatchNorm,
  },
  "batch-norm-gradient": {
    description: "FusedBatchNorm's gradient as one kernel on wasm (a SIMD pass, then the backend's Sums), against tfjs-core's (Sub, Tile, eight Multiply, four Sum kernels)",
    gradients: tfjsBatchNormGradient,
  },
  "batch-norm-all": {
    description: "batch-norm and batch-norm-gradient together, against neither",
    setBefore: () => {
      const gan = tf.getGradient("FusedBatchNorm")!;
      tfjsBatchNormGradient.forEach((config) => tf.registerGradient(config));
      const restoreKernel = kernelAsBefore("FusedBatchNorm", wasmFusedBatchNorm);
      return () => {
        restoreKernel();
        tf.registerGradient(gan);
      };
    },
  },
  "avg-pool-grad": {
    description: "AvgPoolGrad of windows that tile the input as one scaled row per window row and copies, against wasm's own kernel",
    kernel: "AvgPoolGrad",
    before: wasmAvgPoolGrad,
  },
  gemv: {
    description: "the blas backend's products with one row or one column (sums over leading axes) through sgemv, against sgemm",
    setBefore: gemvAsGemm,
  },
  "dense-all": {
    description: "dense-relu-gradient, dense-add-relu and binary-kernel together, against none of them",
    setBefore: () => {
      const undo = [kernelAsBefore(DENSE_RELU_GRADIENT_KERNEL, undefined), kernelAsBefore(DENSE_KERNEL, DENSE_KERNEL_WITHOUT_SIMD), kernelAsBefore(BINARY_KERNEL, undefined)];
      return () => undo.reverse().forEach((restore) => restore());
    },
  },
  "conv-all": {
    description: "conv-blocking, avg-pool-grad and gemv together, against none of them",
    setBefore: () => {
      const undo = [convSettings(1 << 24, Infinity), gemvAsGemm(), kernelAsBefore("AvgPoolGrad", wasmAvgPoolGrad)];
      return () => undo.reverse().forEach((restore) => restore());
    },
  },
  "sum-interior": {
    description: "Sum over interior axes (an upsampling's gradient) in one pass on the heap, against wasm's own Sum, which transposes first",
    setBefore: () => {
      const ganSum = tf.getKernel("Sum", tf.getBackend())!;
      // gan's Sum for the leading axes and the last one, wasm's where the reduced axes end before the last axis.
      const interior = (x: { shape: number[] }, axis: number | number[]) => {
        const axes = tf.util.parseAxisParam(axis, x.shape);
        const leading = [...axes].sort((a, b) => a - b).every((a, i) => a === i);
        return !leading && Math.max(...axes) < x.shape.length - 1;
      };
      return kernelAsBefore("Sum", {
        ...ganSum,
        kernelFunc: (args) => (interior(args.inputs["x"] as never, (args.attrs as { axis: number | number[] }).axis) ? wasmSum : ganSum).kernelFunc(args),
      });
    },
  },
  "layer-chain": {
    description: "a sequential model of dense layers applied layer by layer (@gan/core's layer-chain.ts), against tfjs-layers' graph executor (model.apply)",
    setBefore: () => {
      const before = setLayerChains(false);
      return () => void setLayerChains(before);
    },
  },
  "dense-leaky-relu": {
    description: "a linear dense layer and the leaky ReLU after it as one GanDense call (@gan/core's dense-kernel.ts, through layer-chain.ts), against the two layers one after the other",
    setBefore: () => {
      const before = setLeakyReluFusion(false);
      return () => void setLeakyReluFusion(before);
    },
  },
  "conv-blocking": {
    description: "conv-runs and shifted-conv together, against neither",
    setBefore: () => convSettings(1 << 24, Infinity),
  },
};
const CHOSEN = (flag("--changes") ?? Object.keys(CHANGES).join(",")).split(",");

/** Runs `step` with `change`'s kernel on the active backend, or its gradients, put back to what they were before the change. */
async function withoutChange(change: Change, step: () => Promise<unknown>): Promise<unknown> {
  if ("setBefore" in change) {
    const restore = change.setBefore();
    try {
      return await step();
    } finally {
      restore();
    }
  }
  if ("gradients" in change) {
    const now = change.gradients.map((config) => tf.getGradient(config.kernelName)!);
    change.gradients.forEach((config) => tf.registerGradient(config));
    try {
      return await step();
    } finally {
      now.forEach((config) => tf.registerGradient(config));
    }
  }
  const restore = kernelAsBefore(change.kernel, change.before);
  try {
    return await step();
  } finally {
    restore();
  }
}

/** Puts `kernel` on the active backend back to `before` (none: unregistered); returns how to undo that. */
function kernelAsBefore(kernel: string, before: KernelConfig | undefined): () => void {
  const backend = tf.getBackend();
  const now = tf.getKernel(kernel, backend);
  if (now) tf.unregisterKernel(kernel, backend);
  if (before) tf.registerKernel(before);
  return () => {
    if (before) tf.unregisterKernel(kernel, backend);
    if (now) tf.registerKernel(now);
  };
}

const rows: string[] = [];
for (const workload of [...WORKLOADS, RING_LEAKY_BLAS].filter((w) => ONLY.includes(w.id))) {
  await selectBackend(workload.backend);
  for (const name of CHOSEN) {
    const change = CHANGES[name];
    if (!change) throw new Error(`unknown change ${name}: one of ${Object.keys(CHANGES).join(", ")}`);
    const withTrainer = await Trainer.create(workload.plan);
    const withoutTrainer = await Trainer.create(workload.plan);
    const withStep = () => withTrainer.runStep();
    const withoutStep = () => withoutChange(change, () => withoutTrainer.runStep());
    for (let i = 0; i < workload.warmup; i++) {
      await withStep();
      await withoutStep();
    }
    const kernels = async (step: () => Promise<unknown>) => [...(await kernelsOf(step)).values()].reduce((a, b) => a + b, 0);
    const kernelsWith = await kernels(withStep);
    const kernelsWithout = await kernels(withoutStep);
    const steps = Math.max(4, Math.round(workload.steps * SCALE));
    const [timesWith, timesWithout] = await interleave(withStep, withoutStep, steps, (done) => process.stderr.write(`${workload.id} ${name}: ${done}/${steps}\n`));
    withTrainer.dispose();
    withoutTrainer.dispose();
    const { a, b, ratio, pairedRatio } = compare(timesWith, timesWithout);
    rows.push(
      `| ${workload.title} | ${workload.backend} | ${name} | ${steps} | ${a.cpu.toFixed(1)} | ${b.cpu.toFixed(1)} | **${ratio.toFixed(3)}** | ${pairedRatio.toFixed(3)} | ` +
        `${a.wall.toFixed(1)} / ${b.wall.toFixed(1)} | ${kernelsWith} / ${kernelsWithout} | ${os.loadavg()[0]!.toFixed(1)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
}

const text = [
  "## Kernel changes",
  "",
  "Each change against what it replaced, on a training step of the benchmark workloads: two Trainers in one process, one",
  "step of each in turn, one with gan's kernels as they are and one with the changed kernel put back for its steps. CPU",
  "time per step (all threads: on blas OpenBLAS's spinning threads count too), the mean of the middle 80% of steps; the",
  "paired ratio is the median over adjacent steps. Below 1: the change is faster. Kernels: per step, tf.profile's count.",
  "",
  ...CHOSEN.map((name) => `- ${name}: ${CHANGES[name]!.description}.`),
  "",
  `${machineLine()}.`,
  "`node --conditions=@gan/source --import tsx bench/kernel-ab.ts`",
  "",
  "| workload | backend | change | steps | CPU ms/step with | CPU ms/step without | ratio | paired ratio | wall ms/step with / without | kernels with / without | load average |",
  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows,
  "",
].join("\n");
console.log(text);
if (WRITE) writeResultsSection("Kernel changes", text);
