/**
 * File writing for run directories: whole files through a temporary name and a rename,
 * flushed to disk, so that a reader (or a resume after `kill -9`) never sees half a file.
 * And reading their binary files with bounds, since a run directory may come from elsewhere.
 */
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { readInputFileSync } from "../input-file.js";

/** The largest binary file of a run (weights of about 500 M parameters); a larger one is not read. */
const MAX_RUN_FILE_BYTES = 2 * 1024 ** 3;

/** A binary file of a run directory: a regular file of at most MAX_RUN_FILE_BYTES (FileError otherwise). */
export function readRunFileBytes(file: string): Uint8Array {
  return new Uint8Array(readInputFileSync(file, { maxBytes: MAX_RUN_FILE_BYTES, what: "run file" }));
}

/** A file's content: whole, or as strings produced one after another (never all held at once). */
export type FileContent = string | Uint8Array | Iterable<string>;

/** Writes and flushes a file under its final name directly (inside a directory that is itself renamed into place). */
export function writeFileDurable(file: string, content: FileContent): void {
  const fd = openSync(file, "w");
  try {
    const chunks = typeof content === "string" || content instanceof Uint8Array ? [content] : content;
    for (const chunk of chunks) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes through a temporary file in the same directory and a rename. */
export function writeFileAtomic(file: string, content: FileContent): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  writeFileDurable(temporary, content);
  renameSync(temporary, file);
  syncDirectory(path.dirname(file));
}

/** Flushes a directory's entries (a rename is durable only once its directory is). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function sha256(content: Uint8Array | string): string {
  return createHash("sha256").update(content).digest("hex");
}

export function sha256OfFile(file: string): string {
  return sha256(readFileSync(file));
}

export function writeJsonDurable(file: string, value: unknown): void {
  writeFileDurable(file, `${JSON.stringify(value, null, 2)}\n`);
}
