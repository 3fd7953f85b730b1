import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { CORE_VERSION } from "@gan/core";
import { createCompileHost } from "@gan/core/runtime";
import { captureOutput } from "../io.js";
import { main } from "../main.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), "gan-new-"));
// Inside the workspace (the root's /tmp/ is git-ignored), so that Node finds @gan/core, vitest
// and typescript in the root node_modules as it would in the generated package's own.
mkdirSync(path.join(ROOT, "tmp"), { recursive: true });
const inWorkspace = mkdtempSync(path.join(ROOT, "tmp", "gan-new-"));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(inWorkspace, { recursive: true, force: true });
});

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

describe("gan new trick", () => {
  test("writes a package that gan can load: keyword, peer range on the running @gan/core, matching name", async () => {
    const dir = path.join(scratch, "hello");
    const { code, stdout, stderr } = await gan("new", "trick", "gan-trick-hello", "--dir", dir);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`created gan-trick-hello in `);
    expect(stdout).toContain(`for @gan/core ^${CORE_VERSION}:\n`);
    for (const file of ["package.json", "README.md", "src/index.ts", "src/index.test.ts", "tsconfig.json", "tsconfig.build.json", ".changeset/config.json", ".changeset/hello-initial.md"]) {
      expect(stdout).toContain(`  ${file}\n`);
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    const manifest = readJson(path.join(dir, "package.json"));
    expect(manifest).toMatchObject({
      name: "gan-trick-hello",
      version: "0.0.0",
      type: "module",
      keywords: ["gan-trick", "gan"],
      exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
      peerDependencies: { "@gan/core": `^${CORE_VERSION}` },
    });
    expect(manifest.dependencies).toBeUndefined();
    expect(readFileSync(path.join(dir, "src/index.ts"), "utf8")).toContain('name: "gan-trick-hello",');
    expect(readFileSync(path.join(dir, ".changeset/hello-initial.md"), "utf8")).toMatch(/^---\n"gan-trick-hello": minor\n---\n/);
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toContain('use "gan-trick-hello" { epsilon: 0.001 }');
    // Installed, it passes gan's manifest check (name, keyword, peer range, entry in its folder):
    // loading stops only at the import, as nothing is built yet.
    const project = path.join(scratch, "hello-project");
    mkdirSync(path.join(project, "node_modules"), { recursive: true });
    symlinkSync(dir, path.join(project, "node_modules", "gan-trick-hello"));
    const loaded = await createCompileHost().loadTrick("gan-trick-hello", project);
    expect(!loaded.ok && loaded.message).toMatch(/^trick 'gan-trick-hello' failed to load: /);
  });

  test("a scoped name goes into a folder without the scope and is published public", async () => {
    const cwd = process.cwd();
    process.chdir(scratch);
    try {
      expect((await gan("new", "trick", "@acme/gan-drift")).code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    const manifest = readJson(path.join(scratch, "gan-drift", "package.json"));
    expect(manifest).toMatchObject({ name: "@acme/gan-drift", publishConfig: { access: "public" } });
    expect(readFileSync(path.join(scratch, "gan-drift", "src/index.ts"), "utf8")).toContain('log("drift/drift", drift);');
  });

  test("mistakes are named: the kind, the package name, a folder in use", async () => {
    expect(await gan("new", "trik", "gan-trick-x")).toEqual({
      code: 2,
      stdout: "",
      stderr: "gan: gan new: unknown kind 'trik', did you mean 'trick'? (gan new can make: trick)\n",
    });
    expect(await gan("new", "trick")).toMatchObject({ code: 2, stderr: "gan: gan new trick: missing argument: the package name, e.g. gan-trick-drift or @acme/gan-drift\n" });
    expect(await gan("new", "trick", "Gan-Trick-X", "--dir", path.join(scratch, "x"))).toEqual({
      code: 1,
      stdout: "",
      stderr: "gan: gan new trick: 'Gan-Trick-X' has capital letters (npm names are lowercase: 'gan-trick-x')\n",
    });
    expect((await gan("new", "trick", "gan trick", "--dir", path.join(scratch, "y"))).stderr).toBe(
      "gan: gan new trick: 'gan trick' is not a valid npm package name (letters, digits, '-', '.', '_' and an optional @scope/)\n",
    );
    const used = path.join(scratch, "used");
    mkdirSync(used);
    writeFileSync(path.join(used, "notes.txt"), "mine");
    const { code, stderr } = await gan("new", "trick", "gan-trick-z", "--dir", used);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gan: gan new trick: .*used already exists and is not empty: choose another --dir\n$/);
    expect(readFileSync(path.join(used, "notes.txt"), "utf8")).toBe("mine");
  });

  test(
    "the generated package typechecks, builds and passes its own tests",
    async () => {
      const dir = path.join(inWorkspace, "gan-trick-built");
      expect((await gan("new", "trick", "gan-trick-built", "--dir", dir)).code).toBe(0);
      // The files are used as generated. Only where @gan/core comes from differs from a user's
      // project: here it is this workspace's TypeScript sources (the "@gan/source" condition,
      // as in every test of this repository), so that no build of @gan/core is needed. The
      // registry test (scripts/e2e-registry.mjs) runs the same package against @gan/core
      // installed from a registry.
      const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
      await run(process.execPath, [tsc, "-p", "tsconfig.json", "--customConditions", "@gan/source"], { cwd: dir });
      await run(process.execPath, [tsc, "-p", "tsconfig.build.json", "--customConditions", "@gan/source"], { cwd: dir });
      expect(existsSync(path.join(dir, "dist", "index.js"))).toBe(true);
      expect(existsSync(path.join(dir, "dist", "index.d.ts"))).toBe(true);
      expect(existsSync(path.join(dir, "dist", "index.test.js"))).toBe(false);
      // Built and installed, gan loads it: the manifest check passes and the import gives a trick.
      mkdirSync(path.join(inWorkspace, "node_modules"), { recursive: true });
      symlinkSync(dir, path.join(inWorkspace, "node_modules", "gan-trick-built"));
      const loaded = await createCompileHost().loadTrick("gan-trick-built", inWorkspace);
      expect(loaded.ok, !loaded.ok ? loaded.message : "").toBe(true);

      const runVitest = `
        import { startVitest } from "vitest/node";
        const conditions = ["@gan/source", "module", "node", "development|production"];
        const vitest = await startVitest("test", [], { root: ${JSON.stringify(dir)}, run: true, watch: false, reporters: ["default"] },
          { resolve: { conditions }, ssr: { resolve: { conditions, externalConditions: ["@gan/source"] } } });
        const failed = !vitest || vitest.state.getFiles().some((file) => file.result?.state !== "pass");
        const passed = vitest ? vitest.state.getFiles().flatMap((file) => file.tasks).flatMap((suite) => suite.tasks ?? [suite]).filter((task) => task.result?.state === "pass").length : 0;
        console.log("passed tests: " + passed);
        await vitest?.close();
        process.exit(failed ? 1 : 0);
      `;
      const env = { ...process.env };
      for (const key of Object.keys(env)) if (key.startsWith("VITEST")) delete env[key];
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", runVitest], { cwd: dir, env });
      expect(stdout).toContain("passed tests: 3");
    },
    240_000,
  );
});
