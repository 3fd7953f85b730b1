/**
 * A run whose networks use the layers of modern GANs (upsample, attention, pixel shuffle,
 * instance and layer norm) on wasm: stopped and resumed, its losses and final weights are an
 * uninterrupted run's, bit for bit (the layers' weights and seeded initial values go through
 * checkpoints by name), and the saved generator loads back into the plan's network.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { PlanSchema, type Plan } from "@gan/plan";
import { selectBackend } from "../backend/select-backend.js";
import { tinyRingPlan } from "../loop/test-plan.js";
import { buildNetwork } from "../model/build-network.js";
import { tf } from "../tfjs.js";
import { loadWeightsInto } from "./model-io.js";
import { train, type MetricsLine } from "./train.js";

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "gan-new-layers-test-"));
  await selectBackend("wasm");
});

function plan(): Plan {
  const ring = tinyRingPlan({ name: "modern", train: { steps: 8, logEvery: 1, sampleEvery: 0, checkpointEvery: 0, backend: "wasm" } });
  return PlanSchema.parse({
    ...ring,
    networks: {
      generator: {
        inputShape: [4],
        layers: [
          { type: "dense", units: 2 * 2 * 8, activation: { kind: "relu" } },
          { type: "reshape", shape: [2, 2, 8] },
          { type: "upsample", factor: 2 },
          { type: "attention" },
          { type: "pixelshuffle", factor: 2 },
          { type: "instancenorm" },
          { type: "flatten" },
          { type: "dense", units: 2 },
        ],
      },
      discriminator: {
        inputShape: [2],
        layers: [
          { type: "dense", units: 16, activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "reshape", shape: [2, 2, 4] },
          { type: "attention" },
          { type: "layernorm" },
          { type: "upsample", factor: 2, mode: "bilinear" },
          { type: "flatten" },
          { type: "dense", units: 1 },
        ],
      },
    },
  });
}

const losses = (runDir: string) =>
  readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as MetricsLine)
    .map(({ step, d_loss, g_loss }) => ({ step, d_loss, g_loss }));

describe("a run with attention, upsample, pixelshuffle, instancenorm and layernorm", () => {
  test("resumes exactly and saves a generator that loads back into the plan's network", async () => {
    const straight = await train(plan(), { out: path.join(root, "straight"), progress: false });
    const controller = new AbortController();
    const first = await train(plan(), {
      out: path.join(root, "interrupted"),
      progress: false,
      signal: controller.signal,
      onMetrics: (line) => line.step === 4 && controller.abort(),
    });
    expect(first.steps).toBe(4);
    await train(plan(), { resume: first.runDir, progress: false });

    const expected = losses(straight.runDir);
    expect(expected).toHaveLength(8);
    expect(losses(first.runDir)).toEqual(expected);
    expect(readFileSync(path.join(first.runDir, "generator", "weights.bin"))).toEqual(readFileSync(path.join(straight.runDir, "generator", "weights.bin")));

    // The attention's gamma left 0: the layer is in use, and its weights are in the checkpoint by name.
    const generator = buildNetwork(plan().networks.generator, "generator", { seed: 99 });
    await loadWeightsInto(generator, path.join(straight.runDir, "generator"));
    const gamma = generator.getLayer("g3_attention").getWeights()[6]!;
    expect(gamma.dataSync()[0]).not.toBe(0);
    const z = tf.randomNormal([3, 4], 0, 1, "float32", 2);
    const samples = generator.predict(z) as tf.Tensor;
    expect(samples.shape).toEqual([3, 2]);
    tf.dispose([z, samples]);
    generator.dispose();
  });
});
