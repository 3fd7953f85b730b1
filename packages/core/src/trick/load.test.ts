import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import type { Plan } from "@gan/plan";
import { CORE_VERSION, createCompileHost, installedTricks, loadTrickModule } from "./load.js";

const project = fileURLToPath(new URL("../../test-fixtures/trick-project", import.meta.url));
const host = createCompileHost();

async function load(name: string) {
  const result = await host.loadTrick(name, project);
  if (!result.ok) throw new Error(result.message);
  return result.trick;
}

describe("resolving trick packages from the spec's directory", () => {
  test("a trick package loads with its installed version and option names", async () => {
    const trick = await load("gan-trick-fixture");
    expect(trick.package).toBe("gan-trick-fixture");
    expect(trick.version).toBe("1.2.3");
    expect(trick.order).toBe("normal");
    expect(trick.optionNames).toEqual(["real", "dropout", "networks"]);
  });

  test("a missing package names the install command of the project's package manager", async () => {
    const result = await host.loadTrick("@gan/gpp", project);
    expect(result).toEqual({
      ok: false,
      message: "trick '@gan/gpp' is not installed: npm install @gan/gpp (the @gan packages are not on the npm registry yet: `pnpm gan:pack` in a clone of gan writes them as tarballs to install)",
    });
  });

  test("a missing third-party trick gets the install command alone (the note is for the unpublished @gan packages)", async () => {
    const result = await host.loadTrick("gan-trick-nowhere", project);
    expect(result).toEqual({ ok: false, message: "trick 'gan-trick-nowhere' is not installed: npm install gan-trick-nowhere" });
  });

  test("a package whose default export is not a trick is refused", async () => {
    const result = await host.loadTrick("gan-trick-plain-object", project);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      "package 'gan-trick-plain-object' is not a gan trick: its default export was not made with defineTrick() from @gan/core",
    );
  });

  test("a package whose manifest is not a trick's is refused before it is imported, naming what is missing", async () => {
    const result = await host.loadTrick("not-a-trick", project);
    expect(!result.ok && result.message).toBe(
      "package 'not-a-trick' is not a gan trick, so it was not imported: its \"keywords\" do not include \"gan-trick\"; " +
        `it has no "@gan/core" in "peerDependencies" (a trick names the @gan/core versions it runs on, e.g. "^${CORE_VERSION}") (${path.join(realpathSync(project), "node_modules", "not-a-trick", "package.json")})`,
    );
    expect((await host.installedTricks!(project)).includes("not-a-trick")).toBe(false);
    await expect(loadTrickModule("not-a-trick", project)).rejects.toThrow("is not a gan trick, so it was not imported");
    expect((globalThis as { notATrickRan?: boolean }).notATrickRan).toBeUndefined();
  });

  test("an entry point outside the package folder is refused and never runs", async () => {
    const result = await host.loadTrick("gan-trick-escapes", project);
    expect(!result.ok && result.message).toBe(
      `package 'gan-trick-escapes' is not a gan trick, so it was not imported: its entry point "../../outside.mjs" leads outside the package folder (${path.join(realpathSync(project), "node_modules", "gan-trick-escapes")})`,
    );
    expect((globalThis as { outsideRan?: boolean }).outsideRan).toBeUndefined();
  });

  test("the manifest is read as untrusted data: a wrong name, keywords as a string, a peer range that is no range", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "gan-manifest-"));
    try {
      const write = (name: string, manifest: unknown) => {
        mkdirSync(path.join(root, "node_modules", name), { recursive: true });
        writeFileSync(path.join(root, "node_modules", name, "package.json"), typeof manifest === "string" ? manifest : JSON.stringify(manifest));
        writeFileSync(path.join(root, "node_modules", name, "index.js"), "globalThis.untrustedManifestRan = true;\n");
      };
      write("gan-trick-a", { name: "other", keywords: "gan-trick", peerDependencies: { "@gan/core": "not a range" } });
      write("gan-trick-b", "{ not json");
      write("gan-trick-c", null);
      const message = async (name: string) => {
        const result = await host.loadTrick(name, root);
        return !result.ok ? result.message : "loaded";
      };
      expect(await message("gan-trick-a")).toMatch(
        /^package 'gan-trick-a' is not a gan trick, so it was not imported: its "name" is "other", not "gan-trick-a"; its "keywords" do not include "gan-trick"; its "@gan\/core" peer range "not a range" is not a semver range \(/,
      );
      expect(await message("gan-trick-b")).toMatch(/^package 'gan-trick-b' cannot be used: its package.json is not valid JSON \(/);
      expect(await message("gan-trick-c")).toMatch(/^package 'gan-trick-c' is not a gan trick, so it was not imported: its "name" is null, not "gan-trick-c"; /);
      expect((globalThis as { untrustedManifestRan?: boolean }).untrustedManifestRan).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("paths and URLs are never loaded", async () => {
    for (const name of ["./local-trick.js", "/etc/passwd", "https://example.com/x.js", "../x"]) {
      const result = await host.loadTrick(name, project);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.message).toContain("is not a package name");
    }
  });

  test("a trick whose peer range excludes this core is refused with both versions", async () => {
    const result = await host.loadTrick("gan-trick-old-core", project);
    expect(!result.ok && result.message).toBe(
      `trick 'gan-trick-old-core' 2.0.0 supports @gan/core ^0.0.1, but @gan/core ${CORE_VERSION} is installed: upgrade the trick or install a @gan/core in that range`,
    );
  });

  test("a trick must be named after its package", async () => {
    const result = await host.loadTrick("@acme/gan-trick-misnamed", project);
    expect(!result.ok && result.message).toBe(
      "package '@acme/gan-trick-misnamed' exports a trick named '@acme/other-name': the names must match",
    );
  });

  test("installed tricks are those with the gan-trick keyword", async () => {
    // Node resolution walks up, so the workspace's own tricks are visible too; only keyworded packages count.
    const names = installedTricks(project).map((t) => `${t.name}@${t.version}`);
    expect(names).toEqual(expect.arrayContaining(["gan-trick-fixture@1.2.3", "gan-trick-old-core@2.0.0"]));
    expect(names.some((name) => name.startsWith("not-a-trick"))).toBe(false);
    expect(await host.installedTricks!(project)).toContain("gan-trick-fixture");
  });

  test("the runtime gets the trick object itself", async () => {
    const trick = await loadTrickModule("gan-trick-fixture", project);
    expect(trick.name).toBe("gan-trick-fixture");
    expect(typeof trick.setup).toBe("function");
  });
});

describe("trick options", () => {
  test("defaults are filled in", async () => {
    const trick = await load("gan-trick-fixture");
    expect(trick.validateOptions({})).toEqual({ ok: true, options: { real: 0.9, dropout: 0, networks: "discriminator" } });
  });

  test("an unknown option is reported at its key", async () => {
    const trick = await load("gan-trick-fixture");
    expect(trick.validateOptions({ rael: 0.8 })).toEqual({ ok: false, issues: [{ path: ["rael"], message: "unknown option 'rael'" }] });
  });

  test("a value of the wrong type or out of range is reported at its path", async () => {
    const trick = await load("gan-trick-fixture");
    const result = trick.validateOptions({ real: "high", dropout: 2 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual([["real"], ["dropout"]]);
    expect(result.issues[0]!.message).toMatch(/expected number/);
    expect(result.issues[1]!.message).toMatch(/<=0\.9/);
  });

  test("a schedule is accepted where a number is, and kept as a schedule", async () => {
    const trick = await load("gan-trick-fixture");
    const schedule = { schedule: "linear", from: 0.7, to: 1, start: 0, end: 100 } as const;
    expect(trick.validateOptions({ real: schedule })).toEqual({ ok: true, options: { real: schedule, dropout: 0, networks: "discriminator" } });
  });

  test("a schedule that leaves the option's range is refused, saying where", async () => {
    const trick = await load("gan-trick-fixture");
    const result = trick.validateOptions({ real: { schedule: "step", initial: 0.9, changes: [{ at: 10, value: 0.95 }, { at: 20, value: 1.5 }] } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]!.path).toEqual(["real"]);
    expect(!result.ok && result.issues[0]!.message).toMatch(/\(the schedule reaches 1\.5\)$/);
  });
});

describe("rewrite hooks", () => {
  const plan = {
    networks: { discriminator: { inputShape: [2], layers: [{ type: "dense", units: 8 }, { type: "dense", units: 1 }] } },
  } as unknown as Plan;

  test("a rewrite returns the new plan and records what it changed", async () => {
    const trick = await load("gan-trick-fixture");
    const use = { package: "gan-trick-fixture", version: "1.2.3", options: { real: 0.9, dropout: 0.25, networks: "discriminator" }, window: {} };
    const result = trick.rewrite!(plan, use);
    expect(result.plan.networks.discriminator.layers.map((l) => l.type)).toEqual(["dense", "dropout", "dense"]);
    expect(result.rewrites).toEqual([
      { trick: "gan-trick-fixture", network: "discriminator", index: 1, action: "insert", description: "dropout 0.25 before D's last layer", before: null, after: { type: "dropout", rate: 0.25 } },
    ]);
    // The input plan is left untouched: rewrites are pure.
    expect(plan.networks.discriminator.layers).toHaveLength(2);
  });
});

describe("malformed schedules in options", () => {
  test("a schedule whose steps go backwards is refused at its option", async () => {
    const trick = await load("gan-trick-fixture");
    const result = trick.validateOptions({ real: { schedule: "step", initial: 0.9, changes: [{ at: 20, value: 0.95 }, { at: 10, value: 0.8 }] } });
    expect(result).toEqual({ ok: false, issues: [{ path: ["real"], message: "step changes must be in increasing order of 'at': 10 comes after 20" }] });
  });
});
