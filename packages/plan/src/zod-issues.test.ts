import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues, describeValue } from "./zod-issues.js";
import { LAYER_TYPES, LayerSchema, RewriteSchema, SchedulableSchema } from "./schema.js";

function messages(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected issues");
  return describeIssues(result.error.issues, input, ["here"]);
}

describe("describeIssues", () => {
  it("prefixes every path with the base path", () => {
    expect(messages(z.strictObject({ a: z.number() }), { a: "x", b: 1 })).toEqual([
      { path: ["here", "a"], message: 'expected a number, got "x"' },
      { path: ["here", "b"], message: "unknown field" },
    ]);
  });

  it("describes bounds of strings, lists and numbers", () => {
    expect(messages(z.object({ s: z.string().max(3), l: z.array(z.number()).max(1), n: z.number().gt(0) }), { s: "abcd", l: [1, 2], n: 0 })).toEqual([
      { path: ["here", "s"], message: "must have at most 3 characters" },
      { path: ["here", "l"], message: "must have at most 1 item, got 2" },
      { path: ["here", "n"], message: "must be greater than 0, got 0" },
    ]);
  });

  it("reports the branch of a layer union picked by `type`, and lists the types when it is missing", () => {
    expect(messages(LayerSchema, { type: "maxpool", size: 0, strde: 2 })).toEqual([
      { path: ["here", "size"], message: "must be at least 1, got 0" },
      { path: ["here", "strde"], message: "unknown field" },
    ]);
    expect(messages(LayerSchema, { units: 3 })).toEqual([
      {
        path: ["here", "type"],
        // Every kind of layer-kinds/, in its order.
        message: `required field is missing: expected one of ${LAYER_TYPES.map((type) => JSON.stringify(type)).join(", ")}`,
      },
    ]);
  });

  it("sees through nullable and optional layers (rewrite records)", () => {
    const rewrite = { trick: "t", network: "generator", index: 0, action: "replace", description: "d", before: { type: "dense", unitz: 1 } };
    expect(messages(RewriteSchema, rewrite)).toEqual([
      { path: ["here", "before", "units"], message: "required field is missing" },
      { path: ["here", "before", "unitz"], message: "unknown field" },
    ]);
  });

  it("names what a number-or-schedule may be", () => {
    expect(messages(SchedulableSchema, true)).toEqual([{ path: ["here"], message: "expected a number or an object, got true" }]);
    expect(messages(SchedulableSchema, { schedule: "step", initial: 1, changes: [] })).toEqual([
      { path: ["here", "changes"], message: "must have at least 1 item, got 0" },
    ]);
  });
});

describe("describeValue", () => {
  it("shows scalars as JSON and containers by kind", () => {
    expect([describeValue("a"), describeValue(2), describeValue(null), describeValue([1]), describeValue({}), describeValue(undefined)]).toEqual([
      '"a"', "2", "null", "a list", "an object", "nothing",
    ]);
  });
});
