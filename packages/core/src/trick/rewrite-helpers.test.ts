import { describe, expect, test } from "vitest";
import type { Layer, Plan } from "@gan/plan";
import { mlpNetworks, tinyPlan } from "../testing/tiny-ring.js";
import { PlanEditor, compileTimeNumber, describeLayer, mapLayers, selectNetworks, weightLayerIndices } from "./rewrite-helpers.js";

/** The tiny plan with ReLU in D and an activation layer of its own after the first, for rewrites to find. */
function plan(): Plan {
  const networks = mlpNetworks({ latent: 4, hidden: [8], discriminatorActivation: { kind: "relu" } });
  networks.discriminator.layers.splice(1, 0, { type: "activation", activation: { kind: "relu" } });
  return tinyPlan({ networks });
}

describe("PlanEditor", () => {
  test("indices of rewrites are positions in the final network, after every insertion", () => {
    const editor = new PlanEditor(plan(), "@acme/t");
    const bn: Layer = { type: "batchnorm", momentum: 0.9, epsilon: 1e-5 };
    editor.insertAfter("discriminator", 0, bn, "batchnorm after layer 0");
    editor.insert("discriminator", 0, { type: "dropout", rate: 0.1 }, "dropout first");
    const { plan: out, rewrites } = editor.result();
    expect(out.networks.discriminator.layers.map((l) => l.type)).toEqual(["dropout", "dense", "batchnorm", "activation", "dense"]);
    expect(rewrites.map((r) => [r.action, r.network, r.index])).toEqual([
      ["insert", "discriminator", 2],
      ["insert", "discriminator", 0],
    ]);
    expect(rewrites[0]).toMatchObject({ trick: "@acme/t", before: null, after: bn, description: "batchnorm after layer 0" });
  });

  test("the plan given is left unchanged and its rewrites are not duplicated", () => {
    const input = plan();
    const snapshot = structuredClone(input);
    const editor = new PlanEditor(input, "@acme/t");
    editor.replace("generator", 1, { type: "dense", units: 2, activation: { kind: "tanh" } }, "tanh output");
    editor.remove("discriminator", 1, "drop the extra relu");
    editor.setData({ ...input.data, range: [-1, 1] }, "data in [-1, 1]");
    const { plan: out, rewrites } = editor.result();
    expect(input).toEqual(snapshot);
    expect(out.rewrites).toEqual([]);
    expect(out.data.range).toEqual([-1, 1]);
    expect(out.networks.discriminator.layers).toHaveLength(2);
    expect(rewrites.map((r) => [r.action, r.network, r.index])).toEqual([
      ["replace", "generator", 1],
      ["remove", "discriminator", null],
      ["data", null, null],
    ]);
  });

  test("edits reach into blocks by path; their rewrites record the block's index and the layer's path", () => {
    const input = plan();
    const residual: Layer = { type: "residual", layers: [{ type: "dense", units: 8 }] };
    input.networks.generator.layers.splice(1, 0, residual);
    const editor = new PlanEditor(input, "@acme/t");
    editor.insertAfter("generator", [1, "layers", 0], { type: "activation", activation: { kind: "relu" } }, "relu in the block");
    editor.insert("generator", 0, { type: "dropout", rate: 0.1 }, "dropout first");
    expect(editor.layers("generator", [2, "layers"]).map((l) => l.type)).toEqual(["dense", "activation"]);
    expect(editor.walk("generator").map((entry) => entry.path)).toEqual([[0], [1], [2], [2, "layers", 0], [2, "layers", 1], [3]]);
    const { plan: out, rewrites } = editor.result();
    expect(out.networks.generator.layers[2]).toEqual({ type: "residual", layers: [{ type: "dense", units: 8 }, { type: "activation", activation: { kind: "relu" } }] });
    expect(rewrites.map((r) => [r.index, r.path])).toEqual([
      [2, [2, "layers", 1]],
      [0, undefined],
    ]);
    expect(() => editor.replace("generator", [2, "shortcut", 0], { type: "flatten" }, "x")).toThrow("@acme/t: generator has no layer 2.shortcut.0 (it has 0)");
    expect(() => editor.layers("generator", [0, "layers"])).toThrow("@acme/t: generator has no list of layers at [0].layers");
  });

  test("an index outside the network names the trick and the network", () => {
    const editor = new PlanEditor(plan(), "@acme/t");
    expect(() => editor.replace("generator", 5, { type: "flatten" }, "x")).toThrow("@acme/t: generator has no layer 5 (it has 2)");
  });
});

describe("helpers", () => {
  test("mapLayers replaces only what the callback returns, in the selected networks", () => {
    const { plan: out, rewrites } = mapLayers(
      plan(),
      "@acme/t",
      ["discriminator"],
      (layer) => (layer.type === "activation" ? { ...layer, activation: { kind: "tanh" } } : undefined),
      (before, after) => `${describeLayer(before)} -> ${describeLayer(after)}`,
    );
    expect(out.networks.discriminator.layers[1]).toEqual({ type: "activation", activation: { kind: "tanh" } });
    expect(rewrites).toEqual([
      {
        trick: "@acme/t",
        network: "discriminator",
        index: 1,
        action: "replace",
        description: "relu -> tanh",
        before: { type: "activation", activation: { kind: "relu" } },
        after: { type: "activation", activation: { kind: "tanh" } },
      },
    ]);
  });

  test("selectNetworks, weightLayerIndices, describeLayer and compileTimeNumber", () => {
    expect(selectNetworks("both")).toEqual(["generator", "discriminator"]);
    expect(selectNetworks("discriminator")).toEqual(["discriminator"]);
    expect(weightLayerIndices(plan().networks.discriminator.layers)).toEqual([0, 2]);
    expect(describeLayer({ type: "conv", filters: 64, kernel: 4, stride: 2, padding: "same", activation: { kind: "leakyrelu", alpha: 0.2 } })).toBe(
      "conv 64 leakyrelu 0.2",
    );
    expect(compileTimeNumber(0.2, "alpha")).toBe(0.2);
    expect(() => compileTimeNumber({ schedule: "linear", from: 0, to: 1, start: 0, end: 10 }, "alpha")).toThrow(
      "option 'alpha' is applied at compile time and cannot be a schedule: give a number",
    );
  });
});
