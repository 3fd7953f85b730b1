import { describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import type { JsonValue, Scalar, Tensor } from "@gan/core";
import { createTrickHarness, discriminatorLossContext, tinyPlan, type TrickHarness } from "@gan/core/testing";
import { loadNativeBlas } from "@gan/backend-wasm";
import gp from "./index.js";

/** Whether the blas backend can start here; always under CI, which installs OpenBLAS (there a missing library must fail). */
const blasLoadsHere: boolean = (() => {
  try {
    loadNativeBlas();
    return true;
  } catch {
    return Boolean(process.env["CI"]);
  }
})();

// A tiny D on 2-D inputs: D(x) = sum_j v_j * leakyrelu(W_j . x + b_j), slope 0.2. Its weights
// are plain numbers so that the reference below computes in float64, independently of tfjs.
const W = [
  [0.9, -0.4],
  [-0.3, 0.8],
  [0.5, 0.6],
];
const b = [0.1, -0.2, 0.05];
const v = [1.2, -0.7, 0.4];
const SLOPE = 0.2;

function dReference(x: number[], w = W): number {
  return w.reduce((sum, row, j) => {
    const z = row.reduce((dot, weight, k) => dot + weight * x[k]!, b[j]!);
    return sum + v[j]! * (z > 0 ? z : SLOPE * z);
  }, 0);
}

/** grad_x D by central finite differences, in float64. */
function gradientByDifferences(x: number[], w = W): number[] {
  const h = 1e-6;
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += h;
    minus[i]! -= h;
    return (dReference(plus, w) - dReference(minus, w)) / (2 * h);
  });
}

function penaltyReference(points: number[][], weight: number, target: number, w = W): number {
  const deviations = points.map((x) => {
    const norm = Math.hypot(...gradientByDifferences(x, w));
    return (norm - target) ** 2;
  });
  return (weight * deviations.reduce((a, c) => a + c, 0)) / points.length;
}

const real = [
  [0.5, 1.0],
  [-1.2, 0.3],
  [0.8, -0.9],
];
// Points are chosen away from the kinks of leaky ReLU, where finite differences average two slopes.
const fake = [
  [0.1, -0.4],
  [1.5, 0.2],
  [-0.6, -1.0],
];
// The per-sample draws the trick gets (instead of random ones), so the reference knows its points.
const E = [0.25, 0.7, 0.1];
const U = [0.3, 0.9, 0.6, 0.2, 0.45, 0.75];

async function setup(options: Record<string, JsonValue>): Promise<TrickHarness<unknown>> {
  return createTrickHarness(gp, {
    plan: tinyPlan(),
    options,
    context: {
      randomUniform: (shape: number[]): Tensor => {
        const size = shape.reduce((a, c) => a * c, 1);
        return tf.tensor(size === E.length ? E : U.slice(0, size), shape);
      },
    },
  });
}

/** Runs the hook on a zero loss with the tiny D built from `weights` (a variable, to differentiate). */
function penaltyOf(harness: TrickHarness<unknown>, weights: Tensor, step = 0): Scalar {
  const { tf } = harness;
  const discriminator = (x: Tensor) =>
    tf.sum(tf.mul(tf.leakyRelu(tf.add(tf.matMul(x, weights, false, true), tf.tensor1d(b)), SLOPE), tf.tensor1d(v)), 1, true);
  return harness.hooks.discriminatorLoss!(tf.scalar(0), discriminatorLossContext(discriminator, real, fake), step);
}

const interpolates = real.map((r, i) => r.map((value, k) => E[i]! * value + (1 - E[i]!) * fake[i]![k]!));

describe("@gan/gp: the penalty equals a finite-difference estimate on a tiny D", () => {
  const cases: [string, Record<string, JsonValue>, number[][], number, number][] = [
    ["wgan-gp on interpolates, target 1, lambda 10", {}, interpolates, 10, 1],
    ["r1 on reals, gamma/2 with gamma 10, target 0", { kind: "r1" }, real, 5, 0],
    ["r2 on fakes, gamma 4", { kind: "r2", lambda: 4 }, fake, 2, 0],
    ["wgan-gp with target 0.5 and lambda 3", { lambda: 3, target: 0.5 }, interpolates, 3, 0.5],
  ];
  for (const [name, options, points, weight, target] of cases) {
    test(name, async () => {
      const harness = await setup(options);
      const value = penaltyOf(harness, harness.tf.tensor2d(W)).dataSync()[0]!;
      const expected = penaltyReference(points, weight, target);
      expect(expected).toBeGreaterThan(0.01);
      expect(value).toBeCloseTo(expected, 4);
      expect(harness.logs.find((l) => l.name === "gp/penalty")?.value).toBeCloseTo(expected, 4);
    });
  }

  test("dragan perturbs the reals by noise * std(real) * u, mixed per sample", async () => {
    const harness = await setup({ kind: "dragan" });
    const flat = real.flat();
    const mean = flat.reduce((a, c) => a + c, 0) / flat.length;
    const std = Math.sqrt(flat.reduce((a, c) => a + (c - mean) ** 2, 0) / flat.length);
    const points = real.map((r, i) => r.map((value, k) => E[i]! * value + (1 - E[i]!) * (value + 0.5 * std * U[i * 2 + k]!)));
    const value = penaltyOf(harness, harness.tf.tensor2d(W)).dataSync()[0]!;
    expect(value).toBeCloseTo(penaltyReference(points, 10, 1), 4);
  });

  test("its gradient with respect to D's weights (double backprop) equals finite differences", async () => {
    for (const kind of ["wgan-gp", "r1"]) {
      const harness = await setup({ kind });
      const { tf } = harness;
      const weights = tf.variable(tf.tensor2d(W));
      const { grads } = tf.variableGrads(() => penaltyOf(harness, weights), [weights]);
      const analytic = grads[weights.name]!.arraySync() as number[][];
      const points = kind === "r1" ? real : interpolates;
      const [weight, target] = kind === "r1" ? [5, 0] : [10, 1];
      const h = 1e-5;
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 2; k++) {
          const plus = W.map((row) => [...row]);
          const minus = W.map((row) => [...row]);
          plus[j]![k]! += h;
          minus[j]![k]! -= h;
          const numeric = (penaltyReference(points, weight, target, plus) - penaltyReference(points, weight, target, minus)) / (2 * h);
          expect(analytic[j]![k]!).toBeCloseTo(numeric, 2);
        }
      }
      expect(analytic.flat().some((g) => Math.abs(g) > 0.05)).toBe(true);
    }
  });
});

describe("@gan/gp on a discriminator that judges packs (@gan/pack)", () => {
  // The tiny D on packs of 2 samples: sample s and s + n (n = batch / 2) side by side, 4 inputs wide.
  const W4 = [
    [0.9, -0.4, 0.3, 0.2],
    [-0.3, 0.8, -0.5, 0.6],
    [0.5, 0.6, 0.7, -0.8],
  ];
  const real4 = [...real, [0.4, -0.2]];
  const fake4 = [...fake, [0.3, 0.7]];
  const packsOf = (batch: number[][]) => [0, 1].map((p) => [...batch[p]!, ...batch[p + 2]!]);
  const E2 = [0.3, 0.8];

  for (const [kind, weight, target] of [["wgan-gp", 10, 1], ["r1", 5, 0]] as const) {
    test(`${kind}: one weight per pack, and the norm over the whole pack`, async () => {
      const harness = await createTrickHarness(gp, {
        plan: tinyPlan(),
        options: { kind },
        context: { randomUniform: (shape: number[]): Tensor => harness.tf.tensor(E2, shape) },
      });
      const { tf } = harness;
      const discriminator = (x: Tensor) => {
        const packs = tf.concat(tf.split(x, 2, 0), -1);
        return tf.sum(tf.mul(tf.leakyRelu(tf.add(tf.matMul(packs, tf.tensor2d(W4), false, true), tf.tensor1d(b)), SLOPE), tf.tensor1d(v)), 1, true);
      };
      const penalty = harness.hooks.discriminatorLoss!(tf.scalar(0), discriminatorLossContext(discriminator, real4, fake4), 0).dataSync()[0]!;
      const [realPacks, fakePacks] = [packsOf(real4), packsOf(fake4)];
      const points = kind === "r1" ? realPacks : realPacks.map((r, p) => r.map((value, k) => E2[p]! * value + (1 - E2[p]!) * fakePacks[p]![k]!));
      const expected = penaltyReference(points, weight, target, W4);
      expect(expected).toBeGreaterThan(0.01);
      expect(penalty).toBeCloseTo(expected, 4);
    });
  }
});

describe("@gan/gp: lazy regularisation and zero weight", () => {
  test("every: 4 applies the penalty on steps 0, 4, 8..., multiplied by 4", async () => {
    const harness = await setup({ kind: "r1", every: 4 });
    const W2 = harness.tf.tensor2d(W);
    const expected = penaltyReference(real, 5, 0);
    expect(penaltyOf(harness, W2, 0).dataSync()[0]).toBeCloseTo(4 * expected, 3);
    expect(penaltyOf(harness, W2, 1).dataSync()[0]).toBe(0);
    expect(penaltyOf(harness, W2, 3).dataSync()[0]).toBe(0);
    expect(penaltyOf(harness, W2, 8).dataSync()[0]).toBeCloseTo(4 * expected, 3);
  });

  test("lambda 0 leaves the loss as it is", async () => {
    const harness = await setup({ lambda: 0 });
    expect(penaltyOf(harness, harness.tf.tensor2d(W)).dataSync()[0]).toBe(0);
    expect(harness.logs).toEqual([]);
  });

  test("unknown kinds are refused by the schema", async () => {
    await expect(setup({ kind: "wgan" })).rejects.toThrow("@gan/gp: invalid options: kind:");
  });
});

/** The logged lines of each step of a run of `plan` (all its steps) with @gan/gp and `options`. */
async function trainedLines(plan: ReturnType<typeof tinyPlan>, options: Record<string, JsonValue> = {}): Promise<Record<string, number>[]> {
  const { createTrickTrainer } = await import("@gan/core/testing");
  const { trainer } = await createTrickTrainer(plan, [{ trick: gp, options }]);
  const lines: Record<string, number>[] = [];
  for (let step = 0; step < plan.train.steps; step++) lines.push((await trainer.runStep())!);
  trainer.dispose();
  return lines;
}

describe("@gan/gp in a run", () => {
  const penalties = (backend: "cpu" | "wasm") =>
    trainedLines(tinyPlan({ loss: { kind: "wasserstein" }, train: { steps: 3, batch: 16, seed: 1, logEvery: 1, backend } }));

  test("logs gp/penalty and gp/grad_norm every logged step, trains through leaky ReLU (double backprop), and wasm agrees with cpu", async () => {
    const cpu = await penalties("cpu");
    for (const line of cpu) {
      expect(line["gp/penalty"]).toBeGreaterThan(0);
      expect(line["gp/grad_norm"]).toBeGreaterThan(0);
      // A D loss with the penalty in it: wasserstein alone is a difference of means, the penalty adds lambda (|g| - 1)^2 >= 0.
      expect(Number.isFinite(line["d_loss"])).toBe(true);
    }
    const wasm = await penalties("wasm");
    for (const [i, line] of wasm.entries()) {
      expect(line["gp/penalty"]).toBeCloseTo(cpu[i]!["gp/penalty"]!, 3);
      expect(line["d_loss"]).toBeCloseTo(cpu[i]!["d_loss"]!, 3);
    }
  });
});

describe("@gan/gp with the hinge and relativistic losses", () => {
  // R1 on reals is how SNGAN/StyleGAN-style runs pair the penalty with these losses; the
  // penalty is added to whatever D's loss is, so each must train with it, deterministically.
  test.each(["hinge", "ragan", "ralsgan", "rahinge"] as const)("%s with R1 trains finitely, the same twice", async (kind) => {
    const plan = tinyPlan({ loss: { kind }, train: { steps: 3, batch: 16, seed: 2, logEvery: 1, backend: "cpu" } });
    const lines = await trainedLines(plan, { kind: "r1", lambda: 1 });
    for (const line of lines) {
      expect(line["gp/penalty"]).toBeGreaterThan(0);
      for (const name of ["d_loss", "g_loss", "d_acc"]) expect(Number.isFinite(line[name]), name).toBe(true);
    }
    expect(await trainedLines(plan, { kind: "r1", lambda: 1 })).toEqual(lines);
  });
});

describe("@gan/gp through pooling, attention and layer norm", () => {
  // D reshapes ring points to 4x4 images, attends over their positions, normalises and pools
  // them: the penalty differentiates MaxPoolGrad and AvgPoolGrad (whose gradients
  // @gan/backend-wasm registers), and the softmax, products and moments of the others.
  const discriminator = {
    inputShape: [2],
    layers: [
      { type: "dense", units: 16 },
      { type: "reshape", shape: [4, 4, 1] },
      { type: "conv", filters: 3, kernel: 3, stride: 1, padding: "same", activation: { kind: "leakyrelu", alpha: 0.2 } },
      { type: "attention" },
      { type: "layernorm", epsilon: 1e-5 },
      { type: "maxpool", size: 2, padding: "valid" },
      { type: "conv", filters: 2, kernel: 1, stride: 1, padding: "same", activation: { kind: "tanh" } },
      { type: "avgpool", size: 2, padding: "valid" },
      { type: "flatten" },
      { type: "dense", units: 1 },
    ],
  } as const;

  const penalties = (backend: "cpu" | "wasm" | "blas") =>
    trainedLines(
      tinyPlan({
        networks: { generator: tinyPlan().networks.generator, discriminator: structuredClone(discriminator) as never },
        loss: { kind: "wasserstein" },
        train: { steps: 2, batch: 8, seed: 3, logEvery: 1, backend },
      }),
      { kind: "r1" },
    );

  test("a D with attention, layernorm, maxpool and avgpool trains with the penalty, the same on cpu, wasm and blas", async () => {
    const cpu = await penalties("cpu");
    for (const line of cpu) expect(line["gp/penalty"]).toBeGreaterThan(0);
    for (const backend of blasLoadsHere ? (["wasm", "blas"] as const) : (["wasm"] as const)) {
      for (const [i, line] of (await penalties(backend)).entries()) {
        expect(line["gp/penalty"], backend).toBeCloseTo(cpu[i]!["gp/penalty"]!, 4);
        expect(line["d_loss"], backend).toBeCloseTo(cpu[i]!["d_loss"]!, 4);
      }
    }
  });
});
