/** Feature networks named as users name them: the built-in emoji classifier, a model.json path, and what `gan check` says of a bad one. */
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMOJI_CLASSIFIER_SIDE } from "./emoji-classifier.js";
import { checkFeatureNetwork, featureNetworkExtractor } from "./feature-networks.js";
import { saveLayersModel } from "./model-files.js";

const directory = mkdtempSync(join(tmpdir(), "gan-metrics-networks-"));
beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function saveTinyModel(name: string): Promise<string> {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ name: "flat", inputShape: [4, 4, 3] }));
  model.add(tfl.layers.dense({ name: "embed", units: 5, kernelInitializer: "ones" }));
  await saveLayersModel(model, join(directory, name));
  return join(directory, name, "model.json");
}

describe("the built-in emoji classifier", () => {
  it("reads its 128-d feature layer, is named emoji-classifier, and takes images of any size (resized to 32x32)", async () => {
    expect(checkFeatureNetwork({ model: "emoji-classifier" })).toEqual({ ok: true });
    const extractor = await featureNetworkExtractor({ model: "emoji-classifier" });
    expect(extractor.id).toBe("emoji-classifier");
    expect(extractor.description).toMatch(/^the project's emoji classifier/);
    const images = Float32Array.from({ length: 2 * 64 * 64 * 3 }, (_, i) => (i % 7) / 7);
    const features = await extractor.extract(images, 2, [64, 64, 3]);
    expect([features.n, features.d]).toEqual([2, 128]);
    // The same images at the classifier's own size give features too, and white differs from them.
    const white = await extractor.extract(new Float32Array(EMOJI_CLASSIFIER_SIDE * EMOJI_CLASSIFIER_SIDE * 3).fill(1), 1, [32, 32, 3]);
    expect([...white.values]).not.toEqual([...features.values.subarray(0, 128)]);
  });

  it("another layer of it is named after the layer", async () => {
    expect((await featureNetworkExtractor({ model: "emoji-classifier", layer: "conv3" })).id).toBe("emoji-classifier:conv3");
  });
});

describe("checkFeatureNetwork: what gan check says before a run", () => {
  it("a model.json with its layer is fine; a missing layer lists the layers; a missing file or weight file is the model's fault", async () => {
    const modelPath = await saveTinyModel("tiny");
    expect(checkFeatureNetwork({ model: modelPath, layer: "embed" })).toEqual({ ok: true });
    expect((await featureNetworkExtractor({ model: modelPath, layer: "flat" })).id).toBe("tiny:flat");
    expect(checkFeatureNetwork({ model: modelPath, layer: "pool_3" })).toEqual({ ok: false, part: "layer", message: `${modelPath}: no layer 'pool_3'; its layers are 'flat', 'embed'` });
    const missing = checkFeatureNetwork({ model: join(directory, "none", "model.json") });
    expect(missing).toMatchObject({ ok: false, part: "model", message: expect.stringMatching(/^cannot read the model at .*none\/model\.json: ENOENT/) });
    unlinkSync(join(directory, "tiny", "weights.bin"));
    expect(checkFeatureNetwork({ model: modelPath })).toMatchObject({ ok: false, part: "model", message: expect.stringMatching(/weights\.bin: cannot read this weight file that .*model\.json names \(ENOENT\)$/) });
  });
});
