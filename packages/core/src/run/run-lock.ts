/**
 * One writer per run directory. `train()` holds `RUN/train.lock` from before its first write
 * to the end of the run, so that a `gan train --resume RUN` started while RUN is still
 * training is refused instead of appending to the same metrics.jsonl and checkpoints.
 *
 * The lock records the holder's pid and host. It is made atomically with its content (a
 * temporary file hard-linked to the lock's name: the link fails when a lock exists), so a
 * lock is never seen empty. A lock left behind by a process that died (kill -9, a crash)
 * is taken over when its host is this machine and no process has its pid any more; a lock
 * held on another machine cannot be checked from here, and is refused with the way to clear
 * it by hand.
 */
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { UserError } from "../errors.js";
import { RUN_FILES } from "./run-dir.js";

/** The exit code of a refusal: the run is busy, try again later (sysexits' EX_TEMPFAIL). */
export const RUN_BUSY_EXIT_CODE = 75;

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, and is someone else's). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): { text: string; holder: LockHolder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return { text, holder: Number.isInteger(holder.pid) && typeof holder.host === "string" ? holder : undefined };
  } catch {
    return { text, holder: undefined };
  }
}

/** Creates `file` holding `content`, or returns false when it exists already. */
function createExclusive(file: string, content: string): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

export class RunLock {
  private constructor(private readonly file: string) {}

  /**
   * Takes the lock of `runDir`, or throws a UserError (exit code 75) naming the process that
   * holds it. A lock whose holder died on this machine is taken over.
   */
  static acquire(runDir: string): RunLock {
    const file = path.join(runDir, RUN_FILES.lock);
    const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    const content = `${JSON.stringify(me)}\n`;
    // Each round either takes the lock, clears a dead holder's, or refuses; a lock released
    // or cleared by someone else between our reads is another round.
    for (let round = 0; round < 5; round++) {
      try {
        if (createExclusive(file, content)) return new RunLock(file);
      } catch (error) {
        throw new UserError(`cannot lock ${runDir} for training: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const found = readHolder(file);
      if (found === undefined) continue;
      const { text, holder } = found;
      if (holder === undefined) {
        throw new UserError(`${file} is not a lock gan wrote (${JSON.stringify(text.slice(0, 40))}): if no gan process is training ${runDir}, delete it`, RUN_BUSY_EXIT_CODE);
      }
      if (holder.host === me.host && !processExists(holder.pid)) {
        // Its holder is gone: clear it, unless another process took it over meanwhile.
        if (readHolder(file)?.text === text) unlinkSync(file);
        continue;
      }
      const where = holder.host === me.host ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
      const clear = holder.host === me.host ? "" : `; if that machine's process is gone, delete ${file}`;
      throw new UserError(`${runDir} is being trained by another gan process (${where}, since ${holder.startedAt}): one writer per run directory${clear}`, RUN_BUSY_EXIT_CODE);
    }
    throw new UserError(`cannot lock ${runDir} for training: its lock keeps changing hands`, RUN_BUSY_EXIT_CODE);
  }

  /** Gives the lock up (once the run's last file is written). */
  release(): void {
    rmSync(this.file, { force: true });
  }
}
