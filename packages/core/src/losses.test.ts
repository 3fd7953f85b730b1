import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// tfjs-layers registers the gradients of every kernel (tfjs-core alone has none): tf.grad needs them.
import "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { discriminatorAccuracy, discriminatorLoss, generatorLoss, sigmoidCrossEntropy, type LossKind } from "./losses.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

// Logits of a batch of 2, shaped [batch, 1] as a dense D outputs them.
const real = () => tf.tensor2d([[2], [-1]]);
const fake = () => tf.tensor2d([[0.5], [-3]]);
const plainLabels = { real: 1, fake: 0 };

/*
 * Hand-computed values, with sp(x) = ln(1 + e^x):
 *   sp(2) = 2.126928, sp(-2) = 0.126928, sp(1) = 1.313262, sp(-1) = 0.313262,
 *   sp(0.5) = 0.974077, sp(-0.5) = 0.474077, sp(3) = 3.048587, sp(-3) = 0.048587.
 *   BCE(x, t) = sp(x) - x t, so BCE(x, 1) = sp(-x) and BCE(x, 0) = sp(x).
 */
function value(scalar: tf.Scalar): number {
  const v = scalar.dataSync()[0]!;
  scalar.dispose();
  return v;
}

describe("discriminatorLoss", () => {
  it("minimax and nonsaturating: mean BCE(real, 1) + mean BCE(fake, 0)", () => {
    // (sp(-2) + sp(1)) / 2 + (sp(0.5) + sp(-3)) / 2 = 0.720095 + 0.511332 = 1.231427
    for (const kind of ["minimax", "nonsaturating"] as const) {
      expect(value(discriminatorLoss(kind, real(), fake(), plainLabels))).toBeCloseTo(1.231427, 5);
    }
  });

  it("takes smoothed labels as BCE targets", () => {
    // real 0.9: (sp(2) - 1.8 + sp(-1) + 0.9) / 2 = 0.770095
    // fake 0.1: (sp(0.5) - 0.05 + sp(-3) + 0.3) / 2 = 0.636332; sum 1.406427
    expect(value(discriminatorLoss("nonsaturating", real(), fake(), { real: 0.9, fake: 0.1 }))).toBeCloseTo(1.406427, 5);
  });

  it("takes one label per sample, shaped [batch] against [batch, 1] logits", () => {
    // real targets (1, 0.8): (sp(2) - 2 + sp(-1) + 0.8) / 2 = 0.620095; plus 0.511332 = 1.131427
    const labels = { real: tf.tensor1d([1, 0.8]), fake: 0 };
    expect(value(discriminatorLoss("minimax", real(), fake(), labels))).toBeCloseTo(1.131427, 5);
    expect(value(discriminatorLoss("minimax", real(), fake(), { real: tf.tensor2d([[1], [0.8]]), fake: 0 }))).toBeCloseTo(
      1.131427,
      5,
    );
  });

  it("wasserstein: mean(fake) - mean(real), ignoring labels", () => {
    // (0.5 - 3) / 2 - (2 - 1) / 2 = -1.25 - 0.5 = -1.75
    expect(value(discriminatorLoss("wasserstein", real(), fake(), plainLabels))).toBeCloseTo(-1.75, 6);
    expect(value(discriminatorLoss("wasserstein", real(), fake(), { real: 0.9, fake: 0.3 }))).toBeCloseTo(-1.75, 6);
  });

  it("hinge: mean(relu(1 - real)) + mean(relu(1 + fake)), ignoring labels", () => {
    // (relu(-1) + relu(2)) / 2 + (relu(1.5) + relu(-2)) / 2 = 1 + 0.75 = 1.75
    expect(value(discriminatorLoss("hinge", real(), fake(), plainLabels))).toBeCloseTo(1.75, 6);
    expect(value(discriminatorLoss("hinge", real(), fake(), { real: 0.9, fake: 0.3 }))).toBeCloseTo(1.75, 6);
  });

  it("least-squares: 0.5 mean((real - b)^2) + 0.5 mean((fake - a)^2), labels as a and b", () => {
    // b = 1, a = 0: 0.5 (1 + 4) / 2 + 0.5 (0.25 + 9) / 2 = 1.25 + 2.3125 = 3.5625
    expect(value(discriminatorLoss("least-squares", real(), fake(), plainLabels))).toBeCloseTo(3.5625, 6);
    // b = 0.9, a = 0.1: 0.5 (1.1^2 + 1.9^2) / 2 + 0.5 (0.4^2 + 3.1^2) / 2 = 1.205 + 2.4425 = 3.6475
    expect(value(discriminatorLoss("least-squares", real(), fake(), { real: 0.9, fake: 0.1 }))).toBeCloseTo(3.6475, 5);
  });
});

describe("generatorLoss", () => {
  it("minimax: mean log(1 - sigmoid(fake)) = -mean sp(fake)", () => {
    // -(sp(0.5) + sp(-3)) / 2 = -0.511332
    expect(value(generatorLoss("minimax", fake()))).toBeCloseTo(-0.511332, 5);
  });

  it("nonsaturating: mean BCE(fake, 1) = mean sp(-fake)", () => {
    // (sp(-0.5) + sp(3)) / 2 = 1.761332
    expect(value(generatorLoss("nonsaturating", fake()))).toBeCloseTo(1.761332, 5);
  });

  it("wasserstein and hinge: -mean(fake)", () => {
    expect(value(generatorLoss("wasserstein", fake()))).toBeCloseTo(1.25, 6);
    expect(value(generatorLoss("hinge", fake()))).toBeCloseTo(1.25, 6);
  });

  it("least-squares: 0.5 mean((fake - 1)^2)", () => {
    // 0.5 (0.25 + 16) / 2 = 4.0625
    expect(value(generatorLoss("least-squares", fake()))).toBeCloseTo(4.0625, 6);
  });

  it("has the gradient of the hand-derived formula: d/dx mean sp(-x) = -sigmoid(-x) / n", () => {
    const grad = tf.grad((x: tf.Tensor) => generatorLoss("nonsaturating", x))(fake());
    // -sigmoid(-0.5) / 2 = -0.188770, -sigmoid(3) / 2 = -0.476287
    const values = Array.from(grad.dataSync());
    expect(values[0]).toBeCloseTo(-0.18877, 5);
    expect(values[1]).toBeCloseTo(-0.476287, 5);
  });
});

describe("large logits", () => {
  const kinds: LossKind[] = ["minimax", "nonsaturating", "wasserstein", "hinge", "least-squares"];

  it("stay finite in value and gradient at +-1e4 for every loss", () => {
    const big = () => tf.tensor2d([[1e4], [-1e4]]);
    for (const kind of kinds) {
      const [dReal, dFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => discriminatorLoss(kind, r, f, plainLabels))([big(), big()]);
      const gFake = tf.grad((f: tf.Tensor) => generatorLoss(kind, f))(big());
      const values = [
        value(discriminatorLoss(kind, big(), big(), plainLabels)),
        value(generatorLoss(kind, big())),
        ...dReal!.dataSync(),
        ...dFake!.dataSync(),
        ...gFake.dataSync(),
      ];
      expect(values.every(Number.isFinite), `${kind}: ${values.join(", ")}`).toBe(true);
    }
  });

  it("give the exact BCE of a confident, wrong discriminator", () => {
    // BCE(1e4, 1) = 0, BCE(-1e4, 1) = 1e4; BCE(1e4, 0) = 1e4, BCE(-1e4, 0) = 0: 5000 + 5000.
    const big = () => tf.tensor2d([[1e4], [-1e4]]);
    expect(value(discriminatorLoss("minimax", big(), big(), plainLabels))).toBe(10_000);
    expect(value(generatorLoss("nonsaturating", big()))).toBe(5000);
    expect(value(generatorLoss("minimax", big()))).toBe(-5000);
    const bce = Array.from(sigmoidCrossEntropy(tf.tensor1d([-100, 100]), 1).dataSync());
    // BCE(100, 1) = log(1 + e^-100) = 3.7e-44, a float32 subnormal: not exactly 0, and not NaN.
    expect(bce[0]).toBe(100);
    expect(bce[1]).toBeCloseTo(0, 40);
  });
});

describe("tensor hygiene", () => {
  it("leaves only the loss behind", () => {
    const r = real();
    const f = fake();
    const labels = { real: tf.tensor1d([0.9, 0.9]), fake: 0 };
    const before = tf.memory().numTensors;
    for (const kind of ["minimax", "nonsaturating", "wasserstein", "hinge", "least-squares"] as const) {
      discriminatorLoss(kind, r, f, labels).dispose();
      generatorLoss(kind, f).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("discriminatorAccuracy", () => {
  it("logit losses: real above 0, fake below, each batch weighing half", () => {
    // real [2, -1]: 1 of 2 right; fake [0.5, -3]: 1 of 2 right. A 3-sample fake batch weighs as much as the 2 real.
    for (const kind of ["minimax", "nonsaturating", "hinge"] as const) {
      expect(value(discriminatorAccuracy(kind, real(), fake())!)).toBeCloseTo(0.5, 6);
    }
    const threeFakes = tf.tensor2d([[-1], [-2], [4]]);
    expect(value(discriminatorAccuracy("nonsaturating", real(), threeFakes)!)).toBeCloseTo(0.5 * 0.5 + 0.5 * (2 / 3), 6);
  });

  it("least squares splits at 0.5, between its targets 0 and 1", () => {
    // real [2, -1]: only 2 is above 0.5; fake [0.5, -3]: 0.5 is not below 0.5, -3 is. (1/2 + 1/2) / 2.
    expect(value(discriminatorAccuracy("least-squares", real(), fake())!)).toBeCloseTo(0.5, 6);
    expect(value(discriminatorAccuracy("least-squares", tf.tensor2d([[0.9], [0.6]]), tf.tensor2d([[0.1], [0.4]]))!)).toBe(1);
  });

  it("a Wasserstein critic has none", () => {
    expect(discriminatorAccuracy("wasserstein", real(), fake())).toBeUndefined();
  });
});
