/**
 * Writes plan.schema.json at the package root from the zod schemas (`pnpm generate:schema`).
 * Run it after changing schema.ts; json-schema.test.ts fails until the file is regenerated.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { planJsonSchemaText } from "./json-schema.js";

export const PLAN_SCHEMA_FILE = fileURLToPath(new URL("../plan.schema.json", import.meta.url));

writeFileSync(PLAN_SCHEMA_FILE, planJsonSchemaText());
console.log(`wrote ${PLAN_SCHEMA_FILE}`);
