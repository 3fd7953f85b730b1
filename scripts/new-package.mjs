// Scaffolds the common files of a workspace package (used once to lay out the repo).
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
const [dir, name, description, depsJson = "{}", devDepsJson = "{}"] = process.argv.slice(2);
mkdirSync(join(dir, "src"), { recursive: true });
const rel = dir.split("/").map(() => "..").join("/");
const pkg = {
  name, version: "0.1.0", description, type: "module", license: "MIT",
  repository: { type: "git", url: "git+https://github.com/gan-dev/gan.git", directory: dir },
  engines: { node: ">=20.19" },
  exports: { ".": { "@gan/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" } },
  files: ["dist", "src", "!src/**/*.test.ts"],
  scripts: { build: "tsc -p tsconfig.build.json", typecheck: "tsc --noEmit", test: "vitest run" },
  dependencies: JSON.parse(depsJson), devDependencies: JSON.parse(devDepsJson),
};
writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: `${rel}/tsconfig.base.json`, compilerOptions: { noEmit: true }, include: ["src", "test"] }, null, 2) + "\n");
writeFileSync(join(dir, "tsconfig.build.json"), JSON.stringify({ extends: `${rel}/tsconfig.base.json`, compilerOptions: { outDir: "dist", rootDir: "src", noEmit: false, customConditions: [] }, include: ["src"], exclude: ["src/**/*.test.ts", "src/**/test-*"] }, null, 2) + "\n");
writeFileSync(join(dir, "vitest.config.ts"), `import { ganProject } from "${rel}/vitest.shared.js";\n\nexport default ganProject(${JSON.stringify(name)});\n`);
if (!existsSync(join(dir, "src/index.ts"))) writeFileSync(join(dir, "src/index.ts"), "export {};\n");
