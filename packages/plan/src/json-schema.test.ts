import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { planJsonSchema, planJsonSchemaText } from "./json-schema.js";
import { mnistDcgan, ring8 } from "./test-plans.js";
import { validatePlan } from "./validate.js";

const committed = readFileSync(new URL("../plan.schema.json", import.meta.url), "utf8");

describe("plan.schema.json", () => {
  it("is what the generator writes from the zod schemas now (run `pnpm generate:schema` after changing schema.ts)", () => {
    expect(committed).toBe(planJsonSchemaText());
  });

  it("leaves fields with defaults optional, as a plan may be written by hand", () => {
    const schema = planJsonSchema() as { properties: { train: { required: string[] } }; required: string[] };
    expect(schema.properties.train.required).toEqual(["steps"]);
    expect(schema.required).toEqual(["planVersion", "name", "source", "data", "latent", "networks", "loss", "optimizers", "train", "tricks", "rewrites"]);
  });
});

describe("plan.schema.json as a JSON Schema validator sees it", () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(committed));

  it("accepts the plans validatePlan accepts, before and after defaults are filled", () => {
    for (const plan of [ring8(), mnistDcgan()]) {
      expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
      const validated = validatePlan(plan);
      expect(validated.ok && validate(JSON.parse(JSON.stringify(validated.plan))), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it("refuses an unknown field", () => {
    const plan = ring8() as { train: Record<string, unknown> };
    plan.train.stpes = 3;
    expect(validate(plan)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: "/train", keyword: "additionalProperties", params: { additionalProperty: "stpes" } }),
    );
  });

  it("refuses a layer of unknown type and a schedule without an end", () => {
    const badLayer = ring8() as { networks: { generator: { layers: unknown[] } } };
    badLayer.networks.generator.layers[0] = { type: "desne", units: 3 };
    expect(validate(badLayer)).toBe(false);

    const badSchedule = ring8() as { optimizers: { generator: { lr: unknown } } };
    badSchedule.optimizers.generator.lr = { schedule: "linear", from: 1, to: 0 };
    expect(validate(badSchedule)).toBe(false);
  });
});
