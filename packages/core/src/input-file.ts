/**
 * Reading the files a user names (specs, plans, data, a run's metrics.jsonl and run.json)
 * with bounds: only regular files, never more bytes than the caller expects.
 *
 * `readFile` on a path the user typed is not safe as it is: `/dev/zero` reads until the
 * process runs out of memory (and a synchronous read cannot be interrupted by SIGTERM), a
 * FIFO blocks `open` until a writer comes, and a multi-gigabyte file is loaded whole before
 * anyone looks at it. Here the path is checked with `stat` before it is opened (a FIFO is
 * refused without blocking), opened non-blocking and checked again on the descriptor (so a
 * FIFO swapped in between the two cannot block either), and its size is compared with the
 * caller's limit before a byte is read.
 */
import { constants, closeSync, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { formatBytes } from "@gan/plan";
import { UserError } from "./errors.js";

/**
 * A file or folder that cannot be used, with the one-line reason a user can act on. `message`
 * starts with the path as the user would type it ("spec.gan: not a regular file (a FIFO)").
 * `file` is the absolute path. A UserError: the CLI prints the line alone and exits with 1.
 */
export class FileError extends UserError {
  readonly file: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(file: string, reason: string) {
    super(`${displayPath(file)}: ${reason}`);
    this.name = "FileError";
    this.file = path.resolve(file);
    this.reason = reason;
  }
}

/** Makes the error a reader throws: data readers throw DataError, a subclass. */
export type FileErrorFactory = (file: string, reason: string) => FileError;

const fileError: FileErrorFactory = (file, reason) => new FileError(file, reason);

/** A path relative to the working directory when it lies below it, else absolute. */
export function displayPath(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  if (relative === "") return ".";
  return relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

/** Turns a file-system error into a FileError naming the file, or rethrows anything else. */
export function fileSystemError(file: string, error: unknown, what = "file", make: FileErrorFactory = fileError): FileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return make(file, `no such ${what}`);
    case "EACCES":
    case "EPERM":
      return make(file, `permission denied`);
    case "EISDIR":
      return make(file, `is a folder, expected a file`);
    case "ENOTDIR":
      return make(file, `is not a folder`);
    default:
      if (error instanceof Error && code !== undefined) return make(file, `cannot be read (${code})`);
      throw error;
  }
}

/** The largest .gan file read: a 5,000-layer spec with 200 `use` lines is under 200 KiB. */
export const MAX_SPEC_BYTES = 16 * 1024 * 1024;
/** The largest JSON file read whole (a plan, run.json, eval.json, a checkpoint's manifest). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** A JSON file, checked and bounded; `what` names it in messages ("plan"). */
export function readJsonInputSync(file: string, what: string): unknown {
  const text = readInputTextSync(file, { maxBytes: MAX_JSON_BYTES, what });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileError(file, `not valid JSON (${(error as Error).message})`);
  }
}

export interface InputFileOptions {
  /** The most bytes the caller will read; a larger file is refused before it is read. */
  maxBytes: number;
  /** What the file is, for messages: "spec", "plan", "IDX file". */
  what?: string;
  /** The error to throw (default FileError). */
  error?: FileErrorFactory;
}

/** What a path is when it is not a regular file, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a plain file";
}

function checkRegular(file: string, stats: Stats, options: InputFileOptions): void {
  const make = options.error ?? fileError;
  const what = options.what ?? "file";
  if (!stats.isFile()) {
    throw make(file, stats.isDirectory() ? `is a folder, expected a ${what}` : `is ${kindOf(stats)}, not a regular file: a ${what} must be a regular file`);
  }
  if (stats.size > options.maxBytes) {
    throw make(file, `is ${formatBytes(stats.size)}, more than a ${what} may be (${formatBytes(options.maxBytes)})`);
  }
}

/** Read-only and non-blocking: opening a FIFO that appeared after the check returns at once. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Checks that `file` is a regular file within the limit without opening it, and returns its
 * size. For folders of files (a PNG folder) where each file is opened later.
 */
export async function statInputFile(file: string, options: InputFileOptions): Promise<number> {
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (error) {
    throw fileSystemError(file, error, "file", options.error);
  }
  checkRegular(file, stats, options);
  return stats.size;
}

/** Opens a checked input file; the caller closes the handle. Returns it with the file's size. */
export async function openInputFile(file: string, options: InputFileOptions): Promise<{ handle: FileHandle; size: number }> {
  await statInputFile(file, options);
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    throw fileSystemError(file, error, "file", options.error);
  }
  try {
    const stats = await handle.stat();
    checkRegular(file, stats, options);
    return { handle, size: stats.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads `length` bytes (or to the end) from `position`. */
export async function readRange(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/** The whole of a checked input file. */
export async function readInputFile(file: string, options: InputFileOptions): Promise<Uint8Array> {
  const { handle, size } = await openInputFile(file, options);
  try {
    return await readRange(handle, 0, size);
  } catch (error) {
    throw fileSystemError(file, error, "file", options.error);
  } finally {
    await handle.close();
  }
}

/** Opens a checked input file synchronously; the caller closes the descriptor. */
function openInputFileSync(file: string, options: InputFileOptions): number {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw fileSystemError(file, error, "file", options.error);
  }
  checkRegular(file, stats, options);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw fileSystemError(file, error, "file", options.error);
  }
  try {
    checkRegular(file, fstatSync(fd), options);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The whole of a checked input file, synchronously (specs and plans, read before anything starts). */
export function readInputFileSync(file: string, options: InputFileOptions): Buffer {
  const fd = openInputFileSync(file, options);
  try {
    const buffer = Buffer.alloc(fstatSync(fd).size);
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    throw fileSystemError(file, error, "file", options.error);
  } finally {
    closeSync(fd);
  }
}

/** A text file as UTF-8, checked and bounded as readInputFileSync. */
export function readInputTextSync(file: string, options: InputFileOptions): string {
  return readInputFileSync(file, options).toString("utf8");
}

export interface InputLinesOptions extends Omit<InputFileOptions, "maxBytes"> {
  /** Longest line kept; a longer one is passed over (reported as `tooLong`), never held whole. */
  maxLineBytes: number;
}

export type InputLine = { text: string; tooLong: false } | { text: ""; tooLong: true };

/** Chunks read at a time by the line readers. */
const LINE_CHUNK_BYTES = 64 * 1024;

/**
 * Cuts chunks of bytes into lines, holding at most `maxLineBytes` of a line: a longer one is
 * dropped as it comes and reported once it ends. Shared by the sync and async readers.
 */
class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines that `chunk` completes. */
  push(chunk: Uint8Array): InputLine[] {
    const lines: InputLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.skipping) {
        this.pending.push(Buffer.from(chunk.subarray(start, end)));
        this.pendingBytes += end - start;
        if (this.pendingBytes > this.maxLineBytes) {
          this.pending = [];
          this.pendingBytes = 0;
          this.skipping = true;
        }
      }
      if (newline === -1) break;
      lines.push(this.take());
      start = newline + 1;
    }
    return lines;
  }

  /** The last line, when the file does not end with a newline. */
  end(): InputLine[] {
    return this.skipping || this.pendingBytes > 0 ? [this.take()] : [];
  }

  private take(): InputLine {
    const line: InputLine = this.skipping ? { text: "", tooLong: true } : { text: Buffer.concat(this.pending, this.pendingBytes).toString("utf8"), tooLong: false };
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    return line;
  }
}

/**
 * The lines of a checked input file, one at a time, in chunks of 64 KiB: a file of any size
 * is read in bounded memory. A final line without a newline is a line too.
 */
export async function* readInputLines(file: string, options: InputLinesOptions): AsyncGenerator<InputLine> {
  const { handle } = await openInputFile(file, { ...options, maxBytes: Number.MAX_SAFE_INTEGER });
  const splitter = new LineSplitter(options.maxLineBytes);
  const chunk = new Uint8Array(LINE_CHUNK_BYTES);
  try {
    for (let position = 0; ; ) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, position));
      } catch (error) {
        throw fileSystemError(file, error, "file", options.error);
      }
      if (bytesRead === 0) break;
      position += bytesRead;
      yield* splitter.push(chunk.subarray(0, bytesRead));
    }
    yield* splitter.end();
  } finally {
    await handle.close();
  }
}

/** readInputLines, synchronously (for report.html, written at the end of a synchronous path). */
export function* readInputLinesSync(file: string, options: InputLinesOptions): Generator<InputLine> {
  const fd = openInputFileSync(file, { ...options, maxBytes: Number.MAX_SAFE_INTEGER });
  const splitter = new LineSplitter(options.maxLineBytes);
  const chunk = new Uint8Array(LINE_CHUNK_BYTES);
  try {
    for (let position = 0; ; ) {
      let bytesRead: number;
      try {
        bytesRead = readSync(fd, chunk, 0, chunk.length, position);
      } catch (error) {
        throw fileSystemError(file, error, "file", options.error);
      }
      if (bytesRead === 0) break;
      position += bytesRead;
      yield* splitter.push(chunk.subarray(0, bytesRead));
    }
    yield* splitter.end();
  } finally {
    closeSync(fd);
  }
}
