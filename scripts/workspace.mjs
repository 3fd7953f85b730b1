// Shared by the release tooling in scripts/: where the workspace is, which packages it has,
// and how to run the pinned pnpm.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The pnpm the root package.json pins (corepack is not relied on: it is broken on some machines). */
export const PNPM_VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager.replace(/^pnpm@/, "");

/**
 * How to run pnpm: the pnpm that runs this script when there is one (`pnpm lint:packages`
 * sets npm_execpath), else the pinned version through npx.
 */
export function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    return /\.(c|m)?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
  }
  return ["npx", "-y", `pnpm@${PNPM_VERSION}`];
}

/**
 * The workspace packages, from pnpm-workspace.yaml. Only the `dir/*` and `dir` forms are
 * understood, which is all this workspace uses; anything else is refused rather than guessed.
 */
export function workspacePackages({ includePrivate = false } = {}) {
  const yaml = readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8");
  const block = yaml.match(/^packages:\n((?:[ \t]+-.*\n?)+)/m);
  if (!block) throw new Error("pnpm-workspace.yaml: no packages list");
  const patterns = [...block[1].matchAll(/-\s*["']?([^"'\n]+?)["']?\s*$/gm)].map((match) => match[1]);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*") && !pattern.slice(0, -2).includes("*")) {
      const parent = join(ROOT, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else if (!pattern.includes("*")) {
      dirs.push(join(ROOT, pattern));
    } else {
      throw new Error(`pnpm-workspace.yaml: pattern '${pattern}' is not understood by scripts/workspace.mjs`);
    }
  }
  const packages = [];
  for (const dir of dirs.sort()) {
    const manifestPath = join(dir, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (manifest.private && !includePrivate) continue;
    packages.push({ name: manifest.name, version: manifest.version, dir, relativeDir: relative(ROOT, dir), manifest });
  }
  return packages;
}

/** Runs a command to completion, returning its output; throws with the output on failure. */
export function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    const failure = new Error(`${[command, ...args].join(" ")} failed (exit ${error.status ?? error.signal})${output ? `:\n${output}` : ""}`);
    failure.output = output;
    throw failure;
  }
}

/** pnpm pack's name for a package's tarball, before `-<version>.tgz`: "@gan/cli" is "gan-cli". */
export function tarballBase(pkg) {
  return pkg.name.replace(/^@/, "").replace("/", "-");
}

/**
 * Packs workspace packages as publishing would (`pnpm pack`: workspace: ranges become real
 * version ranges, `files` applies) into `destination`, in one pnpm run; returns the tarballs'
 * paths, in the order of `pkgs`.
 */
export function packPackages(pkgs, destination) {
  mkdirSync(destination, { recursive: true });
  const [pnpm, ...pnpmArgs] = pnpmCommand();
  const filters = pkgs.flatMap((pkg) => ["--filter", pkg.name]);
  run(pnpm, [...pnpmArgs, "--recursive", ...filters, "pack", "--pack-destination", destination], { cwd: ROOT });
  return pkgs.map((pkg) => {
    const tarball = join(destination, `${tarballBase(pkg)}-${pkg.version}.tgz`);
    if (!existsSync(tarball)) throw new Error(`pnpm pack did not write ${tarball}`);
    return tarball;
  });
}
