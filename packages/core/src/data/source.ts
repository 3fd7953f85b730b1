/**
 * Data sources: where real batches come from. The loader of each data kind (loaders.ts) opens
 * the plan's `data` as a source that hands out batches already mapped into the range the
 * discriminator sees; this module is what they share.
 *
 * A source draws all its randomness (mode choices, noise, epoch shuffles) from the stream it
 * is given and keeps that stream's state in `getState()`, so a run that saves the source's
 * state and restores it into a fresh source sees exactly the batches it would have seen.
 * Give each source a stream of its own (`rng.split("data")`).
 */
import { dataShapeFits, type Data, type DataClasses, type DataKind, type JsonValue } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";
import { DataError } from "./data-error.js";
import { createRangeMap, formatRange, type Range } from "./range.js";

/** A batch of real examples, with their class labels when the data has classes. */
export interface DataBatch {
  /** batch * prod(shape) values, example after example. */
  examples: Float32Array;
  /** The class of each example (an index into `classes.names`); absent for data without classes. */
  labels?: Int32Array;
}

export interface DataSource {
  readonly kind: DataKind;
  /** One example's shape, without the batch dimension ([2] for mixtures, [h, w, c] for images). */
  readonly shape: number[];
  /** Examples in the set; null for a distribution sampled without end (mixtures). */
  readonly size: number | null;
  /** The range of the values `nextBatch` returns (the plan's `range`); null when unbounded. */
  readonly range: Range | null;
  /** Class labels of a labelled set, one per example in file order (idx with labels, mnist, labelled folders); else null. */
  readonly labels: Int32Array | null;
  /** The classes' names and counts when the data has classes (the spec's `classes` option). */
  readonly classes?: DataClasses;
  /** Lines for the run's log about the data as it was opened (files skipped, and why). */
  readonly notes?: readonly string[];
  /**
   * The next `batch` examples, batch * prod(shape) values, example after example. A new
   * array unless `out` (of exactly that length) is given to fill: tensors made from a
   * returned array may keep it, so reuse one only where its tensor is gone.
   */
  nextBatch(batch: number, out?: Float32Array): Float32Array;
  /** The next `batch` examples as `nextBatch` gives them, with their labels when the data has classes. */
  nextExamples(batch: number, out?: Float32Array): DataBatch;
  /** Where the source stands, as JSON: with `setState`, a resumed run sees the same batches. */
  getState(): JsonValue;
  setState(state: JsonValue): void;
  /** One line for logs: what the data is and where it comes from. */
  describe(): string;
}

export interface DataSourceOptions {
  /** The stream the source draws from; it is the source's own from now on. */
  rng: Rng;
  /** Overrides the plan's `onBadFile` for an images folder (gan train --on-bad-file). */
  onBadFile?: "stop" | "skip";
  /** Progress of a long first opening (an images folder decoded into its cache). */
  progress?: (message: string) => void;
}


export function formatShape(shape: readonly number[]): string {
  return shape.join("x");
}

/** The files must hold what the plan was compiled for (a spec or data file may have changed since). */
export function checkShape(data: Data, file: string, actual: readonly [number, number, number]): void {
  if (dataShapeFits(data.shape, actual, data.kind)) return;
  throw new DataError(
    file,
    `holds images of ${formatShape(actual)} (height x width x channels) but the plan's data shape is [${data.shape.join(", ")}]`,
  );
}

/** The map from what a source produces to the plan's `range`, after checking the plan agrees on the first. */
export function rangeMapFor(data: Data, actualNative: Range | null) {
  const planned = data.nativeRange;
  if (planned !== null && (actualNative === null || planned[0] !== actualNative[0] || planned[1] !== actualNative[1])) {
    throw new UserError(
      `the plan says ${data.kind} data comes in ${formatRange(planned)}, but the ${data.kind} source produces ${actualNative === null ? "unbounded values" : formatRange(actualNative)}`,
    );
  }
  if (data.range !== null && actualNative === null) {
    throw new UserError(`the plan asks for ${data.kind} data in ${formatRange(data.range)}, but the ${data.kind} source is unbounded and cannot be mapped onto a range`);
  }
  return createRangeMap(actualNative, data.range);
}

export function checkBatch(batch: number, valuesPerExample: number, out: Float32Array | undefined): Float32Array {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch size must be a positive integer, got ${batch}`);
  const length = batch * valuesPerExample;
  if (out === undefined) return new Float32Array(length);
  if (out.length !== length) {
    throw new Error(`nextBatch(${batch}) needs an output array of ${length} values, got ${out.length}`);
  }
  return out;
}

export function stateObject(state: JsonValue, kind: DataKind): Record<string, JsonValue> {
  if (state === null || typeof state !== "object" || Array.isArray(state) || state.kind !== kind) {
    throw new Error(`not a saved state of a ${kind} data source: ${JSON.stringify(state)?.slice(0, 200)}`);
  }
  return state;
}


/**
 * How the runtime reads one kind of data: what its files hold, for the compiler (`gan check`
 * opens the data as training will), and the source training draws from. One per kind, in the
 * kind's own module, registered by kind in loaders.ts.
 */
export interface DataLoader<D extends Data = Data> {
  /** The shape of one example (and the classes, when asked for) as the files hold them; a DataError when they cannot be used. */
  readFacts(data: Omit<D, "shape">): Promise<{ shape: number[]; classes?: DataClasses }>;
  open(data: D, options: DataSourceOptions): Promise<DataSource>;
}

/** The classes the plan recorded must be those the files hold (they may have changed since it was compiled). */
export function checkClasses(data: Data, file: string, found: DataClasses | undefined): void {
  const planned = "classes" in data ? data.classes : undefined;
  if (planned === undefined || found === undefined) return;
  const same = planned.names.length === found.names.length && planned.names.every((name, i) => name === found.names[i] && planned.counts[i] === found.counts[i]);
  if (same) return;
  throw new DataError(file, `holds the classes ${describeClasses(found)}, but the plan was compiled for ${describeClasses(planned)}: compile the spec again`);
}

function describeClasses(classes: DataClasses): string {
  const shown = classes.names.slice(0, 5).map((name, i) => `${name} (${classes.counts[i]})`);
  return `${shown.join(", ")}${classes.names.length > 5 ? `, ... (${classes.names.length} in all)` : ""}`;
}
