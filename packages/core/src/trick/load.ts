/**
 * Loading trick packages: for the compiler (`createCompileHost`) and for the runtime
 * (`loadTrickModule`). A trick is any package whose default export was made with
 * `defineTrick`; it is resolved from the spec's directory with Node's rules, never from a
 * path or URL, so a spec can only run code that the user installed, and its package.json is
 * checked before it is imported (see checkManifest), so that a package that is not a trick
 * never runs.
 */
import { readFileSync, realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import semver from "semver";
import { TRICK_LOSS_KIND, builtinLoss, describeLoss, type CompileHost, type LoadedTrick, type LossDeclaration, type Plan, type TrickLoadResult } from "@gan/plan";
import { readDataShape } from "../data/index.js";
import { UserError } from "../errors.js";
import { isInside } from "../paths.js";
import { isTrick, type Trick } from "./define-trick.js";
import { optionNames, validateTrickOptions } from "./options.js";
import {
  TRICK_KEYWORD,
  findInstalledPackage,
  hasKeyword,
  installCommand,
  isValidPackageName,
  listInstalledPackages,
  packageEntry,
  type InstalledPackage,
  type PackageManifest,
} from "./resolve-package.js";

/** The version of this @gan/core, checked against each trick's peer range. */
export const CORE_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export interface ResolvedTrick {
  trick: Trick;
  package: InstalledPackage;
  version: string;
}

/** Why a package could not be used as a trick, in words a user can act on. */
export class TrickLoadError extends UserError {
  constructor(
    message: string,
    readonly packageName: string,
  ) {
    super(message);
    this.name = "TrickLoadError";
  }
}

/**
 * What is wrong with a package's manifest as a trick's, read before anything of the package
 * is imported (importing runs its code): it is named as asked, marked with the "gan-trick"
 * keyword, and names `@gan/core` as a peer with a valid semver range. Empty when it is sound.
 */
function manifestProblems(pkg: InstalledPackage): string[] {
  const { manifest } = pkg;
  const problems: string[] = [];
  if (manifest.name !== pkg.name) problems.push(`its "name" is ${JSON.stringify(manifest.name ?? null)}, not "${pkg.name}"`);
  if (!hasKeyword(manifest, TRICK_KEYWORD)) problems.push(`its "keywords" do not include "${TRICK_KEYWORD}"`);
  const range = peerRange(manifest);
  if (range === undefined) problems.push(`it has no "@gan/core" in "peerDependencies" (a trick names the @gan/core versions it runs on, e.g. "^${CORE_VERSION}")`);
  else if (semver.validRange(range) === null) problems.push(`its "@gan/core" peer range ${JSON.stringify(range)} is not a semver range`);
  return problems;
}

function peerRange(manifest: PackageManifest): string | undefined {
  const peers: unknown = manifest.peerDependencies;
  const range = typeof peers === "object" && peers !== null ? (peers as Record<string, unknown>)["@gan/core"] : undefined;
  return typeof range === "string" ? range : undefined;
}

/** Refuses, before importing it, a package whose manifest is not a trick's or whose peer range excludes this @gan/core. */
function checkManifest(pkg: InstalledPackage): void {
  const problems = manifestProblems(pkg);
  if (problems.length > 0) {
    throw new TrickLoadError(
      `package '${pkg.name}' is not a gan trick, so it was not imported: ${problems.join("; ")} (${join(pkg.root, "package.json")})`,
      pkg.name,
    );
  }
  const range = peerRange(pkg.manifest)!;
  if (!semver.satisfies(CORE_VERSION, range, { includePrerelease: true })) {
    throw new TrickLoadError(
      `trick '${pkg.name}' ${pkg.manifest.version ?? ""} supports @gan/core ${range}, but @gan/core ${CORE_VERSION} is installed: ` +
        `upgrade the trick or install a @gan/core in that range`,
      pkg.name,
    );
  }
}

/** The package's entry point, required to lie inside its folder once symbolic links are followed. */
function checkedEntry(pkg: InstalledPackage): string {
  const entry = packageEntry(pkg);
  if (!entry) throw new TrickLoadError(`package '${pkg.name}' has no entry point that Node can import`, pkg.name);
  let real = entry;
  try {
    real = realpathSync(entry);
  } catch {
    // A missing file is reported by the import, with Node's own words.
  }
  if (!isInside(pkg.root, real)) {
    throw new TrickLoadError(
      `package '${pkg.name}' is not a gan trick, so it was not imported: its entry point ${JSON.stringify(relative(pkg.root, entry))} leads outside the package folder (${pkg.root})`,
      pkg.name,
    );
  }
  return entry;
}

const cache = new Map<string, Promise<ResolvedTrick>>();

async function importTrick(packageName: string, fromDir: string): Promise<ResolvedTrick> {
  if (!isValidPackageName(packageName)) {
    throw new TrickLoadError(
      `'${packageName}' is not a package name: tricks are loaded only as installed npm packages (no paths or URLs)`,
      packageName,
    );
  }
  let pkg: InstalledPackage | undefined;
  try {
    pkg = findInstalledPackage(packageName, fromDir);
  } catch (error) {
    throw new TrickLoadError(`package '${packageName}' cannot be used: its package.json is not valid JSON (${(error as Error).message})`, packageName);
  }
  if (!pkg) {
    throw new TrickLoadError(`trick '${packageName}' is not installed: ${installCommand(packageName, fromDir)}`, packageName);
  }
  checkManifest(pkg);
  const entry = checkedEntry(pkg);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  } catch (error) {
    throw new TrickLoadError(`trick '${packageName}' failed to load: ${(error as Error).message}`, packageName);
  }
  const trick = module.default;
  if (!isTrick(trick)) {
    throw new TrickLoadError(
      `package '${packageName}' is not a gan trick: its default export was not made with defineTrick() from @gan/core`,
      packageName,
    );
  }
  if (trick.name !== packageName) {
    throw new TrickLoadError(`package '${packageName}' exports a trick named '${trick.name}': the names must match`, packageName);
  }
  return { trick, package: pkg, version: pkg.manifest.version ?? "0.0.0" };
}

/** Resolves and imports a trick package from `fromDir`; throws TrickLoadError with a user-facing message. */
export function resolveTrick(packageName: string, fromDir: string): Promise<ResolvedTrick> {
  const key = `${fromDir}\0${packageName}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = importTrick(packageName, fromDir);
    // A failure is not cached: the user may install the package and try again in the same process.
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

export async function loadTrickModule(packageName: string, fromDir: string): Promise<Trick> {
  return (await resolveTrick(packageName, fromDir)).trick;
}

/** The declaration of a plan's built-in loss, for a rewrite called without the compiler's (tests, tools). */
function planLossDeclaration(plan: Plan): LossDeclaration {
  if (plan.loss.kind !== TRICK_LOSS_KIND) return builtinLoss(plan.loss.kind);
  throw new Error(`the plan's loss ${describeLoss(plan.loss)} comes from a trick, and its declaration was not given to the rewrite`);
}

/** The compiler's view of a trick (see LoadedTrick in @gan/plan). */
export function toLoadedTrick(trick: Trick, version: string): LoadedTrick {
  const loaded: LoadedTrick = {
    package: trick.name,
    version,
    order: trick.order ?? "normal",
    optionNames: optionNames(trick.options),
    validateOptions: (raw) => validateTrickOptions(trick.options, raw),
  };
  if (trick.rewrite) {
    const rewrite = trick.rewrite;
    loaded.rewrite = (plan, use, loss) =>
      rewrite(plan, {
        options: use.options as never,
        use,
        // Looked up only when the hook reads it: most rewrites never do.
        get loss() {
          return loss ?? planLossDeclaration(plan);
        },
      });
  }
  if (trick.layerShape) loaded.layerShape = trick.layerShape;
  if (trick.losses) loaded.losses = trick.losses;
  return loaded;
}

export interface InstalledTrickInfo {
  name: string;
  version: string;
  description: string;
  root: string;
}

/** Trick packages visible from `fromDir` (marked with the "gan-trick" keyword). */
export function installedTricks(fromDir: string): InstalledTrickInfo[] {
  return listInstalledPackages(fromDir, TRICK_KEYWORD).map((pkg) => ({
    name: pkg.name,
    version: pkg.manifest.version ?? "0.0.0",
    description: pkg.manifest.description ?? "",
    root: pkg.root,
  }));
}

export interface CompileHostOptions {
  /** Overrides an images folder's `onBadFile` while its files are checked (gan train --on-bad-file). */
  onBadFile?: "stop" | "skip";
}

/** The CompileHost the CLI hands to @gan/dsl's compiler. */
export function createCompileHost(options: CompileHostOptions = {}): CompileHost {
  return {
    async loadTrick(packageName, fromDir): Promise<TrickLoadResult> {
      try {
        const resolved = await resolveTrick(packageName, fromDir);
        return { ok: true, trick: toLoadedTrick(resolved.trick, resolved.version) };
      } catch (error) {
        if (error instanceof TrickLoadError) return { ok: false, message: error.message };
        throw error;
      }
    },
    async installedTricks(fromDir) {
      return installedTricks(fromDir).map((info) => info.name);
    },
    dataShape: (data) => readDataShape(options.onBadFile !== undefined && data.kind === "images" ? { ...data, onBadFile: options.onBadFile } : data),
  };
}
