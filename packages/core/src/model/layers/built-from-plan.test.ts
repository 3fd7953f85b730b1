/**
 * The new layer kinds as a plan gives them to buildNetwork: each is built by its builder in
 * layer-builders.ts under its place's name, and the shape tfjs gives it is the shape the
 * plan inferred (the kinds' shape functions in @gan/plan's layer-kinds/).
 */
import { describe, expect, it } from "vitest";
import { inferNetworkShapes, NetworkSchema, type Layer } from "@gan/plan";
import { tf } from "../../tfjs.js";
import { buildNetwork } from "../build-network.js";

const networks: [string, number[], Layer[]][] = [
  [
    "a generator: upsample, attention, pixelshuffle, bilinear upsample",
    [16],
    [
      { type: "dense", units: 4 * 4 * 8 },
      { type: "reshape", shape: [4, 4, 8] },
      { type: "upsample", factor: 2, mode: "nearest" },
      { type: "conv", filters: 16, kernel: 3, stride: 1, padding: "same" },
      { type: "attention" },
      { type: "pixelshuffle", factor: 2 },
      { type: "upsample", factor: 3, mode: "bilinear" },
      { type: "conv", filters: 1, kernel: 3, stride: 1, padding: "same" },
    ],
  ],
  [
    "a discriminator: instancenorm, layernorm, attention",
    [8, 8, 2],
    [
      { type: "conv", filters: 8, kernel: 3, stride: 2, padding: "same" },
      { type: "instancenorm", epsilon: 1e-5 },
      { type: "attention" },
      { type: "layernorm", epsilon: 1e-5 },
      { type: "flatten" },
      { type: "layernorm", epsilon: 1e-5 },
      { type: "dense", units: 1 },
    ],
  ],
  ["an embedding of a class id", [1], [{ type: "embedding", classes: 10, dim: 6 }, { type: "flatten" }, { type: "dense", units: 2 }]],
];

describe.each(networks)("%s", (_, inputShape, layers) => {
  it("is built with each layer named by its place, in the shapes the plan inferred", async () => {
    await tf.setBackend("cpu");
    const inferred = inferNetworkShapes({ inputShape, layers });
    if (!inferred.ok) throw new Error(JSON.stringify(inferred.errors));
    const network = NetworkSchema.parse({ inputShape, layers: inferred.layers });
    const model = buildNetwork(network, "generator", { seed: 5 });
    const built = model.layers.slice(1);
    expect(built.map((l) => l.name)).toEqual(layers.map((layer, i) => `g${i}_${layer.type}`));
    expect(built.map((l) => (l.outputShape as (number | null)[]).slice(1))).toEqual(inferred.layers.map((layer) => layer.outputShape));
    const input = layers[0]!.type === "embedding" ? tf.tensor2d([[3], [7]]) : tf.randomUniform([2, ...inputShape], -1, 1, "float32", 1);
    const output = model.predict(input) as tf.Tensor;
    expect(output.shape).toEqual([2, ...inferred.outputShape]);
    expect(output.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([input, output]);
    model.dispose();
  });
});
