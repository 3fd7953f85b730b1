/**
 * The zod building blocks every part of the plan uses: numbers, shapes, source locations and
 * JSON values. In their own module so that the layer kinds (layer-kinds/) and the plan's
 * schema (schema.ts) can both use them without importing each other.
 */
import { z } from "zod";

export const finite = z.number().refine(Number.isFinite, "must be a finite number");
export const nonNegativeInt = z.number().int().min(0);
export const positiveInt = z.number().int().min(1);
/** A shape without the batch dimension; images are NHWC ([height, width, channels]). */
export const shape = z.array(positiveInt);

/** Where something came from in the `.gan` source (1-based line and column). */
export const SourceLocationSchema = z.strictObject({ line: positiveInt, column: positiveInt });
export type SourceLocation = z.infer<typeof SourceLocationSchema>;

/** Any JSON value (trick options), where schedules appear as objects with a `schedule` key. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), finite, z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)]),
);
