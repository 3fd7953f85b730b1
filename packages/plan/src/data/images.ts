/**
 * `data images "faces" { size: [64, 64], channels: 3, crop: "center", resize: "area" }`: a
 * folder of PNG, JPEG and WebP images, brought to one size and one number of channels.
 */
import { z } from "zod";
import type { JsonValue } from "../primitives.js";
import { positiveInt } from "../primitives.js";
import { dataCommon, DataClassesSchema, defineDataKind, type DataClassesSource } from "./kind.js";

/** Channels an `images` source can convert its files to, whatever they are stored as. */
export const IMAGE_CHANNELS = [1, 3, 4] as const;
/** File name extensions an images folder reads; anything else in it is a bad file. */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp"] as const;

export const ImagesDataSchema = z.strictObject({
  kind: z.literal("images"),
  dir: z.string().min(1),
  /**
   * [height, width] every image is brought to: scaled so that its shorter side fits, then
   * cropped. Absent: every image must already have the plan's shape (nothing is resized).
   */
  size: z.tuple([positiveInt, positiveInt]).optional(),
  /** Channels every image is converted to. Absent: grey or RGB, as the first image is (alpha dropped). */
  channels: z.union(IMAGE_CHANNELS.map((channels) => z.literal(channels))).optional(),
  /** Which part of a scaled image is kept: its centre, or a window drawn anew each time it is served. */
  crop: z.enum(["center", "random"]).default("center"),
  /** How images are scaled: the mean of the pixels each output pixel covers, or bilinear interpolation. */
  resize: z.enum(["area", "bilinear"]).default("area"),
  /** The colour transparent pixels are composited onto (for 1 and 3 channels), #rrggbb. */
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour as #rrggbb").default("#000000"),
  /** A file that cannot be decoded stops the run, or is skipped (and named in the run's log). */
  onBadFile: z.enum(["stop", "skip"]).default("stop"),
  classes: DataClassesSchema.optional(),
  ...dataCommon,
});
export type ImagesData = z.infer<typeof ImagesDataSchema>;

/** `classes: "folders"` (one sub-folder per class) or `classes: "labels.csv"` (lines of file,label). */
function imagesClasses(value: JsonValue, resolvePath: (path: string) => string): { classes: DataClassesSource } | string {
  if (value === "folders") return { classes: { from: "folders" } };
  if (typeof value === "string" && value.toLowerCase().endsWith(".csv")) return { classes: { from: "csv", file: resolvePath(value) } };
  return `must be "folders" (a sub-folder per class) or the path of a CSV file of file,label lines, got ${JSON.stringify(value)}`;
}

export const imagesData = defineDataKind({
  kind: "images",
  schema: ImagesDataSchema,
  summary: "a folder of PNG, JPEG and WebP images",
  options: ["size", "channels", "crop", "resize", "background", "range", "onBadFile", "classes", "shape"],
  path: { field: "dir", what: "the directory of the images", example: 'data images "path/to/dir"' },
  filesAt: "path",
  specField(option, value, context) {
    if (option === "classes") return imagesClasses(value, context.resolvePath) as Record<string, JsonValue> | string;
    if (option === "channels" && !(IMAGE_CHANNELS as readonly JsonValue[]).includes(value)) return `must be 1 (grey), 3 (RGB) or 4 (RGBA), got ${JSON.stringify(value)}`;
    return undefined;
  },
  fixedShape: (fields) => (Array.isArray(fields.size) && typeof fields.channels === "number" ? [...(fields.size as number[]), fields.channels] : undefined),
  nativeRange: () => [0, 1],
  readsFiles: true,
  convertsChannels: true,
});
