import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createCompileHost, createRng, openDataSource } from "@gan/core/runtime";
import { createTrickHarness, tinyPlan } from "@gan/core/testing";
import { compile, formatDiagnostics } from "@gan/dsl";
import normalize from "./index.js";

const here = fileURLToPath(new URL(".", import.meta.url));

async function compileSpec(text: string) {
  const result = await compile(text, { file: `${here}spec.gan`, host: createCompileHost() });
  if (!result.plan) throw new Error(formatDiagnostics(result.diagnostics, text));
  return result.plan;
}

const spec = `gan mnist {
  data mnist { split: "test" }
  latent 16
  generator {
    dense 7*7*8 relu
    reshape [7, 7, 8]
    deconv 1 kernel 4 stride 4 sigmoid
  }
  discriminator {
    conv 8 kernel 4 stride 2 leakyrelu 0.2
    flatten
    dense 1
  }
  train { steps 10 batch 64 }
  use "@gan/normalize"
}`;

describe("@gan/normalize: compiled from a spec", () => {
  test("the plan maps MNIST to [-1, 1], G ends in tanh, and plan.rewrites says so", async () => {
    const plan = await compileSpec(spec);
    expect(plan.data).toMatchObject({ kind: "mnist", nativeRange: [0, 1], range: [-1, 1] });
    expect(plan.networks.generator.layers.at(-1)).toMatchObject({ type: "deconv", activation: { kind: "tanh" }, outputShape: [28, 28, 1] });
    expect(plan.rewrites.map((r) => [r.trick, r.network, r.index, r.action])).toEqual([
      ["@gan/normalize", null, null, "data"],
      ["@gan/normalize", "generator", 2, "replace"],
    ]);
  });

  test("the data range after scaling: batches of the compiled plan's source fill [-1, 1]", async () => {
    const plan = await compileSpec(spec);
    const source = await openDataSource(plan.data, { rng: createRng(1).split("data") });
    expect(source.range).toEqual([-1, 1]);
    const batch = source.nextBatch(256);
    let min = Infinity;
    let max = -Infinity;
    for (const value of batch) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    // MNIST has black (0) and white (255) pixels in every few images: both ends are reached exactly.
    expect(min).toBe(-1);
    expect(max).toBe(1);
    // Pixel 0 is black in MNIST images: -1 after scaling; the scaling is affine (2p - 1).
    expect(batch[0]).toBe(-1);
  });
});

describe("@gan/normalize: the warning at run time", () => {
  test("a real batch outside the range is reported once, and again only when it goes further out", async () => {
    const harness = await createTrickHarness(normalize, {
      plan: tinyPlan({ data: { kind: "mnist", shape: [2], nativeRange: [0, 1], range: [-1, 1] } }),
    });
    const { tf } = harness;
    const fake = tf.zeros([2, 2]);
    const inside = tf.tensor2d([[-1, 1], [0.5, -0.999999]]);
    const batches = [inside, tf.tensor2d([[-1, 1.5], [0, 0]]), tf.tensor2d([[-1, 1.2], [0, 0]]), tf.tensor2d([[-2, 1], [0, 0]])];
    batches.forEach((real, step) => {
      harness.setStep(step);
      const out = harness.hooks.discriminatorInputs!({ real, fake }, step);
      expect(out.real).toBe(real);
    });
    expect(harness.warnings).toEqual([
      "the real batch of step 1 has values in [-1.000, 1.500], outside the data range [-1, 1]: the data source produces values outside its declared native range",
      "the real batch of step 3 has values in [-2.000, 1.000], outside the data range [-1, 1]: the data source produces values outside its declared native range",
    ]);
  });
});
