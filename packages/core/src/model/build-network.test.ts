import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, test } from "vitest";
import { NetworkSchema, type Network } from "@gan/plan";
import { createRng } from "../random.js";
import { defineTrick, z } from "../trick/define-trick.js";
import { buildNetwork, layerSeed } from "./build-network.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function weightsOf(model: tfl.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

const mlp: Network = NetworkSchema.parse({
  inputShape: [4],
  layers: [
    { type: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.1 } },
    { type: "dense", units: 3, activation: { kind: "tanh" } },
  ],
});

const convNet: Network = NetworkSchema.parse({
  inputShape: [16],
  layers: [
    { type: "dense", units: 4 * 4 * 8 },
    { type: "reshape", shape: [4, 4, 8] },
    { type: "batchnorm" },
    { type: "activation", activation: { kind: "relu" } },
    { type: "deconv", filters: 4, kernel: 3, stride: 2, padding: "same", activation: { kind: "leakyrelu", alpha: 0.2 } },
    { type: "conv", filters: 6, kernel: 3, stride: 1, padding: "valid", activation: { kind: "relu" } },
    { type: "maxpool", size: 2 },
    { type: "avgpool", size: 1 },
    { type: "dropout", rate: 0.3 },
    { type: "flatten" },
    { type: "dense", units: 1 },
  ],
});

describe("building networks from the plan", () => {
  test("the same seed gives the same weights; another seed other weights", () => {
    const a = buildNetwork(mlp, "generator", { seed: 7 });
    const b = buildNetwork(mlp, "generator", { seed: 7 });
    const c = buildNetwork(mlp, "generator", { seed: 8 });
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(weightsOf(a)[0]).not.toEqual(weightsOf(c)[0]);
    // The generator and the discriminator of one run never share an initialisation.
    expect(layerSeed(7, "generator", 0)).not.toBe(layerSeed(7, "discriminator", 0));
    for (const m of [a, b, c]) m.dispose();
  });

  test("layer names are fixed by position, so checkpoints match across processes", () => {
    const model = buildNetwork(mlp, "discriminator", { seed: 1 });
    expect(model.layers.slice(1).map((l) => l.name)).toEqual(["d0_dense", "d0_dense_leakyrelu", "d1_dense"]);
    expect(model.layers.slice(1).map((l) => l.getClassName())).toEqual(["Dense", "LeakyReLU", "Dense"]);
    model.dispose();
  });

  test("every layer kind builds, with the shapes of the plan (NHWC)", () => {
    const model = buildNetwork(convNet, "discriminator", { seed: 1, dropoutRng: () => createRng(3) });
    const shapes = model.layers.slice(1).map((l) => [l.getClassName(), (l.outputShape as number[]).slice(1)]);
    expect(shapes).toEqual([
      ["Dense", [128]],
      ["Reshape", [4, 4, 8]],
      ["BatchNormalization", [4, 4, 8]],
      ["Activation", [4, 4, 8]],
      ["Conv2DTranspose", [8, 8, 4]],
      ["LeakyReLU", [8, 8, 4]],
      ["Conv2D", [6, 6, 6]],
      ["MaxPooling2D", [3, 3, 6]],
      ["AveragePooling2D", [3, 3, 6]],
      ["Dropout", [3, 3, 6]],
      ["Flatten", [54]],
      ["Dense", [1]],
    ]);
    const out = model.apply(tf.ones([2, 16]), { training: true }) as tf.Tensor;
    expect(out.shape).toEqual([2, 1]);
    model.dispose();
  });

  test("seeded dropout draws its masks from the run's stream and is a no-op in inference", () => {
    const net = NetworkSchema.parse({ inputShape: [1000], layers: [{ type: "dropout", rate: 0.25 }] });
    const draw = (seed: number) => {
      const rng = createRng(seed);
      const model = buildNetwork(net, "discriminator", { seed: 1, dropoutRng: () => rng });
      const x = tf.ones([1, 1000]);
      const first = Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync());
      const second = Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync());
      const inference = Array.from((model.apply(x, { training: false }) as tf.Tensor).dataSync());
      return { first, second, inference };
    };
    const a = draw(5);
    const b = draw(5);
    expect(a.first).toEqual(b.first);
    expect(a.first).not.toEqual(a.second);
    const dropped = a.first.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(180);
    expect(dropped).toBeLessThan(320);
    expect(new Set(a.first.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.75)]));
    expect(a.inference.every((v) => v === 1)).toBe(true);
  });

  test("a trick layer is built by the trick that provides it", () => {
    const scale = defineTrick({
      name: "gan-trick-scale",
      options: z.object({}),
      layers: {
        scale: (options, { layers, name, inputShape }) => {
          expect(inputShape).toEqual([4]);
          return layers.layers.dense({ units: 4, useBias: false, kernelInitializer: "identity", name, trainable: false }) as never;
        },
      },
    });
    const net = NetworkSchema.parse({
      inputShape: [4],
      layers: [{ type: "trick", trick: "gan-trick-scale", name: "scale", options: { factor: 2 } }, { type: "dense", units: 1 }],
    });
    const model = buildNetwork(net, "generator", { seed: 1, tricks: [scale] });
    expect(model.layers[1]!.name).toBe("g0_scale");
    model.dispose();
    expect(() => buildNetwork(net, "generator", { seed: 1 })).toThrow(
      "layer 1 of the generator (trick layer 'scale') comes from trick 'gan-trick-scale', which this run has not loaded: add 'use \"gan-trick-scale\"' to the spec",
    );
  });
});
