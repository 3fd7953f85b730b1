import { describe, expect, test } from "vitest";
import type { JsonValue, Layer, Plan } from "@gan/core";
import { toLoadedTrick } from "@gan/core/runtime";
import { applyRewrite, tinyPlanWithLayers } from "@gan/core/testing";
import leakyRelu from "./index.js";

const plan = (generator: unknown[], discriminator: unknown[]): Plan => tinyPlanWithLayers(generator, discriminator);
const apply = (input: Plan, options: Record<string, JsonValue> = {}) => applyRewrite(leakyRelu, input, options);

const relu = { kind: "relu" } as const;
const mlp = () =>
  plan(
    [{ type: "dense", units: 8, activation: relu }, { type: "activation", activation: relu }, { type: "dense", units: 2 }],
    [{ type: "dense", units: 8, activation: relu }, { type: "dense", units: 8, activation: { kind: "tanh" } }, { type: "dense", units: 1 }],
  );

describe("@gan/leaky-relu", () => {
  test("by default every relu of both networks becomes leakyrelu 0.2, fused or standalone", () => {
    const { plan: out, rewrites } = apply(mlp());
    const activations = (layers: Layer[]) => layers.map((l) => ("activation" in l ? l.activation : undefined));
    expect(activations(out.networks.generator.layers)).toEqual([{ kind: "leakyrelu", alpha: 0.2 }, { kind: "leakyrelu", alpha: 0.2 }, undefined]);
    expect(activations(out.networks.discriminator.layers)).toEqual([{ kind: "leakyrelu", alpha: 0.2 }, { kind: "tanh" }, undefined]);
    expect(rewrites.map((r) => `${r.network}[${r.index}] ${r.action}: ${r.description}`)).toEqual([
      "generator[0] replace: dense 8 relu -> dense 8 leakyrelu 0.2",
      "generator[1] replace: relu -> leakyrelu 0.2",
      "discriminator[0] replace: dense 8 relu -> dense 8 leakyrelu 0.2",
    ]);
    expect(rewrites[0]).toMatchObject({
      trick: "@gan/leaky-relu",
      before: { type: "dense", units: 8, activation: relu },
      after: { type: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.2 } },
    });
  });

  test("networks: discriminator leaves the generator alone (DCGAN), with the alpha given", () => {
    const { plan: out, rewrites } = apply(mlp(), { networks: "discriminator", alpha: 0.1 });
    expect(out.networks.generator.layers).toEqual(mlp().networks.generator.layers);
    expect(out.networks.discriminator.layers[0]).toEqual({ type: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.1 } });
    expect(rewrites).toHaveLength(1);
  });

  test("a network without relu is not changed and nothing is recorded", () => {
    const input = plan([{ type: "dense", units: 2, activation: { kind: "tanh" } }], [{ type: "dense", units: 1 }]);
    expect(apply(input)).toEqual({ plan: input, rewrites: [] });
  });

  test("options are checked: alpha in [0, 1), no schedule, known networks", () => {
    const loaded = toLoadedTrick(leakyRelu, "0.1.0");
    expect(loaded.validateOptions({ alpha: 1.5 })).toMatchObject({ ok: false, issues: [{ path: ["alpha"] }] });
    expect(loaded.validateOptions({ networks: "critic" })).toMatchObject({ ok: false, issues: [{ path: ["networks"] }] });
    expect(() => apply(mlp(), { alpha: { schedule: "linear", from: 0.2, to: 0, end: 100 } })).toThrow(
      "option 'alpha' is applied at compile time and cannot be a schedule: give a number",
    );
  });
});

describe("@gan/leaky-relu in blocks", () => {
  test("reaches the relus inside residual blocks and branches, recording their paths", () => {
    const input = plan(
      [{ type: "dense", units: 8 }, { type: "residual", layers: [{ type: "dense", units: 8, activation: relu }], shortcut: [{ type: "activation", activation: relu }] }, { type: "dense", units: 2 }],
      [{ type: "add", branches: [[{ type: "dense", units: 2, activation: relu }], []] }, { type: "dense", units: 1 }],
    );
    const { plan: out, rewrites } = apply(input);
    expect(out.networks.generator.layers[1]).toMatchObject({
      type: "residual",
      layers: [{ activation: { kind: "leakyrelu", alpha: 0.2 } }],
      shortcut: [{ activation: { kind: "leakyrelu", alpha: 0.2 } }],
    });
    expect(out.networks.discriminator.layers[0]).toMatchObject({ branches: [[{ activation: { kind: "leakyrelu", alpha: 0.2 } }], []] });
    expect(rewrites.map((r) => [r.network, r.index, r.path])).toEqual([
      ["generator", 1, [1, "layers", 0]],
      ["generator", 1, [1, "shortcut", 0]],
      ["discriminator", 0, [0, "branches", 0, 0]],
    ]);
  });
});
