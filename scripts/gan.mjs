#!/usr/bin/env node
// `pnpm gan ...` in the workspace: the gan command, as a user of the clone runs it.
//
// - Paths on the command line are the user's: pnpm runs a root script at the repository root,
//   but says in INIT_CWD where the command was typed, so `cd mine && pnpm gan check m.gan`
//   reads mine/m.gan and `gan train` writes mine/runs/.
// - It runs the built JavaScript (packages/*/dist, `pnpm build`) when every package's dist/ is
//   newer than its sources: TypeScript transpiled at every start costs seconds, the built CLI
//   starts in less than half the time (bench/RESULTS.md, "Start-up"). When a dist/ is missing (a fresh
//   clone) or older than a source file (an edit since the last build), it runs the sources
//   through tsx instead and says so on stderr, so `pnpm gan` is never wrong, only slower to
//   start. Building at install time instead would add minutes to every `pnpm install`, fail
//   the install whenever a source does not typecheck mid-edit, and still need this check
//   after the next edit.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, workspacePackages } from "./workspace.mjs";

/** The newest modification time under a folder (test files left out: they are not built). */
function newestSource(dir) {
  let newest = { time: 0, file: undefined };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = newestSource(path);
      if (inner.time > newest.time) newest = inner;
    } else if (!/\.test\.ts$/.test(entry.name)) {
      const time = statSync(path).mtimeMs;
      if (time > newest.time) newest = { time, file: path };
    }
  }
  return newest;
}

/** Why the built CLI cannot be trusted, or undefined when every package's build is current. */
function staleBuild(packages = workspacePackages({ includePrivate: true })) {
  for (const pkg of packages) {
    if (!pkg.manifest.scripts?.build || !existsSync(join(pkg.dir, "src"))) continue;
    const stamp = join(pkg.dir, "dist", "index.js");
    if (!existsSync(stamp)) return `${relative(ROOT, stamp)} is missing`;
    const built = statSync(stamp).mtimeMs;
    const inputs = [newestSource(join(pkg.dir, "src")), ...["package.json", "tsconfig.build.json"].map((file) => ({ time: existsSync(join(pkg.dir, file)) ? statSync(join(pkg.dir, file)).mtimeMs : 0, file: join(pkg.dir, file) }))];
    const newer = inputs.find((input) => input.time > built);
    if (newer) return `${relative(ROOT, newer.file)} is newer than ${relative(ROOT, stamp)}`;
  }
  return undefined;
}

/** Runs the TypeScript sources in a child process (the @gan/source condition is a start-up flag). */
function runSources(args) {
  const child = spawn(process.execPath, ["--conditions=@gan/source", "--import", import.meta.resolve("tsx"), join(ROOT, "packages", "cli", "src", "bin.ts"), ...args], { stdio: "inherit" });
  // Ctrl-C reaches the child too (same process group); gan decides what it means, we wait.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}

if (process.env.INIT_CWD) {
  process.chdir(process.env.INIT_CWD);
  // Read once: a gan started later from another folder (by a script gan runs) is not sent here.
  delete process.env.INIT_CWD;
}
const args = process.argv.slice(2);
const stale = staleBuild();
if (stale === undefined) {
  await import(pathToFileURL(join(ROOT, "packages", "cli", "dist", "bin.js")).href);
} else {
  process.stderr.write(`gan: running from the TypeScript sources (${stale}); \`pnpm build\` makes gan start in less than half the time\n`);
  runSources(args);
}
