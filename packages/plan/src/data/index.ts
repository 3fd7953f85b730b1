/**
 * Every data kind, from its one definition. To add a kind: write its module beside these
 * (schema, spec words, shape and range), list it in DATA_DEFINITIONS, and register its loader
 * in @gan/core's data/loaders.ts (docs/ARCHITECTURE.md, "How to add a data kind").
 */
import { z } from "zod";
import { csvData } from "./csv.js";
import { gridData } from "./grid.js";
import { idxData } from "./idx.js";
import { imagesData } from "./images.js";
import type { DataKindDefinition } from "./kind.js";
import { mnistData } from "./mnist.js";
import { npyData } from "./npy.js";
import { ringData } from "./ring.js";

export const DATA_DEFINITIONS = [ringData, gridData, mnistData, idxData, imagesData, csvData, npyData] as const;

export const DataSchema = z.discriminatedUnion("kind", [
  ringData.schema,
  gridData.schema,
  mnistData.schema,
  idxData.schema,
  imagesData.schema,
  csvData.schema,
  npyData.schema,
]);
export type Data = z.infer<typeof DataSchema>;
export type DataKind = Data["kind"];
export const DATA_KINDS = DATA_DEFINITIONS.map((definition) => definition.kind) as readonly DataKind[];

/** The definition of a kind of data. */
export function dataDefinition(kind: DataKind): DataKindDefinition {
  return DATA_DEFINITIONS.find((definition) => definition.kind === kind)! as DataKindDefinition;
}

export { RingDataSchema, type RingData } from "./ring.js";
export { GridDataSchema, type GridData } from "./grid.js";
export { MnistDataSchema, type MnistData } from "./mnist.js";
export { IdxDataSchema, type IdxData } from "./idx.js";
export { ImagesDataSchema, IMAGE_CHANNELS, IMAGE_EXTENSIONS, type ImagesData } from "./images.js";
export { CsvDataSchema, type CsvData } from "./csv.js";
export { NpyDataSchema, type NpyData } from "./npy.js";
export { TABULAR_SCALES, type TabularScale } from "./tabular.js";
export { MAX_MIXTURE_MODES } from "./mixture.js";
export {
  DataClassesSchema,
  type DataClasses,
  type DataClassesSource,
  type DataKindDefinition,
  type SpecFieldsContext,
} from "./kind.js";
