/**
 * The benchmark workloads, shared by bench/loop-overhead.ts, bench/peer.ts and the other
 * step benchmarks: a 2D-ring MLP GAN (2x128, batch 512), a small MNIST DCGAN (batch 64) and an
 * MNIST ResNet (examples/mnist-resnet.gan's residual blocks and hinge loss, batch 64), each as a
 * gan plan and as the same networks written by hand in tfjs-layers, with the textbook
 * hand-written tfjs loop. bench/peer_pytorch.py defines the same networks in PyTorch.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Plan } from "@gan/core";
import { MNIST_DATA, dcganNetworks, mlpNetworks, type PlanInput } from "@gan/core/testing";
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

/** A workload's plan: nonsaturating loss, Adam with beta1 0.5, seed 1, as many steps as a benchmark takes. */
function workloadPlan(
  name: string,
  parts: { data: PlanInput["data"]; latent: number; networks: PlanInput["networks"]; lr: { generator: number; discriminator: number }; batch: number },
  backend: BenchBackend,
): Plan {
  return PlanSchema.parse({
    planVersion: 1,
    name,
    source: { file: "bench", sha256: SHA },
    data: parts.data,
    latent: { size: parts.latent },
    networks: parts.networks,
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam", lr: parts.lr.generator, beta1: 0.5 }, discriminator: { kind: "adam", lr: parts.lr.discriminator, beta1: 0.5 } },
    train: { steps: 1_000_000, batch: parts.batch, seed: 1, logEvery: LOG_EVERY, backend },
    tricks: [],
    rewrites: [],
  });
}

function ringPlan(backend: BenchBackend, discriminatorActivation: Parameters<typeof mlpNetworks>[0]["discriminatorActivation"] = { kind: "relu" }): Plan {
  const data: PlanInput["data"] = { kind: "ring", modes: 8, radius: 2, std: 0.02, shape: [2], nativeRange: null, range: null };
  const networks = mlpNetworks({ latent: 64, hidden: [128, 128], discriminatorActivation });
  return workloadPlan("ring8-bench", { data, latent: 64, networks, lr: { generator: 1e-3, discriminator: 1e-4 }, batch: 512 }, backend);
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
  const networks = dcganNetworks({ latent: 100, filters: [64, 128] });
  return workloadPlan("mnist-dcgan-bench", { data: MNIST_DATA, latent: 100, networks, lr: { generator: 2e-4, discriminator: 2e-4 }, batch: 64 }, backend);
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

/**
 * examples/mnist-resnet.gan without its self-attention layers and spectral norm: the same
 * residual blocks (SNGAN's, upsampling in G, downsampling in D), channels, hinge loss, Adam
 * settings and batch. Attention and spectral norm are left out because PyTorch has no layer
 * computing exactly what gan's do (SAGAN's attention and the power iteration are written by
 * hand in every code base), and the peer benchmark compares the same arithmetic.
 */
function resnetPlan(backend: BenchBackend): Plan {
  const conv = (filters: number, kernel: number, relu = false) => ({ type: "conv", filters, kernel, ...(relu && { activation: { kind: "relu" } }) });
  const relu = { type: "activation", activation: { kind: "relu" } };
  const batchnorm = { type: "batchnorm" };
  const upsample = { type: "upsample", factor: 2, mode: "nearest" };
  const avgpool = { type: "avgpool", size: 2, padding: "valid" };
  // SNGAN's G block: BN, ReLU, upsample, conv, BN, ReLU, conv; the shortcut upsamples, then projects.
  const up = (filters: number) => ({
    type: "residual",
    layers: [batchnorm, relu, upsample, conv(filters, 3), batchnorm, relu, conv(filters, 3)],
    shortcut: [upsample, conv(filters, 1)],
  });
  return PlanSchema.parse({
    planVersion: 1,
    name: "mnist-resnet-bench",
    source: { file: "bench", sha256: SHA },
    data: { kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] },
    latent: { size: 128 },
    networks: {
      generator: {
        inputShape: [128],
        layers: [{ type: "dense", units: 7 * 7 * 64 }, { type: "reshape", shape: [7, 7, 64] }, up(64), up(32), batchnorm, relu, { ...conv(1, 3), activation: { kind: "sigmoid" } }],
      },
      discriminator: {
        inputShape: [28, 28, 1],
        layers: [
          { type: "residual", layers: [conv(32, 3, true), conv(32, 3), avgpool], shortcut: [avgpool, conv(32, 1)] },
          { type: "residual", layers: [relu, conv(64, 3, true), conv(64, 3), avgpool], shortcut: [conv(64, 1), avgpool] },
          relu,
          { type: "globalavgpool" },
          { type: "dense", units: 1 },
        ],
      },
    },
    loss: { kind: "hinge" },
    optimizers: {
      generator: { kind: "adam", lr: 2e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
      discriminator: { kind: "adam", lr: 2e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
    },
    train: { steps: 1_000_000, batch: 64, seed: 1, logEvery: LOG_EVERY, backend },
    tricks: [],
    rewrites: [],
  });
}

function resnetHandWritten(tf: Tf, tfl: Tfl) {
  void tf;
  type SymbolicTensor = import("@tensorflow/tfjs-layers").SymbolicTensor;
  type Layer = import("@tensorflow/tfjs-layers").layers.Layer;
  const chain = (input: SymbolicTensor, layers: Layer[]) => layers.reduce((x, layer) => layer.apply(x) as SymbolicTensor, input);
  const conv = (filters: number, kernelSize: number, activation?: "relu" | "sigmoid") => tfl.layers.conv2d({ filters, kernelSize, padding: "same", ...(activation && { activation }) });
  const relu = () => tfl.layers.activation({ activation: "relu" });
  const upsample = () => tfl.layers.upSampling2d({ size: [2, 2] });
  const avgpool = () => tfl.layers.averagePooling2d({ poolSize: 2, padding: "valid" });
  const residual = (input: SymbolicTensor, layers: Layer[], shortcut: Layer[]) => tfl.layers.add().apply([chain(input, layers), chain(input, shortcut)]) as SymbolicTensor;
  const up = (input: SymbolicTensor, filters: number) =>
    residual(input, [tfl.layers.batchNormalization(), relu(), upsample(), conv(filters, 3), tfl.layers.batchNormalization(), relu(), conv(filters, 3)], [upsample(), conv(filters, 1)]);

  const latent = tfl.input({ shape: [128] });
  let g = chain(latent, [tfl.layers.dense({ units: 7 * 7 * 64 }), tfl.layers.reshape({ targetShape: [7, 7, 64] })]);
  g = up(up(g, 64), 32);
  g = chain(g, [tfl.layers.batchNormalization(), relu(), conv(1, 3, "sigmoid")]);
  const generator = tfl.model({ inputs: latent, outputs: g });

  const image = tfl.input({ shape: [28, 28, 1] });
  let d = residual(image, [conv(32, 3, "relu"), conv(32, 3), avgpool()], [avgpool(), conv(32, 1)]);
  d = residual(d, [relu(), conv(64, 3, "relu"), conv(64, 3), avgpool()], [conv(64, 1), avgpool()]);
  d = chain(d, [relu(), tfl.layers.globalAveragePooling2d({}), tfl.layers.dense({ units: 1 })]);
  const discriminator = tfl.model({ inputs: image, outputs: d });
  return { generator, discriminator };
}

export const WORKLOADS: Workload[] = [
  { id: "ring-blas", title: "ring MLP (2x128, batch 512)", backend: "blas", plan: ringPlan("blas"), steps: 300, warmup: 20, handWritten: ringHandWritten },
  { id: "dcgan-blas", title: "MNIST DCGAN (batch 64)", backend: "blas", plan: dcganPlan("blas"), steps: 30, warmup: 3, handWritten: dcganHandWritten },
  { id: "resnet-blas", title: "MNIST ResNet (2+2 residual blocks, batch 64)", backend: "blas", plan: resnetPlan("blas"), steps: 15, warmup: 3, handWritten: resnetHandWritten },
  { id: "ring-wasm", title: "ring MLP (2x128, batch 512)", backend: "wasm", plan: ringPlan("wasm"), steps: 300, warmup: 20, handWritten: ringHandWritten },
  { id: "ring-cpu", title: "ring MLP (2x128, batch 512)", backend: "cpu", plan: ringPlan("cpu"), steps: 20, warmup: 2, handWritten: ringHandWritten },
  { id: "dcgan-wasm", title: "MNIST DCGAN (batch 64)", backend: "wasm", plan: dcganPlan("wasm"), steps: 30, warmup: 3, handWritten: dcganHandWritten },
];

/**
 * The ring MLP with leaky ReLU (slope 0.2) in D, as examples/ring8*.gan have it: for A/B
 * measurements of the leaky layers' kernels (bench/kernel-ab.ts); no hand-written loop or
 * PyTorch side, so it is not among WORKLOADS.
 */
export const RING_LEAKY_BLAS: Workload = {
  id: "ring-leaky-blas",
  title: "ring MLP, leaky ReLU in D (2x128, batch 512)",
  backend: "blas",
  plan: ringPlan("blas", { kind: "leakyrelu", alpha: 0.2 }),
  steps: 300,
  warmup: 20,
  handWritten: ringHandWritten,
};

/** The textbook tfjs GAN loop (tfjs-examples mnist-acgan style), with the same data, latent, losses and reads. */
export class HandWrittenLoop {
  private readonly generator;
  private readonly discriminator;
  private readonly gOpt;
  private readonly dOpt;
  private readonly gVars;
  private readonly dVars;
  private readonly lossKind;
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
    const loss = plan.loss;
    if (loss.kind === "trick") throw new Error(`${plan.name}: the hand-written loop runs built-in losses only`);
    this.lossKind = loss.kind;
    if (g.kind !== "adam" || d.kind !== "adam") throw new Error(`${plan.name}: the hand-written loop runs Adam only`);
    this.gOpt = tf.train.adam(g.lr as number, g.beta1, g.beta2, g.epsilon);
    this.dOpt = tf.train.adam(d.lr as number, d.beta1, d.beta2, d.epsilon);
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
            this.lossKind,
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
            this.lossKind,
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
