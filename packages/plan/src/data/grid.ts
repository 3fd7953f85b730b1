/** `data grid { side: 5, spacing: 2, std: 0.05 }`: Gaussians on a square grid (PacGAN, VEEGAN). */
import { z } from "zod";
import { finite, positiveInt } from "../primitives.js";
import { dataCommon, defineDataKind } from "./kind.js";
import { MAX_MIXTURE_MODES } from "./mixture.js";

export const GridDataSchema = z.strictObject({
  kind: z.literal("grid"),
  /** side x side modes, at most MAX_MIXTURE_MODES. */
  side: positiveInt.max(Math.floor(Math.sqrt(MAX_MIXTURE_MODES))).default(5),
  spacing: finite.gt(0).default(2),
  std: finite.gt(0).default(0.05),
  ...dataCommon,
});
export type GridData = z.infer<typeof GridDataSchema>;

export const gridData = defineDataKind({
  kind: "grid",
  schema: GridDataSchema,
  summary: "a 2-D mixture of Gaussians on a square grid",
  options: ["side", "spacing", "std"],
  fixedShape: () => [2],
  nativeRange: () => null,
  readsFiles: false,
});
