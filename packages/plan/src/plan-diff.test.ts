import { describe, expect, it } from "vitest";
import { formatPlanDiff, planDiff } from "./plan-diff.js";
import { ring8 } from "./test-plans.js";

describe("planDiff", () => {
  it("is empty for equal plans, whatever their key order", () => {
    const plan = ring8();
    expect(planDiff(plan, Object.fromEntries(Object.entries(plan).reverse()))).toEqual([]);
  });

  it("lists a changed leaf with both values", () => {
    const a = ring8();
    const b = ring8();
    b.train.steps = 4000;
    expect(planDiff(a, b)).toEqual([{ path: "train.steps", before: 20000, after: 4000 }]);
  });

  it("lists every differing leaf, in key order, with paths into lists", () => {
    const a = ring8();
    const b = ring8();
    b.networks.generator.layers[1] = { type: "dense", units: 256, activation: { kind: "leakyrelu", alpha: 0.2 } };
    b.optimizers.generator.lr = 2e-4;
    b.name = "ring8-wide";
    expect(planDiff(a, b)).toEqual([
      { path: "name", before: "ring8", after: "ring8-wide" },
      { path: "networks.generator.layers[1].activation.alpha", before: undefined, after: 0.2 },
      { path: "networks.generator.layers[1].activation.kind", before: "relu", after: "leakyrelu" },
      { path: "networks.generator.layers[1].units", before: 128, after: 256 },
      { path: "optimizers.generator.lr", before: 1e-3, after: 2e-4 },
    ]);
  });

  it("lists the leaves of what was added or removed", () => {
    const a = ring8();
    const b = ring8();
    b.tricks.push({ package: "@gan/ncritic", version: "0.1.0", options: { n: 2 } });
    delete a.train.seed;
    expect(planDiff(a, b)).toEqual([
      { path: "train.seed", before: undefined, after: 1 },
      { path: "tricks[1].options.n", before: undefined, after: 2 },
      { path: "tricks[1].package", before: undefined, after: "@gan/ncritic" },
      { path: "tricks[1].version", before: undefined, after: "0.1.0" },
    ]);
  });

  it("treats a number that became a schedule as one leaf replaced by others", () => {
    expect(planDiff({ lr: 1e-3 }, { lr: { schedule: "step", initial: 1e-3, changes: [] } })).toEqual([
      { path: "lr", before: 1e-3, after: undefined },
      { path: "lr.changes", before: undefined, after: [] },
      { path: "lr.initial", before: undefined, after: 1e-3 },
      { path: "lr.schedule", before: undefined, after: "step" },
    ]);
  });

  it("compares empty lists and objects as leaves and undefined fields as absent", () => {
    expect(planDiff({ a: [], b: {}, c: undefined }, { a: [], b: {} })).toEqual([]);
    expect(planDiff({ a: [] }, { a: {} })).toEqual([{ path: "a", before: [], after: {} }]);
    expect(planDiff({ a: null }, { a: [1] })).toEqual([
      { path: "a", before: null, after: undefined },
      { path: "a[0]", before: undefined, after: 1 },
    ]);
  });
});

describe("formatPlanDiff", () => {
  it("prints - and + lines with values as JSON", () => {
    expect(
      formatPlanDiff([
        { path: "train.steps", before: 2000, after: 4000 },
        { path: "name", before: "a", after: "b" },
        { path: "tricks[1].options.n", before: undefined, after: 2 },
        { path: "train.seed", before: 1, after: undefined },
      ]),
    ).toBe(["- train.steps: 2000", "+ train.steps: 4000", '- name: "a"', '+ name: "b"', "+ tricks[1].options.n: 2", "- train.seed: 1"].join("\n"));
  });
  it("names the plan itself when the root differs, and prints nothing for no difference", () => {
    expect(formatPlanDiff(planDiff(1, 2))).toBe("- (plan): 1\n+ (plan): 2");
    expect(formatPlanDiff([])).toBe("");
  });
});
