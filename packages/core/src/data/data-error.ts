import path from "node:path";
import { UserError } from "../errors.js";

/**
 * A data file or folder that cannot be used, with the one-line reason a user can act on.
 * `message` starts with the file's path as the user would type it, e.g.
 * "data/train.idx: truncated: header says 60000 images of 28x28 (47040016 bytes with its
 * 16-byte header) but the file has 1200 bytes". `file` is the absolute path. A UserError:
 * the CLI prints the line alone and exits with 1.
 */
export class DataError extends UserError {
  readonly file: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(file: string, reason: string) {
    super(`${displayPath(file)}: ${reason}`);
    this.name = "DataError";
    this.file = path.resolve(file);
    this.reason = reason;
  }
}

/** A path relative to the working directory when it lies below it, else absolute. */
export function displayPath(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  if (relative === "") return ".";
  return relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

/** Turns a file-system error into a DataError naming the file, or rethrows anything else. */
export function fileSystemError(file: string, error: unknown, what = "file"): DataError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return new DataError(file, `no such ${what}`);
    case "EACCES":
    case "EPERM":
      return new DataError(file, `permission denied`);
    case "EISDIR":
      return new DataError(file, `is a folder, expected a file`);
    case "ENOTDIR":
      return new DataError(file, `is not a folder`);
    default:
      if (error instanceof Error && code !== undefined) return new DataError(file, `cannot be read (${code})`);
      throw error;
  }
}
