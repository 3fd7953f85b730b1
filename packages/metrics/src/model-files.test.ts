import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLayersModelFromDirectory, saveLayersModel } from "./model-files.js";

describe("saveLayersModel and loadLayersModelFromDirectory", () => {
  const directory = mkdtempSync(join(tmpdir(), "gan-metrics-model-"));
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("round-trips a model through model.json + weights.bin in the tfjs file layout", async () => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ inputShape: [3], units: 4, activation: "tanh", kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: "ones" }));
    model.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
    const { weightBytes } = await saveLayersModel(model, directory);
    expect(weightBytes).toBe((3 * 4 + 4 + 4 * 2 + 2) * 4);

    const json = JSON.parse(readFileSync(join(directory, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["./weights.bin"]);
    expect(readFileSync(join(directory, "weights.bin")).byteLength).toBe(weightBytes);

    const loaded = await loadLayersModelFromDirectory(directory);
    const input = tf.tensor2d([[0.1, -2, 3], [1, 1, 1]]);
    const expected = await (model.predict(input) as tf.Tensor).array();
    expect(await (loaded.predict(input) as tf.Tensor).array()).toEqual(expected);
  });

  it("names the file it cannot read", async () => {
    await expect(loadLayersModelFromDirectory(join(directory, "missing"))).rejects.toThrow(
      `cannot read the model at ${join(directory, "missing", "model.json")}`,
    );
  });
});
