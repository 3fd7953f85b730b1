import { FileError, fileSystemError as fileErrorOf, type FileErrorFactory, type InputFileOptions } from "../input-file.js";

export { displayPath } from "../input-file.js";

/**
 * A data file or folder that cannot be used, with the one-line reason a user can act on.
 * `message` starts with the file's path as the user would type it, e.g.
 * "data/train.idx: truncated: header says 60000 images of 28x28 (47040016 bytes with its
 * 16-byte header) but the file has 1200 bytes". `file` is the absolute path. A UserError:
 * the CLI prints the line alone and exits with 1.
 */
export class DataError extends FileError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = "DataError";
  }
}

/**
 * A problem with data files that one option of the spec is the cause of (a column name the
 * CSV has not): `option` is that option's path in the data statement's options, so that the
 * compiler shows it there.
 */
export class DataOptionError extends DataError {
  constructor(
    file: string,
    reason: string,
    readonly option: (string | number)[],
  ) {
    super(file, reason);
    this.name = "DataOptionError";
  }
}

export const dataError: FileErrorFactory = (file, reason) => new DataError(file, reason);

/** Turns a file-system error into a DataError naming the file, or rethrows anything else. */
export function fileSystemError(file: string, error: unknown, what = "file"): DataError {
  return fileErrorOf(file, error, what, dataError);
}

/**
 * The most bytes one data file may hold (and a folder's images, decoded): the whole set is
 * kept in memory as bytes, and Node reads no single file past 2 GiB.
 */
export const MAX_DATA_BYTES = 2 ** 31 - 1;

/** Options for reading a data file: bounded, and failing with a DataError. */
export function dataFileOptions(what: string, maxBytes = MAX_DATA_BYTES): InputFileOptions {
  return { maxBytes, what, error: dataError };
}
