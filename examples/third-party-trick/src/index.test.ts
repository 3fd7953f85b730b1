import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { DiscriminatorLossContext, JsonValue, Scalar, Tensor } from "@gan/core";
import { createTrickHarness, discriminatorLossContext, tinyPlan, type TrickHarness } from "@gan/core/testing";
import consistency from "./index.js";

// A linear discriminator D(x) = x . w + b on 2-D points: perturbing x by e changes its score
// by exactly e . w, so the reference below is a few lines of float64 arithmetic.
const w = [0.8, -1.5];
const b = 0.3;
const real = [
  [0.5, 1.0],
  [-1.2, 0.3],
  [0.8, -0.9],
];
const fake = [
  [0.1, -0.4],
  [1.5, 0.2],
  [-0.6, -1.0],
];
// Standard normal draws the trick gets instead of random ones, in the order it asks: the real
// batch first, then the fake one.
const unitNoise = [
  [0.3, -1.1, 0.7, 0.2, -0.5, 1.4],
  [-0.8, 0.6, 1.9, -0.3, 0.1, -1.2],
];

/** weight * mean_i ((std * u_i) . w)^2 in float64. */
function termReference(noise: number[], std: number, weight: number): number {
  let sum = 0;
  for (let i = 0; i < noise.length; i += 2) sum += (std * (noise[i]! * w[0]! + noise[i + 1]! * w[1]!)) ** 2;
  return (weight * sum) / (noise.length / 2);
}

async function setup(options: Record<string, JsonValue>): Promise<TrickHarness<unknown>> {
  let draws = 0;
  // The draws are made into tensors with the harness's own tfjs, known only once it exists.
  let tf: TrickHarness<unknown>["tf"] | undefined;
  const harness = await createTrickHarness(consistency, {
    plan: tinyPlan(),
    options,
    context: {
      randomNormal(shape: number[], mean = 0, std = 1): Tensor {
        const values = unitNoise[draws++ % unitNoise.length]!.map((u) => mean + std * u);
        return tf!.tensor(values, shape);
      },
    },
  });
  tf = harness.tf;
  return harness;
}

/** Runs the hook on a loss of 1 with D built from `weights`. */
function lossWith(harness: TrickHarness<unknown>, weights: Tensor, step = 0): Scalar {
  const { tf } = harness;
  const discriminator = (x: Tensor) => tf.add(tf.matMul(x, tf.reshape(weights, [2, 1])), b);
  return harness.hooks.discriminatorLoss!(tf.scalar(1), discriminatorLossContext(discriminator, real, fake), step);
}

describe("gan-trick-consistency", () => {
  test("by default only the reals are regularised, with weight 10 and noise std 0.05", async () => {
    const harness = await setup({});
    const loss = lossWith(harness, harness.tf.tensor1d(w));
    const expected = 1 + termReference(unitNoise[0]!, 0.05, 10);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 6);
    expect(harness.logs.map((entry) => entry.name)).toEqual(["consistency/real"]);
    expect(harness.logs[0]!.value).toBeCloseTo(termReference(unitNoise[0]!, 0.05, 1), 7);
  });

  test("bCR: both sides, each with its weight, and the gradient in D's weights matches the analytic one", async () => {
    const harness = await setup({ real: 5, fake: 10, std: 0.2 });
    const { tf } = harness;
    const weights = tf.tensor1d(w);
    const expected = 1 + termReference(unitNoise[0]!, 0.2, 5) + termReference(unitNoise[1]!, 0.2, 10);
    // float32 arithmetic: 6 significant digits of a value near 3.
    expect(lossWith(harness, weights).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(harness.logs.map((entry) => entry.name)).toEqual(["consistency/real", "consistency/fake"]);

    // d/dw of weight * mean_i (e_i . w)^2 is weight * mean_i 2 (e_i . w) e_i.
    const gradient = Array.from(tf.grad((v: Tensor) => lossWith(harness, v))(weights).dataSync());
    const analytic = [0, 0];
    for (const [noise, weight] of [
      [unitNoise[0]!, 5],
      [unitNoise[1]!, 10],
    ] as const) {
      const samples = noise.length / 2;
      for (let i = 0; i < noise.length; i += 2) {
        const e = [0.2 * noise[i]!, 0.2 * noise[i + 1]!];
        const change = e[0]! * w[0]! + e[1]! * w[1]!;
        analytic[0]! += (weight * 2 * change * e[0]!) / samples;
        analytic[1]! += (weight * 2 * change * e[1]!) / samples;
      }
    }
    expect(gradient[0]).toBeCloseTo(analytic[0]!, 5);
    expect(gradient[1]).toBeCloseTo(analytic[1]!, 5);
  });

  test("weights follow their schedules; at weight 0 the loss passes through untouched", async () => {
    const harness = await setup({ real: { schedule: "linear", from: 10, to: 0, start: 0, end: 100 } });
    harness.setStep(50);
    expect(lossWith(harness, harness.tf.tensor1d(w), 50).dataSync()[0]).toBeCloseTo(1 + termReference(unitNoise[0]!, 0.05, 5), 6);
    harness.setStep(100);
    const { tf } = harness;
    const untouched = tf.scalar(1);
    const context = { real: tf.zeros([1, 2]), fake: tf.zeros([1, 2]) } as DiscriminatorLossContext;
    expect(harness.hooks.discriminatorLoss!(untouched, context, 100)).toBe(untouched);
  });

  test("a noise std of 0 is refused with the option named", async () => {
    await expect(setup({ std: 0 })).rejects.toThrow(/gan-trick-consistency: invalid options: std: /);
    await expect(setup({ real: -1 })).rejects.toThrow(/invalid options: real: /);
  });

  test("the package is loadable as a trick: its name matches, it has the keyword and takes @gan/core as a peer", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      name: string;
      keywords: string[];
      peerDependencies: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    expect(manifest.name).toBe(consistency.name);
    expect(manifest.keywords).toContain("gan-trick");
    expect(Object.keys(manifest.peerDependencies)).toEqual(["@gan/core"]);
    expect(manifest.dependencies).toBeUndefined();
  });
});
