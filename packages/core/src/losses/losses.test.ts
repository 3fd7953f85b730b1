import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// tfjs-layers registers the gradients of every kernel (tfjs-core alone has none): tf.grad needs them.
import "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { LOSS_KINDS, builtinLoss } from "@gan/plan";
import { discriminatorAccuracy, discriminatorLoss, generatorLoss, sigmoidCrossEntropy } from "./index.js";

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

describe("relativistic average losses (Jolicoeur-Martineau 2018, reference code loss_D 6, 7, 8)", () => {
  /*
   * real [2, -1] (mean 0.5), fake [0.5, -3] (mean -1.25):
   *   r = real - mean(fake) = [3.25, 0.25],  f = fake - mean(real) = [0, -3.5].
   * sp(-3.25) = 0.038041, sp(-0.25) = 0.575939, sp(0) = 0.693147, sp(-3.5) = 0.029750,
   * sp(3.25) = 3.288041, sp(0.25) = 0.825939, sp(3.5) = 3.529750.
   */
  it("ragan: D (mean BCE(r, 1) + mean BCE(f, 0)) / 2, G with the targets swapped", () => {
    // D: ((sp(-3.25) + sp(-0.25)) / 2 + (sp(0) + sp(-3.5)) / 2) / 2 = 0.334220
    expect(value(discriminatorLoss("ragan", real(), fake(), plainLabels))).toBeCloseTo(0.33422, 5);
    // G: ((sp(3.25) + sp(0.25)) / 2 + (sp(0) + sp(3.5)) / 2) / 2 = 2.084220
    expect(value(generatorLoss("ragan", fake(), real()))).toBeCloseTo(2.08422, 5);
  });

  it("ralsgan: D (mean (r - 1)^2 + mean (f + 1)^2) / 2, G with the signs swapped", () => {
    // D: ((2.25^2 + 0.75^2) / 2 + (1^2 + 2.5^2) / 2) / 2 = (2.8125 + 3.625) / 2
    expect(value(discriminatorLoss("ralsgan", real(), fake(), plainLabels))).toBeCloseTo(3.21875, 5);
    // G: ((4.25^2 + 1.25^2) / 2 + (1^2 + 4.5^2) / 2) / 2 = (9.8125 + 10.625) / 2
    expect(value(generatorLoss("ralsgan", fake(), real()))).toBeCloseTo(10.21875, 5);
  });

  it("rahinge: D (mean relu(1 - r) + mean relu(1 + f)) / 2, G (mean relu(1 + r) + mean relu(1 - f)) / 2", () => {
    // D: ((0 + 0.75) / 2 + (1 + 0) / 2) / 2
    expect(value(discriminatorLoss("rahinge", real(), fake(), plainLabels))).toBeCloseTo(0.4375, 6);
    // G: ((4.25 + 1.25) / 2 + (1 + 4.5) / 2) / 2
    expect(value(generatorLoss("rahinge", fake(), real()))).toBeCloseTo(2.75, 6);
  });

  it("ignore labels, which they do not take", () => {
    for (const kind of ["ragan", "ralsgan", "rahinge"] as const) {
      expect(builtinLoss(kind).takesTargets).toBe(false);
      const plain = value(discriminatorLoss(kind, real(), fake(), plainLabels));
      expect(value(discriminatorLoss(kind, real(), fake(), { real: 0.9, fake: tf.tensor1d([0.2, 0.1]) }))).toBe(plain);
    }
  });

  it("refuse a G update without D's logits on real data, naming the loss", () => {
    expect(() => generatorLoss("rahinge", fake())).toThrow("the rahinge loss needs D's logits on real data in G's update, and got none");
  });
});

/** Central finite differences of `f` at `x` (float32 tensors, so a step of 1e-2). */
function finiteDifferences(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor2D): number[] {
  const values = Array.from(x.dataSync());
  const step = 1e-2;
  return values.map((_, i) => {
    const at = (delta: number) => value(f(tf.tensor2d(values.map((v, j) => (j === i ? v + delta : v)), x.shape)));
    return (at(step) - at(-step)) / (2 * step);
  });
}

describe("gradients against finite differences, for every loss kind", () => {
  // Away from the kinks of the hinge losses: each relu's argument is at least 0.25 from 0 here.
  const realLogits = () => tf.tensor2d([[1.3], [-0.6], [0.4]]);
  const fakeLogits = () => tf.tensor2d([[-0.9], [0.2], [-2.1]]);

  it.each(LOSS_KINDS)("%s: D's loss in both batches' logits, G's in the fake and (relativistic) the real logits", (kind) => {
    const labels = { real: 0.9, fake: 0.1 };
    const d = (r: tf.Tensor, f: tf.Tensor) => discriminatorLoss(kind, r, f, labels);
    const g = (f: tf.Tensor, r: tf.Tensor) => generatorLoss(kind, f, r);
    const [dReal, dFake] = tf.grads(d)([realLogits(), fakeLogits()]);
    const pairs: [tf.Tensor, number[]][] = [
      [dReal!, finiteDifferences((r) => d(r, fakeLogits()), realLogits())],
      [dFake!, finiteDifferences((f) => d(realLogits(), f), fakeLogits())],
      [tf.grad((f) => g(f, realLogits()))(fakeLogits()), finiteDifferences((f) => g(f, realLogits()), fakeLogits())],
    ];
    // Only the relativistic losses' G loss depends on D's logits on real data.
    if (builtinLoss(kind).generatorUsesRealLogits) {
      pairs.push([tf.grad((r) => g(fakeLogits(), r))(realLogits()), finiteDifferences((r) => g(fakeLogits(), r), realLogits())]);
    } else {
      expect(value(g(fakeLogits(), tf.tensor2d([[5], [6], [7]])))).toBe(value(g(fakeLogits(), realLogits())));
    }
    for (const [analytic, numeric] of pairs) {
      Array.from(analytic.dataSync()).forEach((component, i) => expect(component).toBeCloseTo(numeric[i]!, 3));
    }
  });
});

describe("large logits", () => {
  it("stay finite in value and gradient at +-1e4 for every loss", () => {
    const big = () => tf.tensor2d([[1e4], [-1e4]]);
    for (const kind of LOSS_KINDS) {
      const [dReal, dFake] = tf.grads((r: tf.Tensor, f: tf.Tensor) => discriminatorLoss(kind, r, f, plainLabels))([big(), big()]);
      const gFake = tf.grad((f: tf.Tensor) => generatorLoss(kind, f, big()))(big());
      const values = [
        value(discriminatorLoss(kind, big(), big(), plainLabels)),
        value(generatorLoss(kind, big(), big())),
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
    for (const kind of LOSS_KINDS) {
      discriminatorLoss(kind, r, f, labels).dispose();
      generatorLoss(kind, f, r).dispose();
      discriminatorAccuracy(kind, r, f)?.dispose();
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

  it("relativistic losses: real above the fakes' mean logit, fake below the reals' mean", () => {
    // Means: real 0.5, fake -1.25. real [2, -1]: 2 > -1.25, -1 > -1.25: both right.
    // fake [0.5, -3]: 0.5 is not below 0.5, -3 is: one of two. (1 + 1/2) / 2.
    for (const kind of ["ragan", "ralsgan", "rahinge"] as const) {
      expect(value(discriminatorAccuracy(kind, real(), fake())!)).toBeCloseTo(0.75, 6);
    }
  });

  it("a Wasserstein critic has none", () => {
    expect(discriminatorAccuracy("wasserstein", real(), fake())).toBeUndefined();
  });
});
