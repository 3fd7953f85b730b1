import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { PlanSchema } from "@gan/plan";
import { selectBackend } from "../backend/select-backend.js";
import { buildNetwork } from "../model/build-network.js";
import { createRng } from "../random.js";
import { cloneModel } from "./model-helpers.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

const network = PlanSchema.shape.networks.shape.generator.parse({
  inputShape: [4],
  layers: [
    { type: "dense", units: 12, activation: { kind: "leakyrelu", alpha: 0.2 } },
    { type: "batchnorm" },
    { type: "dropout", rate: 0.3 },
    { type: "dense", units: 2 * 2 * 3, activation: { kind: "relu" } },
    { type: "reshape", shape: [2, 2, 3] },
    { type: "deconv", filters: 2, kernel: 3, stride: 2, activation: { kind: "tanh" } },
  ],
});

describe("cloneModel", () => {
  test("the copy computes the same outputs and owns its weights", () => {
    const rng = createRng(3);
    const model = buildNetwork(network, "generator", { seed: 5, dropoutRng: () => rng });
    const copy = cloneModel(model);
    const x = tf.randomNormal([3, 4], 0, 1, "float32", 1);
    const expected = (model.predict(x) as tf.Tensor).arraySync();
    expect((copy.predict(x) as tf.Tensor).arraySync()).toEqual(expected);
    expect(copy.weights.map((w) => w.shape)).toEqual(model.weights.map((w) => w.shape));
    // Changing the original leaves the copy alone.
    model.setWeights(model.getWeights().map((w) => tf.zerosLike(w)));
    expect((copy.predict(x) as tf.Tensor).arraySync()).toEqual(expected);
    model.dispose();
    expect((copy.predict(x) as tf.Tensor).arraySync()).toEqual(expected);
    copy.dispose();
  });
});
