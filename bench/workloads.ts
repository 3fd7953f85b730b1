/**
 * The two benchmark workloads, shared by bench/loop-overhead.ts and bench/peer.ts: a 2D-ring
 * MLP GAN (2x128, batch 512) and a small MNIST DCGAN (batch 64), each as a gan plan and as the
 * same networks written by hand in tfjs-layers, with the textbook hand-written tfjs loop.
 * bench/peer_pytorch.py defines the same networks in PyTorch.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Plan } from "@gan/core";
import { discriminatorLoss, generatorLoss, type DataSource, type Rng } from "@gan/core/runtime";
export type Tf = typeof import("@tensorflow/tfjs-core");
export type Tfl = typeof import("@tensorflow/tfjs-layers");
type Tensor = import("@tensorflow/tfjs-core").Tensor;

// The hand-written loop must use the very tfjs instance core trains with.
const fromCore = createRequire(new URL("../packages/core/package.json", import.meta.url));
/** Imports a package as @gan/core resolves it (the same instance core uses). */
export const loadFromCore = async (name: string) => import(pathToFileURL(fromCore.resolve(name)).href);
export const tf: Tf = await loadFromCore("@tensorflow/tfjs-core");
export const tfl: Tfl = await loadFromCore("@tensorflow/tfjs-layers");
const { PlanSchema } = await import("../packages/plan/src/index.js");

export const LOG_EVERY = 10;

/** tfjs-backend-wasm on XNNPACK, the same with products and convolutions on OpenBLAS, and plain JS. */
export type BenchBackend = "blas" | "wasm" | "cpu";

export interface Workload {
  id: string;
  title: string;
  backend: BenchBackend;
  plan: Plan;
  /** Steps measured of each loop (interleaved one by one), and warm-up steps before them. */
  steps: number;
  warmup: number;
  handWritten(tf: Tf, tfl: Tfl): { generator: import("@tensorflow/tfjs-layers").LayersModel; discriminator: import("@tensorflow/tfjs-layers").LayersModel };
}

const SHA = "0".repeat(64);

function ringPlan(backend: BenchBackend): Plan {
  return PlanSchema.parse({
    planVersion: 1,
    name: "ring8-bench",
    source: { file: "bench", sha256: SHA },
    data: { kind: "ring", modes: 8, radius: 2, std: 0.02, shape: [2], nativeRange: null, range: null },
    latent: { size: 64 },
    networks: {
      generator: {
        inputShape: [64],
        layers: [
          { type: "dense", units: 128, activation: { kind: "relu" } },
          { type: "dense", units: 128, activation: { kind: "relu" } },
          { type: "dense", units: 2 },
        ],
      },
      discriminator: {
        inputShape: [2],
        layers: [
          { type: "dense", units: 128, activation: { kind: "relu" } },
          { type: "dense", units: 128, activation: { kind: "relu" } },
          { type: "dense", units: 1 },
        ],
      },
    },
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam", lr: 1e-3, beta1: 0.5 }, discriminator: { kind: "adam", lr: 1e-4, beta1: 0.5 } },
    train: { steps: 1_000_000, batch: 512, seed: 1, logEvery: LOG_EVERY, backend },
    tricks: [],
    rewrites: [],
  });
}

function ringHandWritten(tf: Tf, tfl: Tfl) {
  const mlp = (input: number, output: number) =>
    tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 128, activation: "relu", inputShape: [input] }),
        tfl.layers.dense({ units: 128, activation: "relu" }),
        tfl.layers.dense({ units: output }),
      ],
    });
  void tf;
  return { generator: mlp(64, 2), discriminator: mlp(2, 1) };
}

function dcganPlan(backend: BenchBackend): Plan {
  return PlanSchema.parse({
    planVersion: 1,
    name: "mnist-dcgan-bench",
    source: { file: "bench", sha256: SHA },
    data: { kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] },
    latent: { size: 100 },
    networks: {
      generator: {
        inputShape: [100],
        layers: [
          { type: "dense", units: 7 * 7 * 128 },
          { type: "batchnorm" },
          { type: "activation", activation: { kind: "relu" } },
          { type: "reshape", shape: [7, 7, 128] },
          { type: "deconv", filters: 64, kernel: 4, stride: 2, padding: "same" },
          { type: "batchnorm" },
          { type: "activation", activation: { kind: "relu" } },
          { type: "deconv", filters: 1, kernel: 4, stride: 2, padding: "same", activation: { kind: "sigmoid" } },
        ],
      },
      discriminator: {
        inputShape: [28, 28, 1],
        layers: [
          { type: "conv", filters: 64, kernel: 4, stride: 2, padding: "same", activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "conv", filters: 128, kernel: 4, stride: 2, padding: "same" },
          { type: "batchnorm" },
          { type: "activation", activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "flatten" },
          { type: "dense", units: 1 },
        ],
      },
    },
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam", lr: 2e-4, beta1: 0.5 }, discriminator: { kind: "adam", lr: 2e-4, beta1: 0.5 } },
    train: { steps: 1_000_000, batch: 64, seed: 1, logEvery: LOG_EVERY, backend },
    tricks: [],
    rewrites: [],
  });
}

function dcganHandWritten(tf: Tf, tfl: Tfl) {
  void tf;
  const generator = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 7 * 7 * 128, inputShape: [100] }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: "relu" }),
      tfl.layers.reshape({ targetShape: [7, 7, 128] }),
      tfl.layers.conv2dTranspose({ filters: 64, kernelSize: 4, strides: 2, padding: "same" }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: "relu" }),
      tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: "same", activation: "sigmoid" }),
    ],
  });
  const discriminator = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, padding: "same", inputShape: [28, 28, 1] }),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.conv2d({ filters: 128, kernelSize: 4, strides: 2, padding: "same" }),
      tfl.layers.batchNormalization(),
      tfl.layers.leakyReLU({ alpha: 0.2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1 }),
    ],
  });
  return { generator, discriminator };
}

export const WORKLOADS: Workload[] = [
  { id: "ring-blas", title: "ring MLP (2x128, batch 512)", backend: "blas", plan: ringPlan("blas"), steps: 300, warmup: 20, handWritten: ringHandWritten },
  { id: "dcgan-blas", title: "MNIST DCGAN (batch 64)", backend: "blas", plan: dcganPlan("blas"), steps: 30, warmup: 3, handWritten: dcganHandWritten },
  { id: "ring-wasm", title: "ring MLP (2x128, batch 512)", backend: "wasm", plan: ringPlan("wasm"), steps: 300, warmup: 20, handWritten: ringHandWritten },
  { id: "ring-cpu", title: "ring MLP (2x128, batch 512)", backend: "cpu", plan: ringPlan("cpu"), steps: 20, warmup: 2, handWritten: ringHandWritten },
  { id: "dcgan-wasm", title: "MNIST DCGAN (batch 64)", backend: "wasm", plan: dcganPlan("wasm"), steps: 30, warmup: 3, handWritten: dcganHandWritten },
];

/** The textbook tfjs GAN loop (tfjs-examples mnist-acgan style), with the same data, latent, losses and reads. */
export class HandWrittenLoop {
  private readonly generator;
  private readonly discriminator;
  private readonly gOpt;
  private readonly dOpt;
  private readonly gVars;
  private readonly dVars;
  private step = 0;

  constructor(
    private readonly plan: Plan,
    private readonly data: DataSource,
    private readonly rng: Rng,
    build: Workload["handWritten"],
  ) {
    const models = build(tf, tfl);
    this.generator = models.generator;
    this.discriminator = models.discriminator;
    const g = plan.optimizers.generator;
    const d = plan.optimizers.discriminator;
    this.gOpt = tf.train.adam(g.lr as number, g.kind === "adam" ? g.beta1 : 0.9);
    this.dOpt = tf.train.adam(d.lr as number, d.kind === "adam" ? d.beta1 : 0.9);
    this.gVars = this.generator.trainableWeights.map((w) => w.read() as import("@tensorflow/tfjs-core").Variable);
    this.dVars = this.discriminator.trainableWeights.map((w) => w.read() as import("@tensorflow/tfjs-core").Variable);
  }

  async runStep(): Promise<void> {
    const { batch } = this.plan.train;
    const size = this.plan.latent.size;
    const realValues = this.data.nextBatch(batch);
    const z1 = this.rng.fillNormal(new Float32Array(batch * size));
    const z2 = this.rng.fillNormal(new Float32Array(batch * size));
    const losses = tf.tidy(() => {
      const real = tf.tensor(realValues, [batch, ...this.data.shape]);
      const fake = this.generator.apply(tf.tensor2d(z1, [batch, size]), { training: true }) as Tensor;
      const dLoss = this.dOpt.minimize(
        () =>
          discriminatorLoss(
            "nonsaturating",
            this.discriminator.apply(real, { training: true }) as Tensor,
            this.discriminator.apply(fake, { training: true }) as Tensor,
            { real: 1, fake: 0 },
          ),
        true,
        this.dVars,
      )!;
      const gLoss = this.gOpt.minimize(
        () =>
          generatorLoss(
            "nonsaturating",
            this.discriminator.apply(this.generator.apply(tf.tensor2d(z2, [batch, size]), { training: true }) as Tensor, { training: true }) as Tensor,
          ),
        true,
        this.gVars,
      )!;
      return tf.stack([dLoss, gLoss]);
    });
    this.step++;
    if (this.step % LOG_EVERY === 0) await losses.data();
    losses.dispose();
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
    this.gOpt.dispose();
    this.dOpt.dispose();
  }
}
