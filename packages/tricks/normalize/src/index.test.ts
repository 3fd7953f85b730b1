import { describe, expect, test } from "vitest";
import type { JsonValue, Plan } from "@gan/core";
import { applyRewrite, MNIST_DATA, tinyPlanWithLayers } from "@gan/core/testing";
import type { PlanInput } from "@gan/plan";
import normalize from "./index.js";

const plan = (generator: unknown[], data: PlanInput["data"] = MNIST_DATA): Plan =>
  tinyPlanWithLayers(generator, [{ type: "flatten" }, { type: "dense", units: 1 }], { data, latent: 16 });
const apply = (input: Plan, options: Record<string, JsonValue> = {}) => applyRewrite(normalize, input, options);

const sigmoidOutput = () =>
  plan([
    { type: "dense", units: 128, activation: { kind: "relu" } },
    { type: "dense", units: 784, activation: { kind: "sigmoid" } },
    { type: "reshape", shape: [28, 28, 1] },
  ]);

describe("@gan/normalize: the plan", () => {
  test("MNIST is mapped from [0, 1] to [-1, 1] and G's sigmoid output (behind a reshape) becomes tanh", () => {
    const { plan: out, rewrites } = apply(sigmoidOutput());
    expect(out.data).toMatchObject({ kind: "mnist", nativeRange: [0, 1], range: [-1, 1] });
    expect(out.networks.generator.layers[1]).toEqual({ type: "dense", units: 784, activation: { kind: "tanh" } });
    expect(out.networks.generator.layers).toHaveLength(3);
    expect(rewrites).toEqual([
      { trick: "@gan/normalize", network: null, index: null, action: "data", description: "mnist data mapped from [0, 1] to [-1, 1]" },
      {
        trick: "@gan/normalize",
        network: "generator",
        index: 1,
        action: "replace",
        description: "output dense 784 sigmoid -> dense 784 tanh (was sigmoid), so samples lie in [-1, 1]",
        before: { type: "dense", units: 784, activation: { kind: "sigmoid" } },
        after: { type: "dense", units: 784, activation: { kind: "tanh" } },
      },
    ]);
  });

  test("a linear output layer gets tanh; a standalone sigmoid layer is replaced", () => {
    const linear = apply(plan([{ type: "dense", units: 784 }, { type: "reshape", shape: [28, 28, 1] }]));
    expect(linear.plan.networks.generator.layers[0]).toEqual({ type: "dense", units: 784, activation: { kind: "tanh" } });
    expect(linear.rewrites[1]?.description).toBe("output dense 784 -> dense 784 tanh (was linear), so samples lie in [-1, 1]");

    const standalone = apply(plan([{ type: "dense", units: 784 }, { type: "activation", activation: { kind: "sigmoid" } }, { type: "reshape", shape: [28, 28, 1] }]));
    expect(standalone.plan.networks.generator.layers.map((l) => l.type)).toEqual(["dense", "activation", "reshape"]);
    expect(standalone.plan.networks.generator.layers[1]).toEqual({ type: "activation", activation: { kind: "tanh" } });
    expect(standalone.rewrites[1]).toMatchObject({ index: 1, action: "replace" });
  });

  test("a generator ending in a layer without activation gets a tanh layer appended", () => {
    const { plan: out, rewrites } = apply(plan([{ type: "dense", units: 784 }, { type: "reshape", shape: [28, 28, 1] }, { type: "batchnorm" }]));
    expect(out.networks.generator.layers.at(-1)).toEqual({ type: "activation", activation: { kind: "tanh" } });
    expect(rewrites[1]).toMatchObject({ network: "generator", index: 3, action: "insert", description: "tanh appended after batchnorm, so samples lie in [-1, 1]" });
  });

  test("a plan already in [-1, 1] ending in tanh is left as it is; tanh: false leaves G alone", () => {
    const ready = plan([{ type: "dense", units: 784, activation: { kind: "tanh" } }, { type: "reshape", shape: [28, 28, 1] }], {
      kind: "mnist",
      shape: [28, 28, 1],
      nativeRange: [0, 1],
      range: [-1, 1],
    });
    expect(apply(ready)).toEqual({ plan: ready, rewrites: [] });
    const { plan: out, rewrites } = apply(sigmoidOutput(), { tanh: false });
    expect(out.networks.generator.layers).toEqual(sigmoidOutput().networks.generator.layers);
    expect(rewrites.map((r) => r.action)).toEqual(["data"]);
  });

  test("unbounded mixture data is refused with what to do", () => {
    const ring = plan([{ type: "dense", units: 2 }], { kind: "ring", shape: [2], nativeRange: null, range: null });
    expect(() => apply(ring)).toThrow(
      "the ring data is unbounded (a Gaussian mixture) and cannot be scaled to [-1, 1]: remove @gan/normalize, or use it with image data (mnist, idx, images)",
    );
  });
});
