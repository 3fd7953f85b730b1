import { beforeAll, describe, expect, it } from "vitest";
import { centralDifferences, onBackend, relativeError, seededValues, setUpBackends, type Backend } from "@gan/backend-wasm/testing";
import { tf, tfl } from "../../tfjs.js";
import { cloneModel } from "../../trick/model-helpers.js";
import { SelfAttention } from "./attention.js";
import { embeddingLayer } from "./embedding.js";
import { Normalization } from "./normalization.js";
import { PixelShuffle } from "./pixel-shuffle.js";
import { upsampleLayer } from "./upsample.js";

beforeAll(setUpBackends);

/** A generator-like stack of every new image layer: [4, 4, 8] -> [32, 32, 2]. */
function stack(seed: number): tfl.Sequential {
  const model = tfl.sequential({ name: "g" });
  model.add(tfl.layers.inputLayer({ inputShape: [4, 4, 8], name: "g_input" }));
  model.add(new SelfAttention({ name: "g0_attention", seed }));
  model.add(new Normalization({ name: "g1_instancenorm", kind: "instancenorm", epsilon: 1e-5 }));
  model.add(upsampleLayer({ name: "g2_upsample", factor: 2, interpolation: "bilinear" }));
  model.add(new Normalization({ name: "g3_layernorm", kind: "layernorm", epsilon: 1e-5 }));
  model.add(new PixelShuffle({ name: "g4_pixelshuffle", factor: 2 }));
  model.add(upsampleLayer({ name: "g5_upsample", factor: 2, interpolation: "nearest" }));
  return model;
}

describe("the new layers in a model", () => {
  it("name their weights stably, for checkpoints", () => {
    const model = stack(1);
    expect(model.weights.map((w) => w.originalName)).toEqual([
      "g0_attention/query_kernel",
      "g0_attention/query_bias",
      "g0_attention/key_kernel",
      "g0_attention/key_bias",
      "g0_attention/value_kernel",
      "g0_attention/value_bias",
      "g0_attention/gamma",
      "g1_instancenorm/gamma",
      "g1_instancenorm/beta",
      "g3_layernorm/gamma",
      "g3_layernorm/beta",
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 32, 32, 2]);
    model.dispose();
  });

  it("start the same from the same seed, differently from another, with query, key and value drawn apart", () => {
    const values = (seed: number) => {
      const model = stack(seed);
      const weights = model.getWeights().map((w) => [...w.dataSync()]);
      model.dispose();
      return weights;
    };
    const [a, b, c] = [values(7), values(7), values(8)];
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
    expect(a[0]).not.toEqual(a[2]); // query and key kernels
    expect(a[6]).toEqual([0]); // gamma starts at 0: attention starts as the identity
  });

  it("are rebuilt from their configs with the same outputs (as cloneModel, EMA's copy, does)", () => {
    const model = stack(3);
    // A gamma away from 0, so that the attention counts in the output.
    model.getLayer("g0_attention").setWeights(model.getLayer("g0_attention").getWeights().map((w, i) => (i === 6 ? tf.tensor1d([0.5]) : w)));
    const copy = cloneModel(model);
    const x = tf.tensor(Float32Array.from(seededValues(2 * 4 * 4 * 8, 5)), [2, 4, 4, 8]);
    const [y, yCopy] = [model.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor];
    expect(relativeError(yCopy.dataSync(), y.dataSync())).toBe(0);
    expect(copy.layers.map((l) => l.getClassName()).filter((name) => name !== "InputLayer")).toEqual(["SelfAttention", "GanNormalization", "UpSampling2D", "GanNormalization", "PixelShuffle", "UpSampling2D"]);
    tf.dispose([x, y, yCopy]);
    model.dispose();
    copy.dispose();
  });
});

describe("embedding", () => {
  const [classes, dim] = [5, 3];
  const ids = [3, 0, 3, 4];
  const table = seededValues(classes * dim, 301);
  const r = seededValues(ids.length * dim, 302);
  /** L = sum(R * tanh(E[ids])) in float64. */
  const loss = (e: Float64Array) => ids.reduce((sum, id, i) => sum + Array.from({ length: dim }, (_, k) => r[i * dim + k]! * Math.tanh(e[id * dim + k]!)).reduce((a, b) => a + b, 0), 0);

  it.each<Backend>(["cpu", "wasm"])("looks up each id's vector, and its gradient on %s matches central differences", (backend) => {
    const run = (gradient: boolean) =>
      onBackend(backend, () => {
        const layer = embeddingLayer({ name: "e", classes, dim, seed: 1 });
        layer.build([ids.length, 1]);
        layer.setWeights([tf.tensor(Float32Array.from(table), [classes, dim])]);
        const input = tf.tensor2d(ids, [ids.length, 1], "int32");
        const out = () => layer.apply(input) as tf.Tensor;
        const variable = layer.trainableWeights[0]!.read() as tf.Variable;
        const result = gradient
          ? tf.variableGrads(() => tf.sum(tf.mul(tf.tensor(Float32Array.from(r), [ids.length, 1, dim]), tf.tanh(out()))) as tf.Scalar, [variable]).grads[variable.name]!
          : out();
        variable.dispose();
        return result;
      });
    const forward = run(false);
    expect(forward.shape).toEqual([ids.length, 1, dim]);
    expect([...forward.values]).toEqual(ids.flatMap((id) => [...Float32Array.from(table.subarray(id * dim, (id + 1) * dim))]));
    expect(relativeError(run(true).values, centralDifferences(loss, table))).toBeLessThan(1e-4);
  });

  it("starts from seeded N(0, 1) vectors", () => {
    const initial = (seed: number) => {
      const layer = embeddingLayer({ name: "e", classes: 100, dim: 10, seed });
      layer.build([1, 1]);
      const values = [...layer.getWeights()[0]!.dataSync()];
      layer.weights.forEach((w) => w.dispose());
      return values;
    };
    const values = initial(4);
    expect(values).toEqual(initial(4));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(std).toBeGreaterThan(0.85);
    expect(std).toBeLessThan(1.15);
  });
});
