import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { PlanSchema } from "@gan/plan";
import { blasLoadsHere as blasLoads } from "../backend/test-blas.js";
import { selectBackend } from "../backend/select-backend.js";
import { MNIST_DATA, dcganNetworks } from "../testing/tiny-ring.js";
import { tinyRingPlan } from "./test-plan.js";
import { Trainer } from "./trainer.js";

const BACKENDS = blasLoads ? (["wasm", "blas"] as const) : (["wasm"] as const);

async function lossesOf(backend: "wasm" | "blas", plan = tinyRingPlan({ train: { steps: 12, logEvery: 1, backend } })) {
  const trainer = await Trainer.create(plan);
  const values: (number | undefined)[][] = [];
  for (let i = 0; i < plan.train.steps; i++) {
    const logged = await trainer.runStep();
    if (logged) values.push([logged.d_loss, logged.g_loss]);
  }
  trainer.dispose();
  return values;
}

describe.each(BACKENDS)("training on %s", (backendName) => {
  beforeAll(async () => {
    const backend = await selectBackend(backendName);
    expect(backend.name).toBe(backendName);
  });

  test("the same plan and seed give identical losses twice", async () => {
    const first = await lossesOf(backendName);
    expect(first).toHaveLength(12);
    expect(first.flat().every(Number.isFinite)).toBe(true);
    expect(await lossesOf(backendName)).toEqual(first);
  });

  test("a small conv GAN trains (the filter-gradient kernel is registered) with a flat tensor count", async () => {
    const base = tinyRingPlan();
    const plan = PlanSchema.parse({
      ...base,
      name: "tiny-conv",
      data: MNIST_DATA,
      latent: { size: 8 },
      networks: dcganNetworks({ latent: 8, filters: [4, 8], dropout: 0.3 }),
      train: { ...base.train, steps: 6, batch: 8, logEvery: 3, backend: backendName },
    });
    const trainer = await Trainer.create(plan);
    await trainer.runStep();
    const tensors = tf.memory().numTensors;
    const weightsBefore = Array.from(trainer.discriminator.getWeights()[0]!.dataSync());
    const logged = [];
    for (let i = 1; i < 6; i++) logged.push(await trainer.runStep());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Array.from(trainer.discriminator.getWeights()[0]!.dataSync())).not.toEqual(weightsBefore);
    const values = logged.filter((v) => v !== undefined);
    expect(values).toHaveLength(2);
    for (const v of values) expect(Number.isFinite(v!.d_loss) && Number.isFinite(v!.g_loss)).toBe(true);
    trainer.dispose();
  });
});

describe.runIf(blasLoads)("blas against wasm", () => {
  test("the first step's losses agree to float32 rounding (the products only add in another order)", async () => {
    await selectBackend("wasm");
    const [onWasm] = await lossesOf("wasm");
    await selectBackend("blas");
    const [onBlas] = await lossesOf("blas");
    for (const [i, value] of onWasm!.entries()) expect(Math.abs(onBlas![i]! - value!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(value!)));
  });
});
