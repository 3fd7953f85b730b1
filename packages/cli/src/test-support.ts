/**
 * What the cli's tests share (not part of the package: its `test-` name keeps it out of the
 * build): running `gan` in this process, and scratch directories.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { captureOutput } from "./io.js";
import { main } from "./main.js";

/** The repository's root: its `tmp/` is git-ignored. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs `gan ...argv` in this process; what it printed and its exit code. */
export async function gan(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

/**
 * A new directory, removed after the test file. `inRepository`: under the repository's
 * ignored tmp/, where Node resolves the workspace's trick packages from a spec written there
 * (and the project root of a worker started from packages/cli); else under the system's
 * temporary directory.
 */
export function scratchDirectory(prefix: string, { inRepository = false } = {}): string {
  const parent = inRepository ? path.join(REPO_ROOT, "tmp") : os.tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
