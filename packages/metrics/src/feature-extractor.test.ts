import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelExtractor, rawExtractor } from "./feature-extractor.js";
import { saveLayersModel } from "./model-files.js";

const directory = mkdtempSync(join(tmpdir(), "gan-metrics-features-"));
beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A model that takes [8, 8, 3] images: its 'pool' layer is the per-channel mean, 'scores' a dense layer after it. */
async function savePoolingModel(): Promise<string> {
  const input = tfl.input({ shape: [8, 8, 3] });
  const pool = tfl.layers.globalAveragePooling2d({ name: "pool" }).apply(input) as tfl.SymbolicTensor;
  const scores = tfl.layers.dense({ name: "scores", units: 2, kernelInitializer: "ones" }).apply(pool) as tfl.SymbolicTensor;
  const dir = join(directory, "pooling");
  await saveLayersModel(tfl.model({ inputs: input, outputs: scores }), dir);
  return join(dir, "model.json");
}

describe("loadModelExtractor: a layers model", () => {
  it("reads the named layer, repeating a grey image to 3 channels, resizing it and mapping [0, 1] to the input range", async () => {
    const extractor = await loadModelExtractor(await savePoolingModel(), { layer: "pool", inputRange: [-1, 1] });
    expect(extractor.id).toBe("pooling:pool");
    expect(extractor.description).toMatch(/model\.json \(layers-model, layer 'pool'\)/);
    // Two 4x4x1 images, constant 0.25 and 1: resizing keeps a constant, [-1, 1] maps them to -0.5 and 1.
    const images = Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? 0.25 : 1));
    const features = await extractor.extract(images, 2, [4, 4, 1]);
    expect(features.n).toBe(2);
    expect(features.d).toBe(3);
    expect([...features.values]).toEqual([-0.5, -0.5, -0.5, 1, 1, 1]);
  });

  it("defaults to the model's output", async () => {
    const extractor = await loadModelExtractor(await savePoolingModel());
    const features = await extractor.extract(new Float32Array(8 * 8 * 3).fill(0.5), 1, [8, 8, 3]);
    expect([...features.values]).toEqual([1.5, 1.5]);
  });

  it("names the layers there are when the layer is not one of them, and refuses a channel count it cannot map", async () => {
    const modelPath = await savePoolingModel();
    await expect(loadModelExtractor(modelPath, { layer: "avg_pool" })).rejects.toThrow(/model\.json: no layer 'avg_pool'; its layers are '\w+', 'pool', 'scores'$/);
    const extractor = await loadModelExtractor(modelPath);
    await expect(extractor.extract(new Float32Array(8 * 8 * 2), 1, [8, 8, 2])).rejects.toThrow("takes 3-channel images, the data has 2 channels");
  });

  it("says which file is missing", async () => {
    await expect(loadModelExtractor(join(directory, "nothing", "model.json"))).rejects.toThrow(/cannot read the model at .*nothing\/model\.json/);
  });
});

describe("loadModelExtractor: a graph model (tensorflowjs_converter's format), channels first", () => {
  it("transposes NHWC images for an NCHW input and reads the named node", async () => {
    // A hand-written GraphDef: x [-1, 3, 2, 2] -> Mean over axes (2, 3) -> 'pool' -> Identity 'out'.
    const dir = join(directory, "graph");
    mkdirSync(dir, { recursive: true });
    const dim = (sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
    writeFileSync(
      join(dir, "model.json"),
      JSON.stringify({
        format: "graph-model",
        modelTopology: {
          node: [
            { name: "x", op: "Placeholder", attr: { dtype: { type: "DT_FLOAT" }, shape: { shape: dim([-1, 3, 2, 2]) } } },
            { name: "axes", op: "Const", attr: { dtype: { type: "DT_INT32" }, value: { tensor: { dtype: "DT_INT32", tensorShape: dim([2]) } } } },
            { name: "pool", op: "Mean", input: ["x", "axes"], attr: { keep_dims: { b: false }, T: { type: "DT_FLOAT" }, Tidx: { type: "DT_INT32" } } },
            { name: "out", op: "Neg", input: ["pool"], attr: { T: { type: "DT_FLOAT" } } },
          ],
          versions: { producer: 1 },
        },
        weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: [{ name: "axes", shape: [2], dtype: "int32" }] }],
      }),
    );
    writeFileSync(join(dir, "group1-shard1of1.bin"), new Uint8Array(Int32Array.of(2, 3).buffer));
    // One 2x2 image, NHWC: channel c of pixel p holds p + 10 c; the per-channel means are 1.5, 11.5, 21.5.
    const image = Float32Array.from({ length: 12 }, (_, i) => Math.floor(i / 3) + 10 * (i % 3));
    const pooled = await loadModelExtractor(join(dir, "model.json"), { layer: "pool", inputRange: [0, 1] });
    expect([...(await pooled.extract(image, 1, [2, 2, 3])).values]).toEqual([1.5, 11.5, 21.5]);
    const output = await loadModelExtractor(join(dir, "model.json"));
    expect([...(await output.extract(image, 1, [2, 2, 3])).values]).toEqual([-1.5, -11.5, -21.5]);
    await expect(loadModelExtractor(join(dir, "model.json"), { layer: "fc" })).rejects.toThrow("no node 'fc'; its nodes include 'x', 'axes', 'pool', 'out'");
  });
});

describe("rawExtractor", () => {
  it("hands the vectors over as they are, one per example", async () => {
    const features = await rawExtractor().extract(Float32Array.of(1, 2, 3, 4, 5, 6), 2, [3]);
    expect(features).toEqual({ values: Float32Array.of(1, 2, 3, 4, 5, 6), n: 2, d: 3 });
  });
});
