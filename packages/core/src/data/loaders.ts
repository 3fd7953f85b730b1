/**
 * The runtime's loader of each data kind, registered by kind: the one place @gan/core learns
 * of a kind that @gan/plan defines (docs/ARCHITECTURE.md, "How to add a data kind"). The
 * record's type makes a kind without a loader a compile error.
 */
import type { Data, DataFactsResult, DataKind, DataWithoutShape } from "@gan/plan";
import { DataError, DataOptionError } from "./data-error.js";
import { idxLoader, mnistLoader } from "./idx-source.js";
import { imagesLoader } from "./image-folder.js";
import { mixtureLoader } from "./mixtures.js";
import type { DataLoader, DataSource, DataSourceOptions } from "./source.js";
import { csvLoader, npyLoader } from "./tabular-source.js";

const DATA_LOADERS: { [Kind in DataKind]: DataLoader<Extract<Data, { kind: Kind }>> } = {
  ring: mixtureLoader,
  grid: mixtureLoader,
  mnist: mnistLoader,
  idx: idxLoader,
  images: imagesLoader,
  csv: csvLoader,
  npy: npyLoader,
};

function loaderOf(kind: DataKind): DataLoader {
  return DATA_LOADERS[kind] as DataLoader;
}

/**
 * What the files of `data` hold, for the compiler when it checks a spec: the shape of one
 * example (fixed for mixtures and MNIST, read from headers or listings otherwise) and the
 * classes when the spec asks for them. Problems with the files come back as `{ ok: false }`
 * with the DataError's one line (and the option it is about, when it is one option's).
 */
export async function readDataShape(data: DataWithoutShape): Promise<DataFactsResult> {
  try {
    return { ok: true, ...(await loaderOf(data.kind).readFacts(data as Omit<Data, "shape">)) };
  } catch (error) {
    if (error instanceof DataOptionError) return { ok: false, message: error.message, option: error.option };
    if (error instanceof DataError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Opens the plan's data source. Unusable files throw a DataError naming the file. */
export function openDataSource(data: Data, options: DataSourceOptions): Promise<DataSource> {
  return loaderOf(data.kind).open(data, options);
}
