import { describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { cloneModel, type JsonValue, type Plan, type Tensor } from "@gan/core";
import { arrayDataSource, createTrickTrainer, tinyPlan, applyRewrite, trickUse } from "@gan/core/testing";
import { inferNetworkShapes } from "@gan/plan";
import minibatchStddev from "./index.js";

function apply(input: Plan, options: Record<string, JsonValue> = {}) {
  const result = applyRewrite(minibatchStddev, input, options);
  return { ...result, plan: { ...result.plan, tricks: [trickUse(minibatchStddev, options)] } };
}

const convPlan = () =>
  tinyPlan({
    data: { kind: "mnist", shape: [8, 8, 1], nativeRange: [0, 1], range: [0, 1] },
    networks: {
      generator: { inputShape: [4], layers: [{ type: "dense", units: 64 }, { type: "reshape", shape: [8, 8, 1] }] },
      discriminator: {
        inputShape: [8, 8, 1],
        layers: [
          { type: "conv", filters: 3, stride: 2, activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "flatten" },
          { type: "dense", units: 1 },
        ],
      },
    },
  });

/** The statistic by hand, in float64: groups {s : s mod M = m}, per-feature population std, averaged. */
function stddevByHand(batch: number[][], group: number): number[] {
  const M = batch.length / group;
  const perGroup = Array.from({ length: M }, (_, m) => {
    const members = batch.filter((_, s) => s % M === m);
    const features = members[0]!.length;
    let sum = 0;
    for (let f = 0; f < features; f++) {
      const values = members.map((sample) => sample[f]!);
      const mean = values.reduce((a, c) => a + c, 0) / values.length;
      sum += Math.sqrt(values.reduce((a, c) => a + (c - mean) ** 2, 0) / values.length + 1e-8);
    }
    return sum / features;
  });
  return batch.map((_, s) => perGroup[s % M]!);
}

describe("@gan/minibatch-stddev: the plan", () => {
  test("on a conv D the layer goes before the flatten and adds a channel", () => {
    const { plan, rewrites } = apply(convPlan());
    const layers = plan.networks.discriminator.layers;
    expect(layers.map((l) => l.type)).toEqual(["conv", "trick", "flatten", "dense"]);
    expect(layers[1]).toEqual({ type: "trick", trick: "@gan/minibatch-stddev", name: "stddev", options: { group: 4 } });
    expect(rewrites).toEqual([
      {
        trick: "@gan/minibatch-stddev",
        network: "discriminator",
        index: 1,
        action: "insert",
        description: "minibatch stddev feature (groups of 4) before layer 2",
        before: null,
        after: layers[1],
      },
    ]);
    const shapes = inferNetworkShapes(plan.networks.discriminator, { trickLayerShape: minibatchStddev.layerShape! });
    expect(shapes.ok && shapes.layers.map((l) => l.outputShape)).toEqual([[4, 4, 3], [4, 4, 4], [64], [1]]);
  });

  test("on an MLP D it goes before the last dense layer and adds a feature", () => {
    const { plan } = apply(tinyPlan(), { group: 2 });
    expect(plan.networks.discriminator.layers.map((l) => l.type)).toEqual(["dense", "trick", "dense"]);
    const shapes = inferNetworkShapes(plan.networks.discriminator, { trickLayerShape: minibatchStddev.layerShape! });
    expect(shapes.ok && shapes.layers.map((l) => l.outputShape)).toEqual([[8], [9], [1]]);
  });
});

describe("@gan/minibatch-stddev: the layer", () => {
  test("the value on a known batch, in the built discriminator, is the hand-computed one", async () => {
    const { plan } = apply(convPlan(), { group: 2 });
    const images = arrayDataSource(Array.from({ length: 4 * 64 }, (_, i) => (i % 7) / 7), [8, 8, 1], [0, 1]);
    const { trainer } = await createTrickTrainer({ ...plan, tricks: [] }, [{ trick: minibatchStddev, options: { group: 2 } }], { dataSource: images });
    const d = trainer.discriminator;
    const layer = d.layers.find((l) => l.getClassName() === "MinibatchStddev")!;
    expect(layer.name).toBe("d1_stddev");
    expect(d.layers.map((l) => l.outputShape)).toContainEqual([null, 4, 4, 4]);

    const values = Array.from({ length: 4 * 4 * 4 * 3 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const batch: number[][] = [0, 1, 2, 3].map((s) => values.slice(s * 48, (s + 1) * 48));
    const input = tf.tensor4d(values, [4, 4, 4, 3]);
    const output = layer.apply(input) as Tensor;
    expect(output.shape).toEqual([4, 4, 4, 4]);
    const out = output.arraySync() as number[][][][];
    const expected = stddevByHand(batch, 2);
    for (let s = 0; s < 4; s++) {
      // Every position of the appended channel holds the sample's group statistic; the other channels pass through.
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(out[s]![y]![x]![3]).toBeCloseTo(expected[s]!, 5);
      const pixel = (s * 16 + 2 * 4 + 1) * 3;
      out[s]![2]![1]!.slice(0, 3).forEach((value, c) => expect(value).toBeCloseTo(values[pixel + c]!, 6));
    }
    // Groups are {0, 2} and {1, 3}: different spreads, different statistics.
    expect(Math.abs(expected[0]! - expected[1]!)).toBeGreaterThan(0.01);
    // The model trains, and copies (the class is registered for serialisation).
    await trainer.runStep();
    cloneModel(d).dispose();
    trainer.dispose();
  });

  test("a batch that does not split into groups is refused with what to do", async () => {
    const { plan } = apply(tinyPlan(), { group: 3 });
    const { trainer } = await createTrickTrainer({ ...plan, tricks: [] }, [{ trick: minibatchStddev, options: { group: 3 } }]);
    await expect(trainer.runStep()).rejects.toThrow("the batch of 16 samples cannot be split into groups of 3: use a batch size that is a multiple of 3");
    trainer.dispose();
  });
});
