/**
 * Networks with blocks (residual, add, concat) built as tfjs graphs: their layers' names and
 * seeds by place, the values they compute against the same weights applied by hand, and
 * copying them (what @gan/ema does).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, test } from "vitest";
import { NetworkSchema, type Network } from "@gan/plan";
import { cloneModel } from "../trick/model-helpers.js";
import { buildNetwork, layerSeed } from "./build-network.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const graph: Network = NetworkSchema.parse({
  inputShape: [4],
  layers: [
    { type: "dense", units: 6 },
    { type: "residual", layers: [{ type: "dense", units: 6, activation: { kind: "relu" } }, { type: "dense", units: 6 }] },
    { type: "residual", layers: [{ type: "dense", units: 3 }], shortcut: [{ type: "dense", units: 3 }] },
    { type: "add", branches: [[{ type: "dense", units: 3, activation: { kind: "tanh" } }], []] },
    { type: "concat", branches: [[{ type: "dense", units: 2 }], []] },
    { type: "dense", units: 1 },
  ],
});

const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe("networks with blocks", () => {
  test("nested layers are named by their place: the block's, the list's tag, their position", () => {
    const model = buildNetwork(graph, "generator", { seed: 1 });
    expect(model.layers.map((l) => l.name)).toEqual([
      "g_input",
      "g0_dense",
      "g1_0_dense",
      "g1_1_dense",
      "g1_residual",
      "g2_0_dense",
      "g2_s0_dense",
      "g2_residual",
      "g3_b0_0_dense",
      "g3_add",
      "g4_b0_0_dense",
      "g4_concat",
      "g5_dense",
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    model.dispose();
  });

  test("the layers outside blocks keep the seeds (so the weights) of a flat network; the same seed gives the same graph", () => {
    const flat = buildNetwork(NetworkSchema.parse({ inputShape: [4], layers: [{ type: "dense", units: 6 }] }), "generator", { seed: 9 });
    const a = buildNetwork(graph, "generator", { seed: 9 });
    const b = buildNetwork(graph, "generator", { seed: 9 });
    expect(weightsOf(a)[0]).toEqual(weightsOf(flat)[0]);
    expect(weightsOf(a)).toEqual(weightsOf(b));
    // Every place has a seed of its own.
    const seeds = ["0", "1_0", "1_1", "2_0", "2_s0", "3_b0_0"].map((place) => layerSeed(9, "generator", place));
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(layerSeed(9, "generator", "0")).toBe(layerSeed(9, "generator", 0));
    for (const m of [flat, a, b]) m.dispose();
  });

  test("computes the sum and the concatenation the blocks say, with their own weights", () => {
    const model = buildNetwork(graph, "discriminator", { seed: 2 });
    const x = tf.tensor2d([[0.5, -1, 2, 0.25]]);
    const layer = (name: string) => model.getLayer(name);
    const dense = (name: string, input: tf.Tensor) => layer(name).apply(input) as tf.Tensor;
    const h0 = dense("d0_dense", x);
    const h1 = tf.add(dense("d1_1_dense", dense("d1_0_dense", h0)), h0);
    const h2 = tf.add(dense("d2_0_dense", h1), dense("d2_s0_dense", h1));
    const h3 = tf.add(dense("d3_b0_0_dense", h2), h2);
    const h4 = tf.concat([dense("d4_b0_0_dense", h3), h3], -1);
    const expected = dense("d5_dense", h4);
    const actual = model.apply(x) as tf.Tensor;
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    model.dispose();
  });

  test("a copy has the same graph and weights (what @gan/ema keeps)", () => {
    const model = buildNetwork(graph, "generator", { seed: 3 });
    const copy = cloneModel(model);
    expect(copy.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(weightsOf(copy)).toEqual(weightsOf(model));
    const x = tf.ones([2, 4]);
    expect(Array.from((copy.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.apply(x) as tf.Tensor).dataSync()));
    model.dispose();
    copy.dispose();
  });
});
