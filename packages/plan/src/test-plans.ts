/** Plans used by the tests (excluded from the build by its `test-` name). */
import type { PlanInput } from "./schema.js";

const SHA = "3f2a6c1e9b0d4f7a8c5e2b1d0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7";

/** The 8-Gaussian ring: small dense networks, a learning-rate schedule and a trick with a scheduled option. */
export function ring8(): PlanInput {
  return {
    planVersion: 1,
    name: "ring8",
    source: { file: "ring8.gan", sha256: SHA },
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
          { type: "dense", units: 128, activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "dense", units: 128, activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "dense", units: 1 },
        ],
      },
    },
    loss: { kind: "nonsaturating" },
    optimizers: {
      generator: { kind: "adam", lr: 1e-3, beta1: 0.5 },
      discriminator: { kind: "adam", lr: { schedule: "linear", from: 1e-4, to: 1e-5, end: 20000 }, beta1: 0.5 },
    },
    train: { steps: 20000, batch: 512, seed: 1 },
    tricks: [
      {
        package: "@gan/instance-noise",
        version: "0.1.0",
        options: { std: { schedule: "linear", from: 0.1, to: 0, end: 10000 } },
      },
    ],
    rewrites: [],
  };
}

/** DCGAN on MNIST: images, conv/deconv, reshape and flatten, with the shapes the compiler records. */
export function mnistDcgan(): PlanInput {
  return {
    planVersion: 1,
    name: "mnist-dcgan",
    source: { file: "mnist-dcgan.gan", sha256: SHA },
    data: { kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [-1, 1] },
    latent: { size: 100, distribution: "normal" },
    networks: {
      generator: {
        inputShape: [100],
        layers: [
          { type: "dense", units: 12544, outputShape: [12544] },
          { type: "batchnorm", outputShape: [12544] },
          { type: "activation", activation: { kind: "relu" }, outputShape: [12544] },
          { type: "reshape", shape: [7, 7, 256], outputShape: [7, 7, 256] },
          { type: "deconv", filters: 128, kernel: 5, stride: 1, outputShape: [7, 7, 128] },
          { type: "deconv", filters: 64, kernel: 5, stride: 2, activation: { kind: "relu" }, outputShape: [14, 14, 64] },
          { type: "deconv", filters: 1, kernel: 5, stride: 2, activation: { kind: "tanh" }, outputShape: [28, 28, 1] },
        ],
        outputShape: [28, 28, 1],
      },
      discriminator: {
        inputShape: [28, 28, 1],
        layers: [
          { type: "conv", filters: 64, kernel: 5, stride: 2, activation: { kind: "leakyrelu" }, outputShape: [14, 14, 64] },
          { type: "dropout", rate: 0.3, outputShape: [14, 14, 64] },
          { type: "conv", filters: 128, kernel: 5, stride: 2, activation: { kind: "leakyrelu" }, outputShape: [7, 7, 128] },
          { type: "flatten", outputShape: [6272] },
          { type: "dense", units: 1, outputShape: [1] },
        ],
        outputShape: [1],
      },
    },
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam" }, discriminator: { kind: "adam" } },
    train: { steps: 2000, batch: 64, seed: 7, sampleEvery: 500 },
    tricks: [],
    rewrites: [],
  };
}
