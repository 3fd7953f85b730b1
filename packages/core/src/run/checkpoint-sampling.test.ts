/**
 * A checkpoint read back for sampling gives the models a trainer resumed from it has: the
 * generator its tricks sample from (here a trick's half-weights copy, restored from the
 * trick's state, not the checkpoint's generator/) and the trained discriminator. And both
 * paths hand the tricks their states with the bus at the checkpoint's step.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { tinyRingPlan, useOf } from "../loop/test-plan.js";
import { Trainer } from "../loop/trainer.js";
import { defineTrick, z } from "../trick/define-trick.js";
import { cloneModel } from "../trick/model-helpers.js";
import { restoreCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { restoreCheckpointForSampling } from "./checkpoint-sampling.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

/** Samples from G's weights halved after each G update, kept in its state; records the step its state was restored at. */
function halfWeightsTrick(restoredAt: number[]) {
  return defineTrick({
    name: "half-weights",
    options: z.object({}),
    setup: ({ tf, step }) => {
      let halves: tf.Tensor[] = [];
      let model: tfl.LayersModel | undefined;
      const keep = (next: tf.Tensor[]) => {
        tf.dispose(halves);
        halves = next.map((tensor) => tf.keep(tensor));
      };
      return {
        afterGeneratorStep: ({ generator }) => keep(tf.tidy(() => generator.getWeights().map((weight) => tf.mul(weight, 0.5)))),
        samplingGenerator: ({ generator }) => {
          model ??= cloneModel(generator);
          model.setWeights(halves);
          return model;
        },
        state: {
          save: () => ({ tensors: Object.fromEntries(halves.map((tensor, i) => [String(i), tensor])) }),
          restore: (saved) => {
            restoredAt.push(step());
            keep(Object.values(saved.tensors!).map((tensor) => tensor.clone()));
          },
        },
      };
    },
  });
}

const values = (model: tfl.LayersModel) => model.getWeights().map((weight) => Array.from(weight.dataSync()));

test("the sampling generator and the discriminator of a checkpoint are those of a trainer resumed from it", async () => {
  const plan = tinyRingPlan({ train: { steps: 10 }, tricks: [useOf("half-weights")] });
  const restoredAt: number[] = [];
  const trainer = await Trainer.create(plan, { tricks: [halfWeightsTrick(restoredAt)] });
  for (let i = 0; i < 4; i++) await trainer.runStep();
  const dir = await writeCheckpoint(mkdtempSync(path.join(os.tmpdir(), "gan-checkpoint-sampling-test-")), trainer, "hash");

  const resumed = await Trainer.create(plan, { tricks: [halfWeightsTrick(restoredAt)] });
  await restoreCheckpoint(dir, resumed);
  const sampling = await restoreCheckpointForSampling(plan, dir, 4, [halfWeightsTrick(restoredAt)]);

  // The trick's model, half the trained generator's weights: not the checkpoint's generator/.
  expect(values(sampling.generator)).toEqual(values(trainer.samplingGenerator()));
  expect(values(sampling.generator)).not.toEqual(values(trainer.generator));
  expect(values(sampling.generator)).toEqual(values(resumed.samplingGenerator()));
  expect(values(sampling.discriminator)).toEqual(values(trainer.discriminator));
  expect(restoredAt).toEqual([4, 4]);

  sampling.dispose();
  resumed.dispose();
  trainer.dispose();
});
