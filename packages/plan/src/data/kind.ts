/**
 * What every data kind declares once, in its own module of this folder: its plan schema, the
 * words a spec may write for it, and the facts the compiler needs before any file is opened
 * (its shape when the options fix it, the range its values come in). The dsl's lowering, the
 * plan's `DataSchema` union and the runtime's loaders (registered by kind in @gan/core) are
 * all derived from these definitions. This module loads nothing but zod: the compiler's
 * start-up must not pay for tfjs or an image decoder.
 */
import { z } from "zod";
import { finite, nonNegativeInt, shape, SourceLocationSchema, type JsonValue } from "../primitives.js";

export type Range = [number, number];
const range = z.tuple([finite, finite]).nullable();

/**
 * Class labels of a labelled set, as the compiler found them: where they come from, and the
 * names and example counts of the classes in label order (label i is `names[i]`). A
 * conditional network takes its number of classes from here.
 */
export const DataClassesSchema = z
  .strictObject({
    from: z.enum(["folders", "csv", "idx"]),
    /** The CSV file of `file,label` lines (absolute), for `from: "csv"`. */
    file: z.string().min(1).optional(),
    names: z.array(z.string().min(1)).min(1),
    counts: z.array(nonNegativeInt).min(1),
  })
  .refine((classes) => classes.names.length === classes.counts.length, { message: "names and counts must have one entry per class", path: ["counts"] })
  .refine((classes) => (classes.from === "csv") === (classes.file !== undefined), { message: "a CSV file is given exactly when the classes come from a CSV", path: ["file"] });
export type DataClasses = z.infer<typeof DataClassesSchema>;
/** Where a spec's `classes` option says labels come from; the compiler then counts them. */
export type DataClassesSource = Pick<DataClasses, "from" | "file">;

/**
 * Fields of every data object. `nativeRange` is what the source produces ([0, 1] for images,
 * null when unbounded such as Gaussian mixtures); `range` is what the discriminator sees. When
 * they differ the runtime maps one linearly onto the other (`range: [-1, 1]` in the spec, or
 * @gan/normalize).
 */
export const dataCommon = { shape: shape.min(1), nativeRange: range, range, source: SourceLocationSchema.optional() };

export interface SpecFieldsContext {
  /** A path as written in the spec, made absolute against the spec's folder. */
  resolvePath(path: string): string;
}

/** Fields of a data kind's plan object, as options in a spec; the kind's own words. */
export interface DataKindDefinition<Kind extends string = string, Schema extends z.ZodObject = z.ZodObject> {
  kind: Kind;
  schema: Schema;
  /** What the kind reads, for listings and docs. */
  summary: string;
  /** Keys a spec may write in `data KIND { ... }` (`shape` and `range` are handled alike for every kind). */
  options: readonly string[];
  /** `data KIND "path"`: the plan field the quoted path fills, and what it names. Absent: no path. */
  path?: { field: string; what: string; example: string };
  /** Said after "data KIND takes no path" to show where its files go instead. */
  noPathHint?: string;
  /**
   * Options the spec must give, each with what it names, an example, and a value of the right
   * type that stands in for it while the rest of the options are checked.
   */
  required?: readonly { option: string; what: string; example: string; placeholder: JsonValue }[];
  /** Options whose values are file paths, resolved against the spec's folder. */
  fileOptions?: readonly string[];
  /** The option (or the path, when "path") that names the files a problem with them is shown at. */
  filesAt?: string;
  /**
   * Turns an option whose value is not a plan field as written (`classes: "folders"`) into
   * plan fields; undefined for options copied as they are. A string is the problem.
   */
  specField?(option: string, value: JsonValue, context: SpecFieldsContext): Record<string, JsonValue> | string | undefined;
  /** One example's shape when the kind and its options fix it; undefined: read from the files. */
  fixedShape(fields: Record<string, JsonValue>): number[] | undefined;
  /** The range the source's values come in: null when unbounded. */
  nativeRange(fields: Record<string, JsonValue>): Range | null;
  /** True when the source reads files: the compiler then opens them, as training will. */
  readsFiles: boolean;
  /** True when the source converts its images to the channels the plan asks for. */
  convertsChannels?: boolean;
}

export function defineDataKind<Kind extends string, Schema extends z.ZodObject>(definition: DataKindDefinition<Kind, Schema>): DataKindDefinition<Kind, Schema> {
  return definition;
}

/** The `classes` option of a kind whose labels come from IDX files: only `"labels"`. */
export function idxClassesField(option: string, value: JsonValue): Record<string, JsonValue> | string | undefined {
  if (option !== "classes") return undefined;
  if (value !== "labels") return `must be "labels" (the classes are the digits of the IDX labels file), got ${JSON.stringify(value)}`;
  return { classes: { from: "idx" } };
}
