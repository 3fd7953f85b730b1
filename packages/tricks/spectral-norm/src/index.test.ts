import { describe, expect, test } from "vitest";
import { cloneModel, type JsonValue, type LayersModel, type Plan } from "@gan/core";
import { arrayDataSource, createTrickTrainer, tinyPlan, applyRewrite } from "@gan/core/testing";
import { inferNetworkShapes } from "@gan/plan";
import spectralNorm from "./index.js";

const apply = (input: Plan, options: Record<string, JsonValue> = {}) => applyRewrite(spectralNorm, input, options);

/** Largest singular value of a [rows, cols] matrix, by power iteration on M^T M in float64. */
function largestSingularValue(values: ArrayLike<number>, rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + i * 0.01);
  let sigma = 0;
  for (let iteration = 0; iteration < 2000; iteration++) {
    const mv = Array.from({ length: rows }, (_, r) => v.reduce((s, x, c) => s + values[r * cols + c]! * x, 0));
    const mtmv = Array.from({ length: cols }, (_, c) => mv.reduce((s, x, r) => s + values[r * cols + c]! * x, 0));
    const norm = Math.hypot(...mtmv);
    v = mtmv.map((x) => x / norm);
    sigma = Math.sqrt(norm);
  }
  return sigma;
}

/** For each spectrally normalised layer: sigma of the raw kernel and of the kernel the layer uses. */
function sigmas(model: LayersModel) {
  return model.layers
    .filter((layer) => layer.getClassName() === "SpectralNorm")
    .map((layer) => {
      const kernel = layer.getWeights()[0]!;
      const outputs = kernel.shape.at(-1)!;
      const rows = kernel.size / outputs;
      const used = (layer as unknown as { normalisedKernel(training: boolean): import("@gan/core").Tensor }).normalisedKernel(false);
      return {
        raw: largestSingularValue(kernel.dataSync(), rows, outputs),
        normalised: largestSingularValue(used.dataSync(), rows, outputs),
      };
    });
}

describe("@gan/spectral-norm: the plan", () => {
  test("D's dense layers become spectrally normalised layers with the same units and activation", () => {
    const { plan, rewrites } = apply(tinyPlan());
    const layers = plan.networks.discriminator.layers;
    expect(layers).toEqual([
      { type: "trick", trick: "@gan/spectral-norm", name: "dense", options: { kind: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.2 }, power: 1 } },
      { type: "trick", trick: "@gan/spectral-norm", name: "dense", options: { kind: "dense", units: 1, activation: { kind: "linear" }, power: 1 } },
    ]);
    expect(plan.networks.generator).toEqual(tinyPlan().networks.generator);
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.action}: ${r.description}`)).toEqual([
      "discriminator[0] replace: dense 8 leakyrelu 0.2 -> spectrally normalised dense 8 leakyrelu 0.2",
      "discriminator[1] replace: dense 1 -> spectrally normalised dense 1",
    ]);
    const shapes = inferNetworkShapes(plan.networks.discriminator, { trickLayerShape: spectralNorm.layerShape! });
    expect(shapes.ok && shapes.layers.map((l) => l.outputShape)).toEqual([[8], [1]]);
  });
});

describe("@gan/spectral-norm: the largest singular value is close to 1", () => {
  test("dense layers, after training", async () => {
    const { plan } = apply(tinyPlan({ train: { steps: 30, batch: 16, seed: 2, logEvery: 10, backend: "cpu" } }));
    const { trainer } = await createTrickTrainer(plan, [{ trick: spectralNorm }]);
    for (let step = 0; step < 30; step++) await trainer.runStep();
    for (const { raw, normalised } of sigmas(trainer.discriminator)) {
      // The raw kernels are far from 1-Lipschitz: the normalisation does the work.
      expect(Math.abs(raw - 1)).toBeGreaterThan(0.1);
      expect(normalised).toBeGreaterThan(0.98);
      expect(normalised).toBeLessThan(1.02);
    }
    trainer.dispose();
  });

  test("conv layers, with the output shape the compiler inferred", async () => {
    const base = tinyPlan({
      data: { kind: "mnist", shape: [8, 8, 1], nativeRange: [0, 1], range: [0, 1] },
      networks: {
        generator: { inputShape: [4], layers: [{ type: "dense", units: 64, activation: { kind: "sigmoid" } }, { type: "reshape", shape: [8, 8, 1] }] },
        discriminator: {
          inputShape: [8, 8, 1],
          layers: [
            { type: "conv", filters: 4, kernel: 3, stride: 2, padding: "same", activation: { kind: "leakyrelu", alpha: 0.2 } },
            { type: "conv", filters: 6, kernel: 3, stride: 1, padding: "valid" },
            { type: "flatten" },
            { type: "dense", units: 1 },
          ],
        },
      },
      train: { steps: 20, batch: 8, seed: 3, logEvery: 10, backend: "cpu" },
    });
    const { plan } = apply(base);
    const shapes = inferNetworkShapes(plan.networks.discriminator, { trickLayerShape: spectralNorm.layerShape! });
    expect(shapes.ok && shapes.layers.map((l) => l.outputShape)).toEqual([[4, 4, 4], [2, 2, 6], [24], [1]]);
    const images = arrayDataSource(Array.from({ length: 16 * 64 }, (_, i) => ((i * 37) % 11) / 11), [8, 8, 1], [0, 1]);
    const { trainer } = await createTrickTrainer(plan, [{ trick: spectralNorm }], { dataSource: images });
    expect(trainer.discriminator.layers.filter((l) => l.getClassName() !== "InputLayer").map((l) => l.outputShape)).toEqual([
      [null, 4, 4, 4],
      [null, 2, 2, 6],
      [null, 24],
      [null, 1],
    ]);
    for (let step = 0; step < 20; step++) await trainer.runStep();
    const found = sigmas(trainer.discriminator);
    expect(found).toHaveLength(3);
    for (const { normalised } of found) {
      expect(normalised).toBeGreaterThan(0.98);
      expect(normalised).toBeLessThan(1.02);
    }
    // u is state saved with the weights (non-trainable), and the layer copies (registered class).
    expect(trainer.discriminator.nonTrainableWeights.map((w) => w.originalName)).toEqual(["d0_conv/u", "d1_conv/u", "d3_dense/u"]);
    cloneModel(trainer.discriminator).dispose();
    trainer.dispose();
  });
});

describe("@gan/spectral-norm in blocks", () => {
  test("normalises the dense and conv layers inside a ResNet discriminator's blocks", () => {
    const input = tinyPlan();
    const discriminator = {
      ...input.networks.discriminator,
      layers: [
        { type: "dense", units: 8 },
        { type: "residual", layers: [{ type: "dense", units: 8, activation: { kind: "relu" } }], shortcut: [{ type: "dense", units: 8 }] },
        { type: "dense", units: 1 },
      ] as Plan["networks"]["discriminator"]["layers"],
    };
    const { plan, rewrites } = apply({ ...input, networks: { ...input.networks, discriminator } });
    expect(plan.networks.discriminator.layers[1]).toMatchObject({
      type: "residual",
      layers: [{ type: "trick", trick: "@gan/spectral-norm", name: "dense", options: { units: 8, activation: { kind: "relu" } } }],
      shortcut: [{ type: "trick", trick: "@gan/spectral-norm", name: "dense" }],
    });
    expect(rewrites.map((r) => [r.index, r.path])).toEqual([
      [0, undefined],
      [1, [1, "layers", 0]],
      [1, [1, "shortcut", 0]],
      [2, undefined],
    ]);
    const shapes = inferNetworkShapes(plan.networks.discriminator, { trickLayerShape: spectralNorm.layerShape! });
    expect(shapes.ok && shapes.outputShape).toEqual([1]);
  });
});
