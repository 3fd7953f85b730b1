import { describe, expect, test } from "vitest";
import { toLoadedTrick, type JsonValue, type Plan } from "@gan/core";
import { PlanSchema } from "@gan/plan";
import avgPool from "./index.js";

function plan(generator: unknown[], discriminator: unknown[]): Plan {
  return PlanSchema.parse({
    planVersion: 1,
    name: "t",
    source: { file: "t.gan", sha256: "0".repeat(64) },
    data: { kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] },
    latent: { size: 4 },
    networks: { generator: { inputShape: [4], layers: generator }, discriminator: { inputShape: [28, 28, 1], layers: discriminator } },
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam" }, discriminator: { kind: "adam" } },
    train: { steps: 10 },
    tricks: [],
    rewrites: [],
  });
}

function apply(input: Plan, raw: Record<string, JsonValue> = {}) {
  const loaded = toLoadedTrick(avgPool, "0.1.0");
  const validated = loaded.validateOptions(raw);
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  return loaded.rewrite!(input, { package: "@gan/avg-pool", version: "0.1.0", options: validated.options, window: {} });
}

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
