/** `data ring { modes: 8, radius: 2, std: 0.02 }`: Gaussians evenly on a circle (Metz et al. 2016). */
import { z } from "zod";
import { finite, positiveInt } from "../primitives.js";
import { dataCommon, defineDataKind } from "./kind.js";
import { MAX_MIXTURE_MODES } from "./mixture.js";

export const RingDataSchema = z.strictObject({
  kind: z.literal("ring"),
  modes: positiveInt.max(MAX_MIXTURE_MODES).default(8),
  radius: finite.gt(0).default(1),
  std: finite.gt(0).default(0.01),
  ...dataCommon,
});
export type RingData = z.infer<typeof RingDataSchema>;

export const ringData = defineDataKind({
  kind: "ring",
  schema: RingDataSchema,
  summary: "a 2-D mixture of Gaussians evenly spaced on a circle",
  options: ["modes", "radius", "std"],
  fixedShape: () => [2],
  nativeRange: () => null,
  readsFiles: false,
});
