import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, planHash } from "./canonical.js";
import { ring8 } from "./test-plans.js";
import { validatePlan } from "./validate.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it("gives one text whatever the order keys were written in", () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });
  it("keeps the order of lists", () => {
    expect(canonicalJson([2, 1])).toBe("[2,1]");
  });
  it("writes scalars as JSON does", () => {
    expect(canonicalJson("a\"b\n")).toBe('"a\\"b\\n"');
    expect(canonicalJson(1e-8)).toBe("1e-8");
    expect(canonicalJson(-0)).toBe("0");
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson(true)).toBe("true");
  });
  it("leaves out undefined fields and writes undefined list items as null", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined, 1])).toBe("[null,1]");
  });
  it("refuses values JSON cannot hold, naming where they are", () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow("canonicalJson: NaN at .a[1] is not a JSON number");
    expect(() => canonicalJson({ f: () => 1 })).toThrow("canonicalJson: a function at .f cannot be written as JSON");
    expect(() => canonicalJson(10n)).toThrow("canonicalJson: a bigint at the root cannot be written as JSON");
  });
});

describe("planHash", () => {
  it("is the sha256 of the canonical JSON", () => {
    expect(planHash({ b: 2, a: 1 })).toBe(createHash("sha256").update('{"a":1,"b":2}').digest("hex"));
    expect(planHash({ b: 2, a: 1 })).toBe("43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777");
  });
  it("does not depend on key order, and changes with any value", () => {
    const plan = ring8();
    const reordered = Object.fromEntries(Object.entries(plan).reverse());
    expect(planHash(reordered)).toBe(planHash(plan));
    expect(planHash({ ...plan, train: { ...plan.train, steps: 20001 } })).not.toBe(planHash(plan));
  });
  it("is the same for a plan with defaults written out and one without, once validated", () => {
    const sparse = validatePlan(ring8());
    const explicit = validatePlan({ ...ring8(), train: { steps: 20000, batch: 512, seed: 1, sampleEvery: 0, logEvery: 10 } });
    expect(sparse.ok && explicit.ok).toBe(true);
    if (sparse.ok && explicit.ok) expect(planHash(explicit.plan)).toBe(planHash(sparse.plan));
  });
});
