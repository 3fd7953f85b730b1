/**
 * The loaders of tabular data, `csv` and `npy`: a finite set of float vectors (or arrays),
 * scaled feature by feature as the spec says (minmax onto [0, 1], standard to mean 0 and
 * standard deviation 1), served in shuffled epochs like images.
 */
import type { CsvData, Data, NpyData, TabularScale } from "@gan/plan";
import type { Rng } from "../random.js";
import { readCsvColumns, readCsvHeader } from "./csv-table.js";
import { DataError, displayPath } from "./data-error.js";
import { EpochOrder, EpochOrderedSource } from "./epoch-order.js";
import { readNpy } from "./npy-file.js";
import type { Range } from "./range.js";
import { checkBatch, rangeMapFor, type DataBatch, type DataLoader, type DataSource } from "./source.js";


/**
 * Scales `values` (rows of `features` values) in place, each feature over all rows; returns a
 * line saying how, for the log. A constant feature cannot be scaled: a DataError names it.
 */
function scaleFeatures(file: string, values: Float32Array, features: number, scale: TabularScale, featureName: (i: number) => string): string {
  if (scale === "none") return "not scaled";
  const rows = values.length / features;
  for (let f = 0; f < features; f++) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const value = values[r * features + f]!;
      min = Math.min(min, value);
      max = Math.max(max, value);
      sum += value;
    }
    const mean = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (values[r * features + f]! - mean) ** 2;
    const std = Math.sqrt(squares / rows);
    if (max === min) throw new DataError(file, `${featureName(f)} holds one value (${min}) in every row: scale: "${scale}" cannot scale it; drop it, or use scale: "none"`);
    for (let r = 0; r < rows; r++) {
      const at = r * features + f;
      values[at] = scale === "minmax" ? (values[at]! - min) / (max - min) : (values[at]! - mean) / std;
    }
  }
  return scale === "minmax" ? "each feature scaled from its minimum and maximum onto [0, 1]" : "each feature scaled to mean 0 and standard deviation 1";
}

interface Table {
  /** Values of one example. */
  features: number;
  values: Float32Array;
  origin: string;
}

class TableSource extends EpochOrderedSource implements DataSource {
  readonly kind: Data["kind"];
  readonly shape: number[];
  readonly size: number;
  readonly range: Range | null;
  readonly labels = null;
  protected readonly order: EpochOrder;
  private readonly map;

  constructor(
    data: CsvData | NpyData,
    rng: Rng,
    private readonly table: Table,
  ) {
    super();
    this.kind = data.kind;
    this.shape = [...data.shape];
    this.size = table.values.length / table.features;
    this.map = rangeMapFor(data, data.scale === "minmax" ? [0, 1] : null);
    this.range = this.map.target;
    this.order = new EpochOrder(rng, this.size);
  }

  nextBatch(batch: number, out?: Float32Array): Float32Array {
    const values = checkBatch(batch, this.table.features, out);
    const n = this.table.features;
    for (let i = 0; i < batch; i++) {
      const start = this.order.next() * n;
      for (let k = 0; k < n; k++) values[i * n + k] = this.map.apply(this.table.values[start + k]!);
    }
    return values;
  }

  nextExamples(batch: number, out?: Float32Array): DataBatch {
    return { examples: this.nextBatch(batch, out) };
  }

  describe(): string {
    return this.describeSet(this.table.origin);
  }
}

/** The plan's shape must hold one example's values (it may be the file's or a reshaping of it). */
function checkFeatures(data: Data, file: string, features: number, fileShape: readonly number[]): void {
  const planned = data.shape.reduce((a, b) => a * b, 1);
  if (planned !== features) {
    throw new DataError(file, `holds examples of shape [${fileShape.join(", ")}] (${features} values), but the plan's data shape is [${data.shape.join(", ")}] (${planned} values)`);
  }
}

export const csvLoader: DataLoader<CsvData> = {
  async readFacts(data) {
    await readCsvHeader(data.file, data.columns);
    return { shape: [data.columns.length] };
  },
  async open(data, options) {
    const { rows, values } = await readCsvColumns(data.file, data.columns);
    checkFeatures(data, data.file, data.columns.length, [data.columns.length]);
    const scaled = scaleFeatures(data.file, values, data.columns.length, data.scale, (i) => `column '${data.columns[i]}'`);
    return new TableSource(data, options.rng, { features: data.columns.length, values, origin: `${rows} rows of ${data.columns.join(", ")} from ${displayPath(data.file)}, ${scaled}` });
  },
};

/** One example's shape in an .npy array: everything after the first dimension ([1] for a vector of scalars). */
function exampleShape(shape: readonly number[]): number[] {
  return shape.length === 1 ? [1] : shape.slice(1);
}

export const npyLoader: DataLoader<NpyData> = {
  async readFacts(data) {
    return { shape: exampleShape((await readNpy(data.file)).shape) };
  },
  async open(data, options) {
    const array = await readNpy(data.file);
    const shape = exampleShape(array.shape);
    const features = shape.reduce((a, b) => a * b, 1);
    checkFeatures(data, data.file, features, shape);
    const scaled = scaleFeatures(data.file, array.values, features, data.scale, (i) => `feature ${i}`);
    return new TableSource(data, options.rng, { features, values: array.values, origin: `${array.shape[0]} examples of [${shape.join(", ")}] from ${displayPath(data.file)}, ${scaled}` });
  },
};
