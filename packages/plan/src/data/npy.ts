/** `data npy "x.npy" { scale: "minmax" }`: a NumPy array of float32 or float64, one example per first index. */
import { z } from "zod";
import { dataCommon, defineDataKind } from "./kind.js";
import { TABULAR_SCALES, tabularNativeRange } from "./tabular.js";

export const NpyDataSchema = z.strictObject({
  kind: z.literal("npy"),
  file: z.string().min(1),
  scale: z.enum(TABULAR_SCALES).default("none"),
  ...dataCommon,
});
export type NpyData = z.infer<typeof NpyDataSchema>;

export const npyData = defineDataKind({
  kind: "npy",
  schema: NpyDataSchema,
  summary: "a .npy file of float32 or float64 (C order), one example per row",
  options: ["scale", "shape", "range"],
  path: { field: "file", what: "the .npy file", example: 'data npy "x.npy"' },
  filesAt: "path",
  fixedShape: () => undefined,
  nativeRange: tabularNativeRange,
  readsFiles: true,
});
