import { describe, expect, it } from "vitest";
import { planDiff } from "./plan-diff.js";
import { ring8 } from "./test-plans.js";
import { validatePlan } from "./validate.js";
import { withoutSource } from "./without-source.js";
import type { Plan } from "./schema.js";

function valid(input: unknown): Plan {
  const result = validatePlan(input);
  if (!result.ok) throw new Error("test plan is not valid");
  return result.plan;
}

describe("withoutSource", () => {
  it("drops the spec's file and hash and every source position, and nothing else", () => {
    const a = ring8();
    a.source = { file: "a.gan", sha256: "a".repeat(64) };
    a.data = { ...a.data, source: { line: 2, column: 3 } } as typeof a.data;
    a.networks.generator.layers[0]!.source = { line: 5, column: 5 };
    a.tricks[0]!.source = { line: 30, column: 3 };
    a.rewrites = [{ trick: "@gan/x", network: "generator", index: 0, action: "replace", description: "d", before: { type: "flatten", source: { line: 5, column: 5 } }, after: { type: "flatten" } }];
    const b = ring8();
    b.source = { file: "b.gan", sha256: "b".repeat(64) };
    b.networks.generator.layers[0]!.source = { line: 9, column: 5 };
    b.rewrites = [{ trick: "@gan/x", network: "generator", index: 0, action: "replace", description: "d", before: { type: "flatten" }, after: { type: "flatten" } }];
    expect(planDiff(withoutSource(valid(a)), withoutSource(valid(b)))).toEqual([]);

    b.train.batch = 8;
    expect(planDiff(withoutSource(valid(a)), withoutSource(valid(b)))).toEqual([{ path: "train.batch", before: 512, after: 8 }]);
  });

  it("leaves a trick option named source alone", () => {
    const plan = ring8();
    plan.tricks[0]!.options = { source: "real" };
    expect(withoutSource(valid(plan)).tricks[0]!.options).toEqual({ source: "real" });
  });
});
