/**
 * What `changeset version` does to the tricks when @gan/core changes, with this repository's
 * .changeset/config.json and its real package.json files (copied into a sandbox, so the
 * working tree is never versioned). The README's "Publishing a trick" section describes these
 * cases; this test keeps that description true.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { ROOT, workspacePackages, type WorkspacePackage } from "./workspace.mjs";

type Manifest = WorkspacePackage["manifest"];

const packages = workspacePackages({ includePrivate: true }).filter((pkg) => pkg.manifest.version !== undefined);
const tricks = packages.filter((pkg) => pkg.manifest.peerDependencies?.["@gan/core"] !== undefined).map((pkg) => pkg.name);
const sandboxes: string[] = [];

afterEach(() => {
  for (const dir of sandboxes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the workspace's manifests and changesets config, with no pending changesets.
 * `core` sets @gan/core's version and every trick's peer range on it (as after some releases).
 */
function sandbox(options: { coreVersion?: string; peerRange?: string; config?: (config: Record<string, unknown>) => void } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "gan-changesets-"));
  sandboxes.push(dir);
  for (const file of ["package.json", "pnpm-workspace.yaml"]) cpSync(join(ROOT, file), join(dir, file));
  for (const pkg of packages) {
    const manifest = structuredClone(pkg.manifest);
    if (options.coreVersion && manifest.name === "@gan/core") manifest.version = options.coreVersion;
    if (options.peerRange && manifest.peerDependencies?.["@gan/core"]) manifest.peerDependencies["@gan/core"] = options.peerRange;
    mkdirSync(join(dir, pkg.relativeDir), { recursive: true });
    writeFileSync(join(dir, pkg.relativeDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const config = JSON.parse(readFileSync(join(ROOT, ".changeset", "config.json"), "utf8")) as Record<string, unknown>;
  options.config?.(config);
  mkdirSync(join(dir, ".changeset"));
  writeFileSync(join(dir, ".changeset", "config.json"), JSON.stringify(config, null, 2));
  // The changelog generator named in the config is resolved from the sandbox.
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** Writes one changeset, runs `changeset version`, returns every package's version and core peer range. */
function version(dir: string, bumps: Record<string, "patch" | "minor" | "major">): Record<string, { version: string; peer?: string }> {
  const frontMatter = Object.entries(bumps)
    .map(([name, bump]) => `"${name}": ${bump}`)
    .join("\n");
  writeFileSync(join(dir, ".changeset", "change.md"), `---\n${frontMatter}\n---\n\nA change.\n`);
  execFileSync(process.execPath, [join(ROOT, "node_modules", "@changesets", "cli", "bin.js"), "version"], { cwd: dir, stdio: "pipe" });
  const result: Record<string, { version: string; peer?: string }> = {};
  for (const pkg of packages) {
    const manifest = JSON.parse(readFileSync(join(dir, pkg.relativeDir, "package.json"), "utf8")) as Manifest;
    const peer = manifest.peerDependencies?.["@gan/core"];
    result[manifest.name] = peer === undefined ? { version: manifest.version } : { version: manifest.version, peer };
  }
  return result;
}

function versionsOf(dir: string): Record<string, string> {
  return Object.fromEntries(packages.map((pkg) => [pkg.name, (JSON.parse(readFileSync(join(dir, pkg.relativeDir, "package.json"), "utf8")) as Manifest).version]));
}

describe("changesets and the tricks' peer ranges on @gan/core", () => {
  test("there are tricks, the third-party example among them, each with a caret range on @gan/core", () => {
    expect(tricks).toContain("@gan/gp");
    expect(tricks).toContain("gan-trick-consistency");
    for (const pkg of packages.filter((item) => tricks.includes(item.name))) {
      expect(pkg.manifest.peerDependencies!["@gan/core"], pkg.name).toMatch(/^\^\d+\.\d+\.\d+$/);
    }
  });

  test("a patch of one trick releases that trick alone", () => {
    const dir = sandbox();
    const before = versionsOf(dir);
    const after = version(dir, { "@gan/label-smoothing": "patch" });
    const moved = Object.keys(after).filter((name) => after[name]!.version !== before[name]);
    expect(moved).toEqual(["@gan/label-smoothing"]);
  });

  test("a core release inside the tricks' range leaves every trick alone", () => {
    const dir = sandbox({ coreVersion: "1.2.0", peerRange: "^1.2.0" });
    const before = versionsOf(dir);
    for (const bump of ["patch", "minor"] as const) {
      const after = version(dir, { "@gan/core": bump });
      for (const trick of tricks) {
        expect(after[trick], `${trick} after a ${bump} of core`).toEqual({ version: before[trick], peer: "^1.2.0" });
      }
    }
  });

  test("a core release that leaves the range makes every trick a major release with the range moved to it", () => {
    const dir = sandbox({ coreVersion: "1.2.0", peerRange: "^1.2.0" });
    const before = versionsOf(dir);
    const after = version(dir, { "@gan/core": "major" });
    expect(after["@gan/core"]!.version).toBe("2.0.0");
    for (const trick of tricks) {
      const major = Number(before[trick]!.split(".")[0]) + 1;
      expect(after[trick], trick).toEqual({ version: `${major}.0.0`, peer: "^2.0.0" });
    }
  });

  test("in 0.x a minor of core leaves ^0.y ranges, so the tricks move with it (0.1.0 -> 1.0.0)", () => {
    const dir = sandbox({ coreVersion: "0.1.0", peerRange: "^0.1.0" });
    const before = versionsOf(dir);
    const patch = version(dir, { "@gan/core": "patch" });
    for (const trick of tricks) expect(patch[trick], trick).toEqual({ version: before[trick], peer: "^0.1.0" });
    const minor = version(dir, { "@gan/core": "minor" });
    expect(minor["@gan/core"]!.version).toBe("0.2.0");
    for (const trick of tricks) {
      const major = Number(before[trick]!.split(".")[0]) + 1;
      expect(minor[trick], trick).toEqual({ version: `${major}.0.0`, peer: "^0.2.0" });
    }
  });

  test("without onlyUpdatePeerDependentsWhenOutOfRange, changesets would make every trick major on any core minor", () => {
    const dir = sandbox({
      coreVersion: "1.2.0",
      peerRange: "^1.2.0",
      config: (config) => {
        delete config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH;
      },
    });
    const before = versionsOf(dir);
    const after = version(dir, { "@gan/core": "minor" });
    for (const trick of tricks) {
      const major = Number(before[trick]!.split(".")[0]) + 1;
      expect(after[trick], trick).toEqual({ version: `${major}.0.0`, peer: "^1.3.0" });
    }
  });
});
