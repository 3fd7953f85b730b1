/**
 * Blocks in the plan: shape inference into them (paths of nested errors, the block's own
 * errors), validation of the shapes recorded inside them, the memory estimate counting their
 * layers, and the walks over nested layers.
 */
import { describe, expect, it } from "vitest";
import { layersAlong, mapLayerTree, walkLayers } from "../layer-tree.js";
import { estimateTrainingMemory } from "../memory.js";
import { LayerSchema, type Layer, type Plan } from "../schema.js";
import { inferNetworkShapes } from "../shapes.js";
import { validatePlan } from "../validate.js";
import { withoutSource } from "../without-source.js";
import { ring8 } from "../test-plans.js";

const dense = (units: number): Layer => ({ type: "dense", units });
const residual: Layer = { type: "residual", layers: [dense(8), dense(8)], shortcut: [dense(8)], source: { line: 3, column: 5 } };
const add: Layer = { type: "add", branches: [[dense(8)], []] };

describe("shape inference into blocks", () => {
  it("fills in the shapes of nested layers and of the block", () => {
    const inferred = inferNetworkShapes({ inputShape: [4], layers: [residual, add] });
    expect(inferred.ok).toBe(true);
    if (!inferred.ok) return;
    expect(inferred.outputShape).toEqual([8]);
    expect(inferred.layers[0]).toMatchObject({ layers: [{ outputShape: [8] }, { outputShape: [8] }], shortcut: [{ outputShape: [8] }], outputShape: [8] });
    expect(inferred.layers[1]).toMatchObject({ branches: [[{ outputShape: [8] }], []], outputShape: [8] });
  });

  it("reports a nested layer's error at its path, and not again as the block's", () => {
    const broken: Layer = { type: "add", branches: [[dense(8)], [{ type: "flatten" }]] };
    expect(inferNetworkShapes({ inputShape: [8], layers: [dense(8), broken] })).toEqual({
      ok: false,
      errors: [{ layerIndex: 1, path: [1, "branches", 1, 0], message: expect.stringMatching(/^flatten needs an input of 2 or more dimensions/) }],
    });
  });

  it("a block whose lists disagree is an error at the block", () => {
    expect(inferNetworkShapes({ inputShape: [4], layers: [{ type: "concat", branches: [[{ type: "reshape", shape: [2, 2] }], []] }] })).toEqual({
      ok: false,
      errors: [{ layerIndex: 0, path: [0], message: expect.stringMatching(/^the branches of concat output shapes that differ before the last dimension \(branch 1 \[2, 2\], branch 2 \[4\]\)/) }],
    });
  });

  it("a block needs layers: a residual at least one, a merge two branches", () => {
    expect(LayerSchema.safeParse({ type: "residual", layers: [] }).success).toBe(false);
    expect(LayerSchema.safeParse({ type: "add", branches: [[]] }).success).toBe(false);
    expect(LayerSchema.safeParse({ type: "add", branches: [[], [dense(2)]] }).success).toBe(true);
  });
});

/** ring8 with a residual block in its generator. */
function withBlock(): Plan {
  const plan = ring8() as Plan;
  const generator = plan.networks.generator;
  const layers = [generator.layers[0]!, { type: "residual", layers: [{ type: "dense", units: 128 }] } as Layer, ...generator.layers.slice(1)];
  const validated = validatePlan({ ...plan, networks: { ...plan.networks, generator: { ...generator, layers } } });
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  return validated.plan;
}

describe("plans with blocks", () => {
  it("validation checks the shapes recorded inside blocks, by their paths", () => {
    const plan = withBlock();
    const block = plan.networks.generator.layers[1] as Extract<Layer, { type: "residual" }>;
    const wrong = { ...block, layers: [{ ...block.layers[0]!, outputShape: [3] }] };
    const layers = plan.networks.generator.layers.map((layer, i) => (i === 1 ? wrong : layer));
    const result = validatePlan({ ...plan, networks: { ...plan.networks, generator: { ...plan.networks.generator, layers } } });
    expect(result.ok ? [] : result.errors).toEqual([
      { path: "networks.generator.layers[1].layers[0].outputShape", message: "recorded as [3] but the layers compute [128]" },
    ]);
  });

  it("the memory estimate counts the parameters of the layers inside blocks", () => {
    const plan = withBlock();
    const without = ring8() as Plan;
    const validated = validatePlan(without);
    if (!validated.ok) throw new Error("ring8 does not validate");
    expect(estimateTrainingMemory(plan).parameters - estimateTrainingMemory(validated.plan).parameters).toBe(128 * 128 + 128);
  });

  it("walks, finds and rebuilds nested layers; withoutSource reaches them", () => {
    const layers = [dense(4), residual];
    expect([...walkLayers(layers)].map(({ layer, path }) => [layer.type, path])).toEqual([
      ["dense", [0]],
      ["residual", [1]],
      ["dense", [1, "layers", 0]],
      ["dense", [1, "layers", 1]],
      ["dense", [1, "shortcut", 0]],
    ]);
    expect(layersAlong(layers, [1, "shortcut", 0, "units"]).map((layer) => layer.type)).toEqual(["residual", "dense"]);
    const doubled = mapLayerTree(layers, (layer) => (layer.type === "dense" ? { ...layer, units: layer.units * 2 } : layer));
    expect(doubled[1]).toMatchObject({ layers: [{ units: 16 }, { units: 16 }], shortcut: [{ units: 16 }] });
    const sourced = { ...withBlock() };
    const generator = sourced.networks.generator;
    const nested = [generator.layers[0]!, { ...residual, layers: [{ ...dense(8), source: { line: 9, column: 9 } }] } as Layer];
    const stripped = withoutSource({ ...sourced, networks: { ...sourced.networks, generator: { ...generator, layers: nested } } });
    expect(JSON.stringify(stripped.networks.generator)).not.toContain('"source"');
  });
});
