/**
 * Finding an installed package the way Node does, from a given directory.
 *
 * We do not use `require.resolve`: it only knows the "require" condition, and trick packages
 * are ESM whose `exports` may offer "import", "default" or, inside this workspace, the
 * "@gan/source" condition that points at TypeScript sources. So we locate the package root
 * by walking `node_modules` upwards, then pick its entry from `exports` ourselves.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export interface InstalledPackage {
  name: string;
  /** Real path of the package's root folder. */
  root: string;
  manifest: PackageManifest;
}

export interface PackageManifest {
  name?: string;
  version?: string;
  description?: string;
  keywords?: string[];
  main?: string;
  exports?: unknown;
  peerDependencies?: Record<string, string>;
}

/** The keyword that marks a package as a gan trick, so `gan tricks` can list them. */
export const TRICK_KEYWORD = "gan-trick";

function readManifest(path: string): PackageManifest {
  return JSON.parse(readFileSync(path, "utf8")) as PackageManifest;
}

/** Whether the manifest's keywords (an array, when it is well-formed) include `keyword`. */
export function hasKeyword(manifest: PackageManifest, keyword: string): boolean {
  return Array.isArray(manifest.keywords) && manifest.keywords.includes(keyword);
}

/** Package names are resolved as packages only: no paths, no URLs (a spec must not load arbitrary code). */
export function isValidPackageName(name: string): boolean {
  return /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name);
}

function* nodeModulesDirs(fromDir: string): Generator<string> {
  let dir = resolve(fromDir);
  for (;;) {
    // Inside a node_modules folder, Node does not look in node_modules/node_modules.
    if (basename(dir) !== "node_modules") yield join(dir, "node_modules");
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** The package folder of `name` nearest to `fromDir`, or undefined; throws when its package.json is not JSON. */
export function findInstalledPackage(name: string, fromDir: string): InstalledPackage | undefined {
  for (const modules of nodeModulesDirs(fromDir)) {
    const manifestPath = join(modules, name, "package.json");
    if (existsSync(manifestPath)) {
      const root = realpathSync(join(modules, name));
      const manifest = readManifest(manifestPath);
      // `null`, a number or a list is no manifest at all; its fields read as missing.
      return { name, root, manifest: typeof manifest === "object" && manifest !== null && !Array.isArray(manifest) ? manifest : {} };
    }
  }
  return undefined;
}

/** Every package visible from `fromDir` whose keywords include `keyword`; nearest first wins. */
export function listInstalledPackages(fromDir: string, keyword: string): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const consider = (modules: string, name: string) => {
    if (found.has(name)) return;
    const manifestPath = join(modules, name, "package.json");
    if (!existsSync(manifestPath)) return;
    try {
      const manifest = readManifest(manifestPath);
      if (hasKeyword(manifest, keyword)) found.set(name, { name, root: realpathSync(join(modules, name)), manifest });
    } catch {
      // An unreadable manifest is not ours to report here; `use` of that package will say so.
    }
  };
  for (const modules of nodeModulesDirs(fromDir)) {
    if (!existsSync(modules) || !statSync(modules).isDirectory()) continue;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith(".")) continue;
      if (entry.startsWith("@")) {
        const scopeDir = join(modules, entry);
        if (!statSync(scopeDir).isDirectory()) continue;
        for (const inner of readdirSync(scopeDir)) consider(modules, `${entry}/${inner}`);
      } else {
        consider(modules, entry);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Whether this process can load the TypeScript sources that "@gan/source" points at: true when
 * it was started with that condition (`pnpm gan` in the workspace) or runs under vitest.
 */
export function sourceConditionEnabled(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return flags.some((flag) => flag.includes("@gan/source")) || process.env.VITEST !== undefined;
}

function pickExport(target: unknown, conditions: string[]): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const picked = pickExport(item, conditions);
      if (picked) return picked;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    for (const [key, value] of Object.entries(target)) {
      if (conditions.includes(key)) {
        const picked = pickExport(value, conditions);
        if (picked) return picked;
      }
    }
  }
  return undefined;
}

/** The absolute path of the package's main ESM entry, or undefined when it has none. */
export function packageEntry(pkg: InstalledPackage): string | undefined {
  const conditions = [...(sourceConditionEnabled() ? ["@gan/source"] : []), "import", "node", "default"];
  const exportsField = pkg.manifest.exports;
  let entry: string | undefined;
  if (exportsField !== undefined) {
    const isSubpathMap =
      typeof exportsField === "object" && exportsField !== null && !Array.isArray(exportsField) && Object.keys(exportsField).some((k) => k.startsWith("."));
    entry = pickExport(isSubpathMap ? (exportsField as Record<string, unknown>)["."] : exportsField, conditions);
  } else {
    entry = pkg.manifest.main ?? "index.js";
  }
  return entry === undefined ? undefined : join(pkg.root, entry);
}

/** Files that mark a project's root, with the command that adds a package to that project. */
const PROJECT_FILES: [file: string, add: string][] = [
  ["pnpm-lock.yaml", "pnpm add"],
  ["pnpm-workspace.yaml", "pnpm add"],
  ["yarn.lock", "yarn add"],
  ["package-lock.json", "npm install"],
];

/** The nearest directory at or above `fromDir` with a lockfile (or pnpm workspace file), and how that project adds a package. */
function nearestProject(fromDir: string): { dir: string; add: string } | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const marker = PROJECT_FILES.find(([file]) => existsSync(join(dir, file)));
    if (marker) return { dir, add: marker[1] };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The project `fromDir` belongs to: the nearest directory at or above it with a lockfile or a
 * pnpm workspace file (a workspace's root, where its packages are installed), else `fromDir`.
 */
export function projectRoot(fromDir: string): string {
  return nearestProject(fromDir)?.dir ?? resolve(fromDir);
}

/**
 * The command a user runs to add a package, guessed from the lockfile nearest to `fromDir`.
 * The project's own packages (@gan/*) are not on the npm registry yet, so for them it also
 * says where they come from today (README.md, "Using gan in your own project").
 */
export function installCommand(name: string, fromDir: string): string {
  const command = `${nearestProject(fromDir)?.add ?? "npm install"} ${name}`;
  return name.startsWith("@gan/")
    ? `${command} (the @gan packages are not on the npm registry yet: \`pnpm gan:pack\` in a clone of gan writes them as tarballs to install)`
    : command;
}
