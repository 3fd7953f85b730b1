import { describe, expect, it } from "vitest";
import { estimateTrainingMemory, formatBytes, layerParameters } from "./memory.js";
import type { Plan } from "./schema.js";

/** The parts of a plan the estimate reads: a ring GAN, 4 -> 8 relu -> 2 and 2 -> 8 relu -> 1. */
function ringPlan(batch: number, optimizer: Plan["optimizers"]["generator"] = { kind: "adam", lr: 1e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 }): Plan {
  return {
    networks: {
      generator: {
        inputShape: [4],
        layers: [
          { type: "dense", units: 8, activation: { kind: "relu" }, outputShape: [8] },
          { type: "dense", units: 2, outputShape: [2] },
        ],
      },
      discriminator: {
        inputShape: [2],
        layers: [
          { type: "dense", units: 8, activation: { kind: "relu" }, outputShape: [8] },
          { type: "dense", units: 1, outputShape: [1] },
        ],
      },
    },
    optimizers: { generator: optimizer, discriminator: optimizer },
    train: { steps: 1, batch, seed: 0, sampleEvery: 0, checkpointEvery: 0, logEvery: 1, backend: "cpu" },
  } as unknown as Plan;
}

describe("estimateTrainingMemory", () => {
  it("counts parameters with gradients and Adam's two moments, and the activations of a step, by hand", () => {
    // Parameters: G 4*8+8 + 8*2+2 = 58, D 2*8+8 + 8*1+1 = 33; 4 bytes x (weight, gradient, 2 moments).
    // Activations per example: G 4 + 8*3 (product, bias sum, relu) + 2*2 = 32, D 2 + 8*3 + 1*2 = 28,
    // the discriminator on two batches; 4 bytes x (value, gradient) x batch 16.
    expect(estimateTrainingMemory(ringPlan(16))).toEqual({
      parameters: 91,
      parameterBytes: 91 * 4 * 4,
      activationBytes: 2 * 4 * 16 * (32 + 2 * 28),
      totalBytes: 91 * 16 + 2 * 4 * 16 * 88,
      largestLayer: { network: "discriminator", index: 0, parameters: 24, bytes: 24 * 16 + 2 * 4 * 16 * 2 * 24 },
    });
  });

  it("keeps one slot per parameter for momentum SGD and none for plain SGD", () => {
    expect(estimateTrainingMemory(ringPlan(1, { kind: "sgd", lr: 0.01, momentum: 0.9 })).parameterBytes).toBe(91 * 4 * 3);
    expect(estimateTrainingMemory(ringPlan(1, { kind: "sgd", lr: 0.01, momentum: 0 })).parameterBytes).toBe(91 * 4 * 2);
  });

  it("counts a convolution's and a batchnorm's parameters as tfjs-layers does", () => {
    expect(layerParameters({ type: "conv", filters: 64, kernel: 5, stride: 2, padding: "same" }, [28, 28, 1])).toBe(5 * 5 * 1 * 64 + 64);
    expect(layerParameters({ type: "deconv", filters: 1, kernel: 4, stride: 2, padding: "same" }, [14, 14, 64])).toBe(4 * 4 * 64 * 1 + 1);
    expect(layerParameters({ type: "batchnorm", momentum: 0.99, epsilon: 1e-3 }, [7, 7, 128])).toBe(4 * 128);
    expect(layerParameters({ type: "flatten" }, [7, 7, 128])).toBe(0);
  });
});

describe("formatBytes", () => {
  it("writes sizes in binary units", () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(8 * 1024 ** 3), formatBytes(2 ** 31 - 1)]).toEqual(["512 bytes", "1.5 KiB", "8 GiB", "2 GiB"]);
  });
});
