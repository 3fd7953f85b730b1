/** `data idx { images: "train-images-idx3-ubyte", labels: "...", classes: "labels" }`: IDX files. */
import { z } from "zod";
import { dataCommon, DataClassesSchema, defineDataKind, idxClassesField } from "./kind.js";

/** Paths are resolved against the spec's directory at compile time and stored absolute. */
export const IdxDataSchema = z
  .strictObject({
    kind: z.literal("idx"),
    images: z.string().min(1),
    labels: z.string().min(1).optional(),
    classes: DataClassesSchema.optional(),
    ...dataCommon,
  })
  .refine((data) => data.classes === undefined || data.labels !== undefined, {
    message: 'class labels need the labels file: idx { ..., labels: "train-labels-idx1-ubyte" }',
    path: ["classes"],
  });
export type IdxData = z.infer<typeof IdxDataSchema>;

export const idxData = defineDataKind({
  kind: "idx",
  schema: IdxDataSchema,
  summary: "images (and labels) in IDX files, MNIST's format",
  options: ["images", "labels", "classes", "shape", "range"],
  noPathHint: 'give its files as options, idx { images: "...", labels: "..." }',
  required: [{ option: "images", what: "the file of its images", example: 'idx { images: "train-images-idx3-ubyte" }', placeholder: "-" }],
  fileOptions: ["images", "labels"],
  filesAt: "images",
  specField: idxClassesField,
  fixedShape: () => undefined,
  nativeRange: () => [0, 1],
  readsFiles: true,
});
