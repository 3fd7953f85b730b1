/**
 * Writing files: the CLI's own files (atomically), and the files a user names on the command
 * line (`-o FILE`, `--html FILE`, the specs `gan fmt` rewrites), which may be anything.
 */
import { chmodSync, lstatSync, readlinkSync, renameSync, rmSync, writeFileSync, type Stats } from "node:fs";
import path from "node:path";
import { UserError } from "@gan/core";

/**
 * Writes through a temporary file and a rename, so a reader never sees half a file. The
 * temporary file is removed when the write fails (a full disk leaves nothing behind), and a
 * file that is replaced keeps its permissions.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode?: number): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    writeFileSync(temporary, content);
    if (mode !== undefined) chmodSync(temporary, mode);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Symbolic links followed by hand before giving up, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

/**
 * Where a write to `file` lands: `file` itself, or the file at the end of its chain of
 * symbolic links (which need not exist yet), with its type when it exists.
 */
function resolveOutput(file: string): { target: string; stats: Stats | undefined } {
  let target = file;
  for (let links = 0; links <= MAX_LINKS; links++) {
    let stats: Stats;
    try {
      stats = lstatSync(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { target, stats: undefined };
      throw error;
    }
    if (!stats.isSymbolicLink()) return { target, stats };
    target = path.resolve(path.dirname(target), readlinkSync(target));
  }
  throw Object.assign(new Error("too many symbolic links"), { code: "ELOOP" });
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Writes a file the user named. What is there decides how:
 *
 * - nothing, or a regular file: through a temporary file and a rename (atomic; permissions kept);
 * - a symbolic link: the file it points to, by the same rules (the link stays a link);
 * - a character device (/dev/null, /dev/stdout's terminal) or a FIFO: written through, in place;
 * - anything else (a directory, a block device, a socket): refused.
 *
 * A failed write (ENOSPC on a full disk or /dev/full, EACCES, ...) is a UserError naming the
 * file and `what` was being written, so the command exits 1.
 */
export function writeOutputFile(file: string, content: string | Uint8Array, what: string): void {
  try {
    const { target, stats } = resolveOutput(file);
    if (stats === undefined || stats.isFile()) writeFileAtomic(target, content, stats && stats.mode & 0o7777);
    else if (stats.isCharacterDevice() || stats.isFIFO()) writeFileSync(target, content);
    else {
      const pointsTo = target === file ? "" : ` (a link to ${target})`;
      throw new UserError(`${file}${pointsTo} is ${kindOf(stats)}: cannot write ${what} there (give a file name)`);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code ? `${code}: ${describeErrno(error as NodeJS.ErrnoException)}` : (error as Error).message;
    throw new UserError(`${file}: cannot write ${what} (${reason})`);
  }
}

/** "no space left on device" from "ENOSPC: no space left on device, write". */
function describeErrno(error: NodeJS.ErrnoException): string {
  const match = /^[A-Z0-9]+: ([^,]+)/.exec(error.message);
  return match ? match[1]! : error.message;
}

