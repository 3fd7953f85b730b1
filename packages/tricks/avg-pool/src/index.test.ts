import { describe, expect, test } from "vitest";
import type { JsonValue, Plan } from "@gan/core";
import { applyRewrite, MNIST_DATA, tinyPlanWithLayers } from "@gan/core/testing";
import avgPool from "./index.js";

const plan = (generator: unknown[], discriminator: unknown[]): Plan => tinyPlanWithLayers(generator, discriminator, { data: MNIST_DATA });
const apply = (input: Plan, options: Record<string, JsonValue> = {}) => applyRewrite(avgPool, input, options);

const convNet = () =>
  plan(
    [{ type: "dense", units: 784 }, { type: "reshape", shape: [28, 28, 1] }, { type: "maxpool", size: 1 }],
    [
      { type: "conv", filters: 8, activation: { kind: "relu" } },
      { type: "maxpool", size: 2 },
      { type: "conv", filters: 8 },
      { type: "maxpool", size: 3, stride: 2, padding: "same" },
      { type: "flatten" },
      { type: "dense", units: 1 },
    ],
  );

describe("@gan/avg-pool", () => {
  test("every maxpool becomes an avgpool with the same size, stride and padding", () => {
    const { plan: out, rewrites } = apply(convNet());
    expect(out.networks.discriminator.layers.map((l) => l.type)).toEqual(["conv", "avgpool", "conv", "avgpool", "flatten", "dense"]);
    expect(out.networks.discriminator.layers[3]).toEqual({ type: "avgpool", size: 3, stride: 2, padding: "same" });
    expect(out.networks.generator.layers[2]).toEqual({ type: "avgpool", size: 1, padding: "valid" });
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.action}: ${r.description}`)).toEqual([
      "generator[2] replace: maxpool 1 -> avgpool 1",
      "discriminator[1] replace: maxpool 2 -> avgpool 2",
      "discriminator[3] replace: maxpool 3 -> avgpool 3",
    ]);
    expect(rewrites[1]).toMatchObject({ trick: "@gan/avg-pool", before: { type: "maxpool", size: 2 }, after: { type: "avgpool", size: 2 } });
  });

  test("networks: discriminator leaves the generator's pools alone", () => {
    const { plan: out, rewrites } = apply(convNet(), { networks: "discriminator" });
    expect(out.networks.generator.layers[2]?.type).toBe("maxpool");
    expect(rewrites.every((r) => r.network === "discriminator")).toBe(true);
    expect(rewrites).toHaveLength(2);
  });

  test("other layers are left as they are", () => {
    const input = convNet();
    const { plan: out } = apply(input);
    for (const index of [0, 2, 4, 5]) expect(out.networks.discriminator.layers[index]).toBe(input.networks.discriminator.layers[index]);
  });
});

describe("@gan/avg-pool in blocks", () => {
  test("reaches the maxpools inside a residual block's layers and shortcut", () => {
    const input = plan(
      [{ type: "dense", units: 2 }],
      [
        { type: "residual", layers: [{ type: "conv", filters: 1 }, { type: "maxpool" }], shortcut: [{ type: "maxpool" }] },
        { type: "flatten" },
        { type: "dense", units: 1 },
      ],
    );
    const { plan: out, rewrites } = apply(input);
    expect(out.networks.discriminator.layers[0]).toMatchObject({ layers: [{ type: "conv" }, { type: "avgpool" }], shortcut: [{ type: "avgpool" }] });
    expect(rewrites.map((r) => r.path)).toEqual([
      [0, "layers", 1],
      [0, "shortcut", 0],
    ]);
  });
});
