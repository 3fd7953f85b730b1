import { describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { cloneModel, type JsonValue, type Plan, type Tensor } from "@gan/core";
import { toLoadedTrick } from "@gan/core/runtime";
import { arrayDataSource, createTrickTrainer, probeTrick, tinyPlan, applyRewrite, trickUse, type TrickInRun } from "@gan/core/testing";
import { inferNetworkShapes } from "@gan/plan";
import gp from "@gan/gp";
import labelSmoothing from "@gan/label-smoothing";
import minibatchStddev from "@gan/minibatch-stddev";
import packTrick, { pack } from "./index.js";

/** The rewrite with pack's own use line after `others` in the plan's tricks, as the compiler gives it. */
function apply(input: Plan, options: Record<string, JsonValue> = {}, others: Plan["tricks"] = []) {
  return applyRewrite(packTrick, { ...input, tricks: [...others, trickUse(packTrick, options)] }, options);
}

const imagePlan = () =>
  tinyPlan({
    data: { kind: "mnist", shape: [4, 4, 1], nativeRange: [0, 1], range: [0, 1] },
    networks: {
      generator: { inputShape: [4], layers: [{ type: "dense", units: 16 }, { type: "reshape", shape: [4, 4, 1] }] },
      discriminator: {
        inputShape: [4, 4, 1],
        layers: [{ type: "conv", filters: 3, stride: 2, activation: { kind: "leakyrelu", alpha: 0.2 } }, { type: "flatten" }, { type: "dense", units: 1 }],
      },
    },
  });

describe("@gan/pack: the packing", () => {
  test("2-D points: pack p is [x_p, x_{p+n}, ...] with n = batch / m, concatenated along the features", () => {
    const points = [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
      [10, 11],
    ];
    const x = tf.tensor2d(points);
    // m = 2, n = 3: packs (0, 3), (1, 4), (2, 5).
    expect(pack(tf, x, 2).arraySync()).toEqual([
      [0, 1, 6, 7],
      [2, 3, 8, 9],
      [4, 5, 10, 11],
    ]);
    // m = 3, n = 2: packs (0, 2, 4), (1, 3, 5).
    expect(pack(tf, x, 3).arraySync()).toEqual([
      [0, 1, 4, 5, 8, 9],
      [2, 3, 6, 7, 10, 11],
    ]);
    expect(pack(tf, x, 1)).toBe(x);
  });

  test("images: the channels of the pack's samples follow one another", () => {
    // 4 images of 2x2 pixels with 2 channels; value = 100 * sample + 10 * pixel + channel.
    const values = Array.from({ length: 4 * 2 * 2 * 2 }, (_, i) => 100 * Math.floor(i / 8) + 10 * Math.floor((i % 8) / 2) + (i % 2));
    const packed = pack(tf, tf.tensor4d(values, [4, 2, 2, 2]), 2).arraySync() as number[][][][];
    expect(packed.length).toBe(2);
    // Pack 1 holds samples 1 and 3; pixel (1, 0) is pixel 2.
    expect(packed[1]![1]![0]).toEqual([120, 121, 320, 321]);
    expect(packed[0]![0]![1]).toEqual([10, 11, 210, 211]);
  });

  test("a batch that does not cut into packs is refused, naming the trick", () => {
    expect(() => pack(tf, tf.zeros([5, 2]), 2)).toThrow(
      "@gan/pack: the discriminator got a batch of 5 samples, which cannot be cut into packs of 2: use a batch size that is a multiple of 2",
    );
  });
});

const shapesOf = (plan: Plan) => {
  const shapes = inferNetworkShapes(plan.networks.discriminator, { trickLayerShape: packTrick.layerShape! });
  return shapes.ok ? shapes.layers.map((l) => l.outputShape) : shapes;
};

describe("@gan/pack: the plan", () => {
  test("on points the pack layer is D's first layer and D's first dense layer takes 2m inputs", () => {
    const { plan, rewrites } = apply(tinyPlan(), { m: 4 });
    const layers = plan.networks.discriminator.layers;
    expect(layers.map((l) => l.type)).toEqual(["trick", "dense", "dense"]);
    expect(layers[0]).toEqual({ type: "trick", trick: "@gan/pack", name: "pack", options: { m: 4 } });
    expect(plan.networks.discriminator.inputShape).toEqual([2]);
    expect(shapesOf(plan)).toEqual([[8], [8], [1]]);
    expect(rewrites).toEqual([
      {
        trick: "@gan/pack",
        network: "discriminator",
        index: 0,
        action: "insert",
        description: "packs of 4 samples concatenated along the last axis: D judges 4 packs per batch",
        before: null,
        after: layers[0],
      },
    ]);
  });

  test("on images the channels widen", () => {
    const { plan } = apply(imagePlan(), { m: 2 });
    expect(shapesOf(plan)).toEqual([[4, 4, 2], [2, 2, 3], [12], [1]]);
  });

  test("m: 1 is the unpacked GAN: nothing changes", () => {
    const input = tinyPlan();
    const { plan, rewrites } = apply(input, { m: 1 });
    expect(rewrites).toEqual([]);
    expect(plan.networks).toEqual(input.networks);
  });

  test("a batch that is not a multiple of m is refused at compile time", () => {
    expect(() => apply(tinyPlan(), { m: 3 })).toThrow(
      "the batch of 16 samples cannot be cut into packs of 3: use a batch size that is a multiple of 3 (train { batch ... })",
    );
  });

  test("@gan/label-noise (one label per sample) is refused", () => {
    const noise = { package: "@gan/label-noise", version: "0.1.0", options: { flip: 0.05 }, window: {} };
    expect(() => apply(tinyPlan(), {}, [noise])).toThrow(
      "@gan/label-noise gives D one label per sample, but packs of 2 samples have one label each: use @gan/label-smoothing, or remove one of the two",
    );
  });

  test("a conditional plan is refused at compile time: its class head takes one class per sample", () => {
    const conditional = { ...tinyPlan(), condition: { kind: "classes" as const, classes: 3, embedding: 2, discriminator: "projection" as const } };
    expect(() => apply(conditional)).toThrow(
      "D judges packs of 2 samples, but this plan is conditional (condition classes): its class head takes one class per sample, not per pack; remove @gan/pack or the condition",
    );
    expect(apply(conditional, { m: 1 }).rewrites).toEqual([]);
  });

  test("options: m is a whole number from 1", () => {
    const loaded = toLoadedTrick(packTrick, "0.1.0");
    expect(loaded.validateOptions({ m: 0 }).ok).toBe(false);
    expect(loaded.validateOptions({ m: 1.5 }).ok).toBe(false);
    expect(loaded.validateOptions({})).toEqual({ ok: true, options: { m: 2 } });
  });
});

/** A packed plan with the given tricks around @gan/pack, ready for createTrickTrainer. */
function packedRun(input: Plan, m: number, others: TrickInRun[] = []) {
  let plan = input;
  for (const { trick, options = {} } of others) {
    if (trick.rewrite) plan = applyRewrite(trick, plan, options).plan;
  }
  plan = apply(plan, { m }).plan;
  return createTrickTrainer({ ...plan, tricks: [] }, [...others, { trick: packTrick, options: { m } }]);
}

describe("@gan/pack: training", () => {
  test("the built D packs, its first kernel is 2m wide, and D gives one output per pack", async () => {
    const { trainer } = await packedRun(tinyPlan(), 2);
    const d = trainer.discriminator;
    expect(d.layers.map((l) => l.getClassName()).slice(0, 3)).toEqual(["InputLayer", "Pack", "Dense"]);
    expect(d.layers[1]!.name).toBe("d0_pack");
    const kernel = d.layers.find((l) => l.getClassName() === "Dense")!.getWeights()[0]!;
    expect(kernel.shape).toEqual([4, 8]);
    const x = tf.randomNormal([16, 2]);
    expect((d.apply(x) as Tensor).shape).toEqual([8, 1]);
    // The model copies (the class is registered for serialisation).
    cloneModel(d).dispose();
    trainer.dispose();
  });

  test("a few steps on the ring: losses finite, the tensor count flat, the same losses twice", async () => {
    const losses = async () => {
      const { trainer } = await packedRun(tinyPlan(), 2);
      const seen: number[] = [];
      for (let step = 0; step < 3; step++) seen.push((await trainer.runStep())!["d_loss"]!);
      const tensors = tf.memory().numTensors;
      for (let step = 3; step < 6; step++) seen.push((await trainer.runStep())!["g_loss"]!);
      expect(tf.memory().numTensors).toBe(tensors);
      trainer.dispose();
      return seen;
    };
    const first = await losses();
    expect(first.every(Number.isFinite)).toBe(true);
    expect(await losses()).toEqual(first);
  });

  test("composes with @gan/minibatch-stddev (groups of packs), @gan/label-smoothing and @gan/gp (a penalty per pack)", async () => {
    const { trainer } = await packedRun(tinyPlan(), 2, [
      { trick: minibatchStddev, options: { group: 4 } },
      { trick: labelSmoothing, options: { real: 0.9 } },
      { trick: gp, options: { kind: "wgan-gp", lambda: 1 } },
    ]);
    expect(trainer.discriminator.layers.map((l) => l.getClassName())).toEqual(["InputLayer", "Pack", "Dense", "LeakyReLU", "MinibatchStddev", "Dense"]);
    for (let step = 0; step < 2; step++) {
      const scalars = (await trainer.runStep())!;
      expect(Number.isFinite(scalars["d_loss"]!) && Number.isFinite(scalars["gp/penalty"]!)).toBe(true);
    }
    trainer.dispose();
  });

  test("trains on images (channels packed)", async () => {
    const images = arrayDataSource(Array.from({ length: 16 * 16 }, (_, i) => (i % 5) / 5), [4, 4, 1], [0, 1]);
    const { plan } = apply(imagePlan(), { m: 2 });
    const { trainer } = await createTrickTrainer({ ...plan, tricks: [] }, [{ trick: packTrick, options: { m: 2 } }], { dataSource: images });
    expect(trainer.discriminator.layers[1]!.outputShape).toEqual([null, 4, 4, 2]);
    expect(Number.isFinite((await trainer.runStep())!["d_loss"]!)).toBe(true);
    trainer.dispose();
  });

  test("per-sample labels from a trick before it are refused, naming the trick", async () => {
    const perSample = probeTrick(({ tf: tfc }) => ({ labels: (labels) => ({ ...labels, real: tfc.fill([16], 0.9) }) }), "@acme/per-sample");
    const { trainer } = await packedRun(tinyPlan(), 2, [{ trick: perSample }]);
    await expect(trainer.runStep()).rejects.toThrow(
      "trick '@gan/pack' failed in hook 'labels' at step 0: the real labels have 16 values, but D judges 8 packs of 2 samples (one label per pack): a trick before @gan/pack gives one label per sample",
    );
    trainer.dispose();
  });
});
