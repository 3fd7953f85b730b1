#!/usr/bin/env node
// `pnpm gan:pack`: the packages of this workspace as npm tarballs, for using gan in a project
// of your own while the @gan packages are not on the npm registry (README.md, "Using gan in
// your own project").
//
// Builds the workspace (turbo; cached when nothing changed), then packs each package with
// `pnpm pack`, exactly as `changeset publish` would publish it: `workspace:^` dependencies
// become real version ranges (`^0.1.0`), and `files` applies. A project installs them with
// plain npm; their third-party dependencies (TensorFlow.js, zod, ...) come from the npm
// registry as usual, and @gan/cli's own @gan dependencies are among the tarballs, so npm never
// looks them up:
//
//   npm install /path/to/gan/packed/*.tgz
//
// Usage: node scripts/pack.mjs [--out DIR] [--skip-build] [PACKAGE...]
//   PACKAGE...    the packages to pack (with the @gan packages they depend on); default:
//                 every publishable package under packages/ (the CLI, its libraries, every trick)
//   --out DIR     where the tarballs go (default: packed/ at the repository root)
//   --skip-build  pack the dist/ folders as they are
//   --json        print the tarballs' paths as a JSON array instead of the instructions
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, packPackages, pnpmCommand, run, tarballBase, workspacePackages } from "./workspace.mjs";

const { values: flags, positionals: requested } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string", default: join(ROOT, "packed") },
    "skip-build": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

const packages = workspacePackages();
const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
const unknown = requested.filter((name) => !byName.has(name));
if (unknown.length > 0) {
  console.error(`gan:pack: no publishable workspace package named ${unknown.join(", ")}`);
  process.exit(2);
}

/** The packages asked for and the workspace packages they depend on, at any depth. */
function withWorkspaceDependencies(names) {
  const selected = new Set();
  const visit = (name) => {
    if (selected.has(name)) return;
    selected.add(name);
    const manifest = byName.get(name).manifest;
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (byName.has(dependency)) visit(dependency);
    }
  };
  names.forEach(visit);
  return packages.filter((pkg) => selected.has(pkg.name));
}

const selected = withWorkspaceDependencies(requested.length > 0 ? requested : packages.filter((pkg) => pkg.relativeDir.startsWith("packages/")).map((pkg) => pkg.name));
const out = resolve(flags.out);

if (!flags["skip-build"]) {
  const [pnpm, ...pnpmArgs] = pnpmCommand();
  process.stderr.write("gan:pack: pnpm build ...\n");
  run(pnpm, [...pnpmArgs, "build", "--output-logs=errors-only"], { cwd: ROOT });
}
// A tarball of an older version would be installed beside the new one by `npm install packed/*.tgz`.
if (existsSync(out)) {
  const bases = selected.map(tarballBase);
  for (const file of readdirSync(out)) {
    if (bases.some((base) => file.startsWith(`${base}-`) && /^\d/.test(file.slice(base.length + 1)) && file.endsWith(".tgz"))) rmSync(join(out, file));
  }
}
const tarballs = packPackages(selected, out);
if (!flags.json) selected.forEach((pkg, i) => process.stderr.write(`  ${pkg.name}@${pkg.version}  ${tarballs[i]}\n`));

if (flags.json) {
  console.log(JSON.stringify(tarballs));
} else {
  console.log(
    [
      `gan:pack: ${tarballs.length} packages in ${out}`,
      "",
      "In your project (a folder with a package.json; `npm init -y` makes one):",
      `  npm install ${join(out, "*.tgz")}`,
      "  npx gan compile my.gan && npx gan train my.gan",
      "",
      "The @gan packages are not on the npm registry yet: these tarballs are how to install them.",
    ].join("\n"),
  );
}
