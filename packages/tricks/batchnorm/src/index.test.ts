import { describe, expect, test } from "vitest";
import type { JsonValue, Layer, Plan } from "@gan/core";
import { applyRewrite, MNIST_DATA, tinyPlanWithLayers } from "@gan/core/testing";
import batchnorm from "./index.js";

const plan = (generator: unknown[], discriminator: unknown[]): Plan => tinyPlanWithLayers(generator, discriminator, { data: MNIST_DATA, latent: 16 });
const apply = (input: Plan, options: Record<string, JsonValue> = {}) => applyRewrite(batchnorm, input, options);

const relu = { kind: "relu" } as const;
const leaky = { kind: "leakyrelu", alpha: 0.2 } as const;
const dcgan = () =>
  plan(
    [
      { type: "dense", units: 7 * 7 * 32, activation: relu },
      { type: "reshape", shape: [7, 7, 32] },
      { type: "deconv", filters: 16, kernel: 4, stride: 2, activation: relu },
      { type: "deconv", filters: 1, kernel: 4, stride: 2, activation: { kind: "tanh" } },
    ],
    [
      { type: "conv", filters: 16, kernel: 4, stride: 2, activation: leaky },
      { type: "conv", filters: 32, kernel: 4, stride: 2, activation: leaky },
      { type: "flatten" },
      { type: "dense", units: 1 },
    ],
  );

/** A network written as `type[/activation]` words, for compact assertions. */
function words(layers: Layer[]): string[] {
  return layers.map((layer) => {
    const activation = layer.type === "activation" ? layer.activation : "activation" in layer ? layer.activation : undefined;
    return activation && layer.type !== "activation" ? `${layer.type}/${activation.kind}` : activation ? activation.kind : layer.type;
  });
}

describe("@gan/batchnorm: layer positions (DCGAN)", () => {
  test("batch norm goes between the weights and the activation of every hidden layer, not D's first nor the last ones", () => {
    const { plan: out } = apply(dcgan());
    expect(words(out.networks.generator.layers)).toEqual(["dense", "batchnorm", "relu", "reshape", "deconv", "batchnorm", "relu", "deconv/tanh"]);
    expect(words(out.networks.discriminator.layers)).toEqual(["conv/leakyrelu", "conv", "batchnorm", "leakyrelu", "flatten", "dense"]);
    expect(out.networks.discriminator.layers[3]).toEqual({ type: "activation", activation: leaky });
    expect(out.networks.generator.layers[1]).toEqual({ type: "batchnorm", momentum: 0.9, epsilon: 1e-5 });
  });

  test("every change is recorded at its final index, in network order", () => {
    const { rewrites } = apply(dcgan());
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.action}: ${r.description}`)).toEqual([
      "generator[0] replace: dense 1568 relu -> dense 1568: its relu moves after the batchnorm",
      "generator[1] insert: batchnorm after dense 1568",
      "generator[2] insert: relu after the batchnorm",
      "generator[4] replace: deconv 16 relu -> deconv 16: its relu moves after the batchnorm",
      "generator[5] insert: batchnorm after deconv 16",
      "generator[6] insert: relu after the batchnorm",
      "discriminator[1] replace: conv 32 leakyrelu 0.2 -> conv 32: its leakyrelu moves after the batchnorm",
      "discriminator[2] insert: batchnorm after conv 32",
      "discriminator[3] insert: leakyrelu 0.2 after the batchnorm",
    ]);
    expect(rewrites.every((r) => r.trick === "@gan/batchnorm")).toBe(true);
    expect(rewrites[1]).toMatchObject({ before: null, after: { type: "batchnorm", momentum: 0.9, epsilon: 1e-5 } });
  });

  test("after-activation puts it behind the activation, also a standalone one; momentum and epsilon as given", () => {
    const input = plan(
      [{ type: "dense", units: 8 }, { type: "activation", activation: relu }, { type: "dense", units: 8, activation: relu }, { type: "dense", units: 784 }],
      [{ type: "flatten" }, { type: "dense", units: 8, activation: leaky }, { type: "dense", units: 1 }],
    );
    const { plan: out, rewrites } = apply(input, { position: "after-activation", momentum: 0.8, epsilon: 1e-3 });
    expect(words(out.networks.generator.layers)).toEqual(["dense", "relu", "batchnorm", "dense/relu", "batchnorm", "dense"]);
    expect(out.networks.generator.layers[2]).toEqual({ type: "batchnorm", momentum: 0.8, epsilon: 1e-3 });
    // D has one hidden weight layer, its first: nothing to normalise.
    expect(out.networks.discriminator.layers).toEqual(input.networks.discriminator.layers);
    expect(rewrites.map((r) => [r.network, r.index, r.action])).toEqual([
      ["generator", 2, "insert"],
      ["generator", 4, "insert"],
    ]);
  });

  test("a layer followed by instancenorm or layernorm is already normalised", () => {
    const input = plan(
      [{ type: "dense", units: 8, activation: relu }, { type: "layernorm" }, { type: "dense", units: 8 }, { type: "dense", units: 784 }],
      [
        { type: "conv", filters: 8, stride: 2 },
        { type: "conv", filters: 8, stride: 2 },
        { type: "instancenorm" },
        { type: "activation", activation: leaky },
        { type: "conv", filters: 8, stride: 2, activation: leaky },
        { type: "flatten" },
        { type: "dense", units: 1 },
      ],
    );
    const { rewrites } = apply(input);
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.description}`)).toEqual([
      "generator[3] batchnorm after dense 8",
      "discriminator[4] conv 8 leakyrelu 0.2 -> conv 8: its leakyrelu moves after the batchnorm",
      "discriminator[5] batchnorm after conv 8",
      "discriminator[6] leakyrelu 0.2 after the batchnorm",
    ]);
  });

  test("a layer the spec already normalises is skipped, and networks selects where to insert", () => {
    const input = plan(
      [{ type: "dense", units: 8, activation: relu }, { type: "batchnorm" }, { type: "dense", units: 8 }, { type: "dense", units: 784 }],
      dcgan().networks.discriminator.layers,
    );
    const { plan: out, rewrites } = apply(input, { networks: "generator" });
    expect(words(out.networks.generator.layers)).toEqual(["dense/relu", "batchnorm", "dense", "batchnorm", "dense"]);
    expect(out.networks.discriminator.layers).toEqual(input.networks.discriminator.layers);
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.description}`)).toEqual(["generator[3] batchnorm after dense 8"]);
  });
});

describe("@gan/batchnorm in blocks", () => {
  test("normalises the hidden weight layers inside blocks too, in their own lists", () => {
    const input = plan(
      [
        { type: "dense", units: 7 * 7 * 8, activation: relu },
        { type: "reshape", shape: [7, 7, 8] },
        { type: "residual", layers: [{ type: "conv", filters: 8, activation: relu }, { type: "conv", filters: 8 }] },
        { type: "deconv", filters: 1, kernel: 4, stride: 4, activation: { kind: "tanh" } },
      ],
      [{ type: "conv", filters: 8, activation: leaky }, { type: "flatten" }, { type: "dense", units: 1 }],
    );
    const { plan: out, rewrites } = apply(input);
    const block = out.networks.generator.layers[4] as Extract<Layer, { type: "residual" }>;
    expect(words(out.networks.generator.layers)).toEqual(["dense", "batchnorm", "relu", "reshape", "residual", "deconv/tanh"]);
    expect(words(block.layers)).toEqual(["conv", "batchnorm", "relu", "conv", "batchnorm"]);
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.path ? `${r.path.join(".")} ` : ""}${r.action}: ${r.description}`)).toEqual([
      "generator[0] replace: dense 392 relu -> dense 392: its relu moves after the batchnorm",
      "generator[1] insert: batchnorm after dense 392",
      "generator[2] insert: relu after the batchnorm",
      "generator[4] 4.layers.0 replace: conv 8 relu -> conv 8: its relu moves after the batchnorm",
      "generator[4] 4.layers.1 insert: batchnorm after conv 8",
      "generator[4] 4.layers.2 insert: relu after the batchnorm",
      "generator[4] 4.layers.4 insert: batchnorm after conv 8",
    ]);
  });
});
