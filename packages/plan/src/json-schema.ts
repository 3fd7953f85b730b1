/**
 * The plan's JSON Schema, generated from the zod schemas in schema.ts (never written by
 * hand, so it cannot disagree with the types or with `validatePlan`). It is committed as
 * plan.schema.json for editors and other languages; `pnpm generate:schema` rewrites it and
 * a test fails when the committed file is out of date.
 *
 * The schema is of the plan as it may be written (zod's "input" side): fields with a
 * default are optional. What a schema cannot express (shapes that fit, schedules in order)
 * is checked by `validatePlan` only.
 */
import { z } from "zod";
import {
  ActivationSchema,
  JsonValueSchema,
  LayerSchema,
  NetworkSchema,
  OptimizerSchema,
  PLAN_VERSION,
  PlanSchema,
  ScheduleSchema,
  SourceLocationSchema,
} from "./schema.js";

/**
 * Names under `$defs` for the schemas used in several places, so the JSON Schema refers to
 * "#/$defs/Layer" instead of repeating it (or naming it `__schema0`).
 */
const DEFINITION_NAMES = new Map<z.core.$ZodType, string>([
  [LayerSchema, "Layer"],
  [ActivationSchema, "Activation"],
  [NetworkSchema, "Network"],
  [OptimizerSchema, "Optimizer"],
  [ScheduleSchema, "Schedule"],
  [JsonValueSchema, "JsonValue"],
  [SourceLocationSchema, "SourceLocation"],
]);

/** zod's global metadata (descriptions given in schema.ts), plus the definition names above. */
class PlanMetadata extends z.core.$ZodRegistry<z.core.GlobalMeta> {
  override get<S extends z.core.$ZodType>(schema: S): z.core.$replace<z.core.GlobalMeta, S> | undefined {
    const meta = z.globalRegistry.get(schema);
    const id = DEFINITION_NAMES.get(schema);
    return id === undefined ? meta : { ...meta, id };
  }
}

export function planJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PlanSchema, { io: "input", metadata: new PlanMetadata() });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: `gan plan, version ${PLAN_VERSION}`,
    description: "The plan `gan compile` writes and `gan train` runs: networks, data, losses, optimizers, training, tricks.",
    ...rest,
  };
}

/** The text of plan.schema.json: two-space JSON and a final newline. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}
