import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { captureOutput } from "./io.js";
import { main } from "./main.js";

const fixtureProject = fileURLToPath(new URL("../../core/test-fixtures/trick-project", import.meta.url));

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

describe("the gan dispatcher", () => {
  test("an unknown command is a usage error with the nearest command", async () => {
    expect(await gan("compiel", "x.gan")).toEqual({
      code: 2,
      stdout: "",
      stderr: "gan: unknown command 'compiel', did you mean 'compile'? (gan help lists the commands)\n",
    });
  });

  test("an unknown flag is a usage error naming the command", async () => {
    const { code, stderr } = await gan("check", "x.gan", "--frmat", "json");
    expect(code).toBe(2);
    expect(stderr).toBe("gan: gan check: unknown option '--frmat'\n");
  });

  test("help lists every command", async () => {
    const { code, stdout } = await gan("help");
    expect(code).toBe(0);
    for (const name of ["compile", "check", "fmt", "grammar", "tricks"]) expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  test("a missing spec file is one line and exit code 1", async () => {
    expect(await gan("check", "does-not-exist.gan")).toEqual({ code: 1, stdout: "", stderr: "gan: does-not-exist.gan: no such file\n" });
  });
});

describe("gan tricks", () => {
  test("lists installed tricks with their options and defaults", async () => {
    const { code, stdout } = await gan("tricks", "--dir", fixtureProject);
    expect(code).toBe(0);
    expect(stdout).toContain("gan-trick-fixture 1.2.3  A fixture trick for tests.\n  real: number (default 0.9)\n  dropout: number (default 0)\n");
    expect(stdout).toContain('  networks: "generator" | "discriminator" | "both" (default "discriminator")\n');
    // A trick that cannot load is listed with the reason rather than hidden.
    expect(stdout).toMatch(/gan-trick-old-core 2\.0\.0\n  cannot be loaded: trick 'gan-trick-old-core' 2\.0\.0 supports @gan\/core \^0\.0\.1/);
  });

  test("the repository's tricks and the third-party example pass the manifest check and load", async () => {
    const consumer = fileURLToPath(new URL("../../../examples/consumer", import.meta.url));
    const { code, stdout } = await gan("tricks", "--dir", consumer, "--format", "json");
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; error?: string }[];
    expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining(["gan-trick-consistency", "@gan/gp", "@gan/label-smoothing"]));
    expect(rows.filter((row) => row.error !== undefined)).toEqual([]);
  });

  test("--format json gives the same as data", async () => {
    const { stdout } = await gan("tricks", "--dir", fixtureProject, "--format", "json");
    const rows = JSON.parse(stdout) as { name: string; options: { name: string; default: unknown }[] }[];
    expect(rows.find((row) => row.name === "gan-trick-fixture")!.options.map((o) => [o.name, o.default])).toEqual([
      ["real", 0.9],
      ["dropout", 0],
      ["networks", "discriminator"],
    ]);
  });
});
