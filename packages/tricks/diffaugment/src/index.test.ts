import { describe, expect, test } from "vitest";
import type { Tensor } from "@gan/core";
import { toLoadedTrick } from "@gan/core/runtime";
import { arrayDataSource, createTrickHarness, createTrickTrainer, tinyPlan, type TrickInRun } from "@gan/core/testing";
import gp from "@gan/gp";
import diffaugment, { diffAugment, type AugmentRandom, type DiffAugmentOptions } from "./index.js";

const settings = (policy: DiffAugmentOptions["policy"]): DiffAugmentOptions => ({ policy, translation: 0.125, cutout: 0.5 });

/** Draws that replay the given numbers in order (uniform tensors take as many as they hold). */
function replay(tf: { tensor: (values: number[], shape: number[]) => Tensor }, values: number[]): AugmentRandom & { left(): number } {
  let next = 0;
  const take = () => {
    if (next >= values.length) throw new Error("the test gave too few draws");
    return values[next++]!;
  };
  return {
    random: take,
    randomUniform: (shape) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, take), shape),
    left: () => values.length - next,
  };
}

/** A [batch, height, width, channels] image whose value at (b, i, j, c) is 1 + b*1000 + i*100 + j*10 + c. */
function coded(batch: number, height: number, width: number, channels: number): number[] {
  const values: number[] = [];
  for (let b = 0; b < batch; b++) for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) for (let c = 0; c < channels; c++) values.push(1 + b * 1000 + i * 100 + j * 10 + c);
  return values;
}

async function harness(options: Record<string, import("@gan/core").JsonValue> = {}) {
  return createTrickHarness(diffaugment, { plan: tinyPlan(), options });
}

describe("@gan/diffaugment: the augmentations", () => {
  test("color: brightness, saturation and contrast as the reference computes them, per sample", async () => {
    const { tf } = await harness();
    const x = tf.tensor4d([0.1, -0.4, 0.3, 0.8, -0.2, 0.5, 0.9, -0.7], [2, 2, 1, 2]);
    const draws = [0.2, 0.9, 0.25, 0.75, 0.4, 1];
    const out = diffAugment(tf, x, settings(["color"]), replay(tf, draws)).arraySync() as number[][][][];
    const input = x.arraySync() as number[][][][];
    input.forEach((image, b) => {
      const bright = image.map((row) => row.map((pixel) => pixel.map((v) => v + draws[b]! - 0.5)));
      const saturated = bright.map((row) => row.map((pixel) => {
        const mean = (pixel[0]! + pixel[1]!) / 2;
        return pixel.map((v) => (v - mean) * 2 * draws[2 + b]! + mean);
      }));
      const all = saturated.flat(2);
      const mean = all.reduce((a, c) => a + c, 0) / all.length;
      const expected = saturated.map((row) => row.map((pixel) => pixel.map((v) => (v - mean) * (draws[4 + b]! + 0.5) + mean)));
      out[b]!.flat(2).forEach((v, k) => expect(v).toBeCloseTo(expected.flat(2)[k]!, 5));
    });
  });

  test("translation: each sample shifted by whole pixels, at most 1/8 of a side, zeros coming in", async () => {
    const { tf } = await harness();
    // 16 x 8: shifts up to 2 rows and 1 column; a draw u picks shift floor(u * (2 max + 1)) - max.
    const x = tf.tensor4d(coded(2, 16, 8, 2), [2, 16, 8, 2]);
    const draw = replay(tf, [0.99, 0.1, 0.5, 0.99]); // rows +2, -2; columns 0, +1
    const out = diffAugment(tf, x, settings(["translation"]), draw).arraySync() as number[][][][];
    expect(draw.left()).toBe(0);
    const input = x.arraySync() as number[][][][];
    const shifts = [
      [2, 0],
      [-2, 1],
    ];
    out.forEach((image, b) =>
      image.forEach((row, i) =>
        row.forEach((pixel, j) => {
          const [si, sj] = [i + shifts[b]![0]!, j + shifts[b]![1]!];
          const inside = si >= 0 && si < 16 && sj >= 0 && sj < 8;
          expect(pixel).toEqual(inside ? input[b]![si]![sj] : [0, 0]);
        }),
      ),
    );
  });

  test("cutout: a rectangle of half the height and half the width set to zero around a random centre, clipped at the border", async () => {
    const { tf } = await harness();
    const x = tf.ones([2, 8, 6, 1]);
    // Square 4 x 3; centres drawn in [0, 8] rows and [0, 6) columns: (0, 5) and (4, 2).
    const draw = replay(tf, [0, 0.99, 0.5, 0.4]);
    const out = diffAugment(tf, x, settings(["cutout"]), draw).arraySync() as number[][][][];
    const zeroAt = (image: number[][][]) => image.map((row) => row.map((pixel) => (pixel[0] === 0 ? "x" : ".")).join(""));
    expect(zeroAt(out[0]!)).toEqual(["....xx", "....xx", "......", "......", "......", "......", "......", "......"]);
    expect(zeroAt(out[1]!)).toEqual(["......", "......", ".xxx..", ".xxx..", ".xxx..", ".xxx..", "......", "......"]);
  });

  test("gradients flow through all three policies: tf.grad matches finite differences on a tiny image", async () => {
    const { tf } = await harness();
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, "float32", 5);
    const weights = tf.randomUniform([2, 8, 8, 3], -1, 1, "float32", 6);
    // One fixed draw for every evaluation: the function of x is then deterministic.
    const draws = Array.from({ length: 64 }, (_, i) => ((i * 0.618034) % 1) * 0.98 + 0.01);
    const f = (input: Tensor) => tf.sum(tf.mul(weights, diffAugment(tf, input, settings(["color", "translation", "cutout"]), replay(tf, draws))));
    const gradient = tf.grad(f)(x).dataSync();
    const values = x.dataSync();
    const epsilon = 1e-2;
    let nonZero = 0;
    for (const k of [0, 7, 40, 101, 200, 333, 380]) {
      const at = (delta: number) => {
        const moved = Float32Array.from(values);
        moved[k]! += delta;
        return f(tf.tensor(moved, x.shape)).dataSync()[0]!;
      };
      const numeric = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
      expect(gradient[k]!).toBeCloseTo(numeric, 2);
      if (Math.abs(gradient[k]!) > 1e-3) nonZero++;
    }
    // Most of the image survives translation and cutout: the gradient is not zero everywhere.
    expect(nonZero).toBeGreaterThan(2);
  });
});

describe("@gan/diffaugment: in a run", () => {
  /** 8x8 grey images, a dense G and D around reshape and flatten. */
  const imagePlan = tinyPlan({
    data: { kind: "images", dir: "/fixtures", shape: [8, 8, 1], nativeRange: [0, 1], range: [-1, 1] },
    networks: {
      generator: {
        inputShape: [4],
        layers: [
          { type: "dense", units: 64, activation: { kind: "tanh" } },
          { type: "reshape", shape: [8, 8, 1] },
        ],
      },
      discriminator: {
        inputShape: [8, 8, 1],
        layers: [
          { type: "flatten" },
          { type: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "dense", units: 1 },
        ],
      },
    },
  });
  const images = () => arrayDataSource(Array.from({ length: 32 * 64 }, (_, i) => ((i * 37) % 64) / 64), [8, 8, 1], [0, 1]);

  async function losses(tricks: TrickInRun[]): Promise<number[]> {
    const { trainer } = await createTrickTrainer(imagePlan, tricks, { dataSource: images() });
    const seen: number[] = [];
    const record = async () => {
      const scalars = (await trainer.runStep())!;
      seen.push(scalars["d_loss"]!, scalars["g_loss"]!);
    };
    for (let step = 0; step < 2; step++) await record();
    const { tf } = await harness();
    const tensors = tf.memory().numTensors;
    for (let step = 2; step < 5; step++) await record();
    expect(tf.memory().numTensors).toBe(tensors);
    trainer.dispose();
    return seen;
  }

  test("losses finite, the tensor count flat, the same losses with the same seed, others without the trick", async () => {
    const first = await losses([{ trick: diffaugment }]);
    expect(first.every(Number.isFinite)).toBe(true);
    expect(await losses([{ trick: diffaugment }])).toEqual(first);
    expect(await losses([])).not.toEqual(first);
  });

  test("with @gan/gp (wgan-gp) the penalty is taken on the augmented batches and training goes on", async () => {
    const seen = await losses([{ trick: diffaugment }, { trick: gp, options: { kind: "wgan-gp", lambda: 10 } }]);
    expect(seen.every(Number.isFinite)).toBe(true);
  });
});

describe("@gan/diffaugment: what it refuses", () => {
  test("data that is not images, naming the trick, at compile time", () => {
    const loaded = toLoadedTrick(diffaugment, "0.1.0");
    expect(() => loaded.rewrite!(tinyPlan(), { package: "@gan/diffaugment", version: "0.1.0", options: {}, window: {} })).toThrow(
      "@gan/diffaugment augments images of shape [height, width, channels], but the ring data has examples of shape [2]: remove @gan/diffaugment or train on images",
    );
  });

  test("unknown or repeated policies, and ratios outside (0, 1]", () => {
    const loaded = toLoadedTrick(diffaugment, "0.1.0");
    expect(loaded.validateOptions({})).toEqual({ ok: true, options: { policy: ["color", "translation", "cutout"], translation: 0.125, cutout: 0.5 } });
    expect(loaded.validateOptions({ policy: ["colour"] }).ok).toBe(false);
    expect(loaded.validateOptions({ policy: ["cutout", "cutout"] }).ok).toBe(false);
    expect(loaded.validateOptions({ policy: [] }).ok).toBe(false);
    expect(loaded.validateOptions({ cutout: 0 }).ok).toBe(false);
    expect(loaded.validateOptions({ translation: 1.5 }).ok).toBe(false);
  });
});
