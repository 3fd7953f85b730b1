#!/usr/bin/env node
// `pnpm lint:packages`: checks that every publishable workspace package is fit to publish.
//
// Each package is packed with pnpm exactly as `changeset publish` would publish it
// (workspace: ranges replaced by versions, `files` applied), then the tarball is checked by
//   - publint: exports, files, fields that point at missing files, module format;
//   - @arethetypeswrong/cli with the esm-only profile: our packages are ESM only, so the
//     node10 and CommonJS-require resolutions are out of scope; node16-from-ESM and bundler
//     must find both the JavaScript and its types.
// Checking the tarball, not the folder, is what catches a `files` list that leaves out
// something the build needs at runtime. Run `pnpm build` first.
//
// Usage: node scripts/lint-packages.mjs [package-name...]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, packPackages, run, workspacePackages } from "./workspace.mjs";

const bin = (name) => join(ROOT, "node_modules", ".bin", name);
const only = process.argv.slice(2);
const packages = workspacePackages().filter((pkg) => only.length === 0 || only.includes(pkg.name));
if (only.length > 0 && packages.length !== only.length) {
  const known = new Set(packages.map((pkg) => pkg.name));
  console.error(`lint:packages: no publishable workspace package named ${only.filter((name) => !known.has(name)).join(", ")}`);
  process.exit(2);
}

const packDir = mkdtempSync(join(tmpdir(), "gan-lint-packages-"));
const failures = [];
try {
  const built = packages.filter((pkg) => {
    if (existsSync(join(pkg.dir, "dist"))) return true;
    failures.push({ pkg, problems: [`${pkg.relativeDir}/dist is missing: run \`pnpm build\` first`] });
    console.log(`✗ ${pkg.name}: not built`);
    return false;
  });
  const tarballs = built.length > 0 ? packPackages(built, packDir) : [];
  built.forEach((pkg, i) => {
    const tarball = tarballs[i];
    const problems = [];
    try {
      // --strict: a publint warning (e.g. a file in `exports` that is not packed) fails the lint.
      const report = run(bin("publint"), ["run", tarball, "--strict", "--level", "warning"]);
      if (!/All good!/.test(report)) problems.push(`publint:\n${report.trim()}`);
    } catch (error) {
      problems.push(`publint:\n${error.output ?? error.message}`);
    }
    try {
      run(bin("attw"), [tarball, "--profile", "esm-only", "--no-color", "--format", "ascii"]);
    } catch (error) {
      problems.push(`attw:\n${error.output ?? error.message}`);
    }
    console.log(`${problems.length === 0 ? "✓" : "✗"} ${pkg.name}@${pkg.version}`);
    if (problems.length > 0) failures.push({ pkg, problems });
  });
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const { pkg, problems } of failures) {
    console.error(`\n${pkg.name} (${pkg.relativeDir}):\n${problems.map((problem) => `  ${problem.replaceAll("\n", "\n  ")}`).join("\n")}`);
  }
  console.error(`\nlint:packages: ${failures.length} of ${packages.length} packages have problems`);
  process.exit(1);
}
console.log(`lint:packages: ${packages.length} packages pass publint and attw (esm-only)`);
