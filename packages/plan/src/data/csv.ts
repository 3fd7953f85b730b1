/** `data csv "points.csv" { columns: ["x", "y"], scale: "standard" }`: rows of numbers, one example a row. */
import { z } from "zod";
import { dataCommon, defineDataKind } from "./kind.js";
import { TABULAR_SCALES, tabularNativeRange } from "./tabular.js";

export const CsvDataSchema = z.strictObject({
  kind: z.literal("csv"),
  file: z.string().min(1),
  /** The header's names of the columns an example is made of, in this order. */
  columns: z.array(z.string().min(1)).min(1),
  scale: z.enum(TABULAR_SCALES).default("none"),
  ...dataCommon,
});
export type CsvData = z.infer<typeof CsvDataSchema>;

export const csvData = defineDataKind({
  kind: "csv",
  schema: CsvDataSchema,
  summary: "a CSV file with a header line, one example a row",
  options: ["columns", "scale", "range"],
  path: { field: "file", what: "the CSV file", example: 'data csv "points.csv" { columns: ["x", "y"] }' },
  required: [{ option: "columns", what: "the names of its columns", example: 'csv "points.csv" { columns: ["x", "y"] }', placeholder: ["-"] }],
  filesAt: "path",
  fixedShape: (fields) => (Array.isArray(fields.columns) ? [fields.columns.length] : undefined),
  nativeRange: tabularNativeRange,
  readsFiles: true,
});
