/**
 * The files of an images folder, in a fixed order, with their class labels when the spec asks
 * for them: `classes: "folders"` (one sub-folder per class, named after it) or
 * `classes: "labels.csv"` (lines of `file,label`, paths relative to the folder, an optional
 * `file,label` header).
 *
 * Files are taken in code-point order of their paths so that the same folder gives the same
 * data set (and, with the same seed, the same batches) on every machine. Hidden files
 * (.DS_Store) are passed over. A file whose name does not end in an image extension is listed
 * as a bad file: training stops on it, or skips it with `onBadFile: "skip"`.
 */
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { IMAGE_EXTENSIONS, type DataClasses, type DataClassesSource } from "@gan/plan";
import { readInputLines } from "../input-file.js";
import { csvFields } from "./csv-fields.js";
import { DataError, displayPath, fileSystemError } from "./data-error.js";

export interface BadFile {
  file: string;
  reason: string;
}

export interface ImageListing {
  dir: string;
  /** Absolute paths of the images, in order. */
  files: string[];
  /** The class of each file (an index into `classes.names`), when the data has classes. */
  labels: Int32Array | null;
  classes: DataClasses | undefined;
  /** Files that are not images by their name: stopped on, or skipped. */
  notImages: BadFile[];
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => !entry.name.startsWith("."));
  } catch (error) {
    throw fileSystemError(dir, error, "folder");
  }
}

export function isImageName(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

const NOT_AN_IMAGE = `not an image: an images folder reads ${IMAGE_EXTENSIONS.join(", ")} files`;

/** The files directly in `dir` (sub-folders are passed over), sorted. */
async function filesIn(dir: string): Promise<string[]> {
  return (await entriesOf(dir))
    .filter((entry) => !entry.isDirectory())
    .map((entry) => entry.name)
    .sort(byCodePoint)
    .map((name) => path.join(dir, name));
}

/** Splits files into images and bad files by their names. */
function sortOut(files: string[]): { images: string[]; notImages: BadFile[] } {
  const images: string[] = [];
  const notImages: BadFile[] = [];
  for (const file of files) {
    if (isImageName(file)) images.push(file);
    else notImages.push({ file, reason: NOT_AN_IMAGE });
  }
  return { images, notImages };
}

function classesOf(source: DataClassesSource, names: string[], labels: Int32Array): DataClasses {
  const counts = new Array<number>(names.length).fill(0);
  for (const label of labels) counts[label]!++;
  return { ...source, names, counts };
}

async function listByFolders(dir: string): Promise<ImageListing> {
  const entries = await entriesOf(dir);
  const stray = entries.find((entry) => !entry.isDirectory());
  if (stray !== undefined) {
    throw new DataError(path.join(dir, stray.name), `with classes: "folders", every image is in the sub-folder of its class, and this file is not`);
  }
  const names = entries.map((entry) => entry.name).sort(byCodePoint);
  if (names.length === 0) throw new DataError(dir, `with classes: "folders", the folder holds one sub-folder per class, and it has none`);
  const files: string[] = [];
  const labels: number[] = [];
  const notImages: BadFile[] = [];
  for (const [label, name] of names.entries()) {
    const sorted = sortOut(await filesIn(path.join(dir, name)));
    if (sorted.images.length === 0) throw new DataError(path.join(dir, name), `the folder of class '${name}' has no images`);
    files.push(...sorted.images);
    labels.push(...sorted.images.map(() => label));
    notImages.push(...sorted.notImages);
  }
  const labelArray = Int32Array.from(labels);
  return { dir, files, labels: labelArray, classes: classesOf({ from: "folders" }, names, labelArray), notImages };
}

/** Class names in label order: numbers by value when every label is an integer, else by code point. */
function orderClassNames(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  const numeric = unique.every((name) => /^-?\d+$/.test(name));
  return numeric ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort(byCodePoint);
}

/** The most bytes of one line of a labels CSV (a path and a label). */
const MAX_LABEL_LINE_BYTES = 64 * 1024;

async function readLabelsCsv(csv: string, dir: string): Promise<Map<string, { label: string; line: number }>> {
  const labelled = new Map<string, { label: string; line: number }>();
  let line = 0;
  for await (const read of readInputLines(csv, { what: "labels CSV", maxLineBytes: MAX_LABEL_LINE_BYTES, error: (file, reason) => new DataError(file, reason) })) {
    line++;
    if (read.tooLong) throw new DataError(csv, `line ${line} is longer than ${MAX_LABEL_LINE_BYTES} bytes`);
    if (read.text.trim() === "") continue;
    const fields = csvFields(read.text);
    if (line === 1 && fields.length === 2 && fields[0]!.toLowerCase() === "file" && fields[1]!.toLowerCase() === "label") continue;
    if (fields.length !== 2 || fields[0] === "" || fields[1] === "") {
      throw new DataError(csv, `line ${line}: expected file,label, got ${JSON.stringify(read.text.slice(0, 200))}`);
    }
    const file = path.resolve(dir, fields[0]!);
    const previous = labelled.get(file);
    if (previous !== undefined) throw new DataError(csv, `line ${line}: ${fields[0]} is labelled a second time (first at line ${previous.line})`);
    labelled.set(file, { label: fields[1]!, line });
  }
  if (labelled.size === 0) throw new DataError(csv, "no file,label lines");
  return labelled;
}

async function listByCsv(dir: string, csv: string): Promise<ImageListing> {
  const labelled = await readLabelsCsv(csv, dir);
  const { images, notImages } = sortOut(await filesIn(dir));
  const unlabelled = images.find((file) => !labelled.has(file));
  if (unlabelled !== undefined) throw new DataError(unlabelled, `has no label in ${displayPath(csv)}: every image of the folder needs one`);
  const present = new Set(images);
  for (const [file, { line }] of labelled) {
    if (!present.has(file)) throw new DataError(csv, `line ${line}: ${displayPath(file)} is not an image of ${displayPath(dir)}`);
  }
  const names = orderClassNames([...labelled.values()].map((entry) => entry.label));
  const index = new Map(names.map((name, i) => [name, i]));
  const labels = Int32Array.from(images, (file) => index.get(labelled.get(file)!.label)!);
  return { dir, files: images, labels, classes: classesOf({ from: "csv", file: csv }, names, labels), notImages };
}

/** The images of `dir` (with labels when `classes` says where they come from). */
export async function listImages(dir: string, classes?: DataClassesSource): Promise<ImageListing> {
  let listing: ImageListing;
  if (classes?.from === "folders") listing = await listByFolders(dir);
  else if (classes?.from === "csv") listing = await listByCsv(dir, classes.file!);
  else {
    const { images, notImages } = sortOut(await filesIn(dir));
    listing = { dir, files: images, labels: null, classes: undefined, notImages };
  }
  if (listing.files.length === 0) throw new DataError(dir, `no images in the folder (it reads ${IMAGE_EXTENSIONS.join(", ")} files)`);
  return listing;
}
