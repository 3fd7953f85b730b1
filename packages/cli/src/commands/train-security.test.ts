/**
 * What a plan cannot do (README "Security"): `gan train plan.json` loads no code but installed
 * packages named by the plan (a path or URL in `tricks` is refused before it is imported), and
 * a plan's name cannot move its run directory outside --out. Data paths resolved against
 * the spec's directory: packages/dsl/src/compile.test.ts; trick loading: core trick/load.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));


const basePlan = {
  planVersion: 1,
  name: "tiny",
  source: { file: "tiny.gan", sha256: "0".repeat(64) },
  data: { kind: "ring", shape: [2], nativeRange: null, range: null },
  latent: { size: 4 },
  networks: {
    generator: { inputShape: [4], layers: [{ type: "dense", units: 2 }] },
    discriminator: { inputShape: [2], layers: [{ type: "dense", units: 1 }] },
  },
  loss: { kind: "nonsaturating" },
  optimizers: { generator: { kind: "adam" }, discriminator: { kind: "adam" } },
  train: { steps: 2, batch: 4, logEvery: 1, sampleEvery: 0, checkpointEvery: 0, backend: "cpu" },
  tricks: [] as object[],
  rewrites: [],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-security-"));
});

describe("gan train plan.json", () => {
  test("a trick given as a path or URL is refused, and its code never runs", async () => {
    const caseDir = path.join(dir, "code");
    mkdirSync(caseDir);
    const marker = path.join(caseDir, "ran");
    const evil = path.join(caseDir, "evil.mjs");
    writeFileSync(evil, `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "x"); export default {};\n`);
    for (const spec of ["./evil.mjs", evil, pathToFileURL(evil).href, "https://example.com/evil.mjs"]) {
      const planFile = path.join(caseDir, "plan.json");
      writeFileSync(planFile, JSON.stringify({ ...basePlan, tricks: [{ package: spec, version: "1.0.0", options: {}, window: {} }] }));
      const { code, stderr } = await gan("train", planFile, "--out", path.join(caseDir, "runs"));
      expect(code, stderr).toBe(1);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toContain(spec);
      expect(existsSync(marker)).toBe(false);
    }
  });

  test("a plan named '..' (or with separators) keeps its run under --out", async () => {
    const caseDir = path.join(dir, "name");
    mkdirSync(caseDir);
    const out = path.join(caseDir, "runs");
    for (const name of ["..", "../../escape", "/abs"]) {
      const planFile = path.join(caseDir, "plan.json");
      writeFileSync(planFile, JSON.stringify({ ...basePlan, name }));
      const { code, stderr } = await gan("train", planFile, "--out", out);
      expect(code, stderr).toBe(0);
    }
    expect(readdirSync(out).sort()).toEqual(["__", "___.._escape", "_abs"]);
    expect(readdirSync(caseDir).sort()).toEqual(["plan.json", "runs"]);
  });
});

describe("a package that is not a trick never runs", () => {
  test("gan check, gan train plan.json and gan tricks refuse it from its package.json, naming it and what is wrong", async () => {
    const caseDir = path.join(dir, "manifest");
    const marker = path.join(caseDir, "ran");
    const install = (name: string, manifest: object) => {
      mkdirSync(path.join(caseDir, "node_modules", name), { recursive: true });
      writeFileSync(path.join(caseDir, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", ...manifest }));
      writeFileSync(path.join(caseDir, "node_modules", name, "index.js"), `import { appendFileSync } from "node:fs"; appendFileSync(${JSON.stringify(marker)}, "${name} ");\n`);
    };
    // No keyword and no peer; a keyword but no peer (so `gan tricks` lists it); a main that leaves its folder.
    install("plain-package", { main: "index.js" });
    install("no-peer", { keywords: ["gan-trick"], main: "index.js" });
    install("escapes", { keywords: ["gan-trick"], peerDependencies: { "@gan/core": "*" }, main: "../plain-package/../../outside.mjs" });
    writeFileSync(path.join(caseDir, "outside.mjs"), `import { appendFileSync } from "node:fs"; appendFileSync(${JSON.stringify(marker)}, "outside ");\n`);

    for (const name of ["plain-package", "no-peer", "escapes"]) {
      const spec = path.join(caseDir, `${name}.gan`);
      writeFileSync(spec, `gan tiny {\n  data ring\n  latent 4\n  generator {\n    dense 2\n  }\n  discriminator {\n    dense 1\n  }\n  train { steps 2 }\n  use "${name}"\n}\n`);
      const checked = await gan("check", spec);
      expect(checked.code, checked.stderr).toBe(1);
      expect(checked.stderr).toContain(`package '${name}' is not a gan trick, so it was not imported: `);
      const planFile = path.join(caseDir, "plan.json");
      writeFileSync(planFile, JSON.stringify({ ...basePlan, tricks: [{ package: name, version: "1.0.0", options: {}, window: {} }] }));
      const trained = await gan("train", planFile, "--out", path.join(caseDir, "runs"));
      expect(trained.code, trained.stderr).toBe(1);
      expect(trained.stderr).toContain(`package '${name}' is not a gan trick, so it was not imported: `);
    }
    const listed = await gan("tricks", "--dir", caseDir);
    expect(listed.stdout).toContain(`no-peer 1.0.0\n  cannot be loaded: package 'no-peer' is not a gan trick, so it was not imported: it has no "@gan/core" in "peerDependencies"`);
    expect(listed.stdout).toContain(`escapes 1.0.0\n  cannot be loaded: package 'escapes' is not a gan trick, so it was not imported: its entry point "../../outside.mjs" leads outside the package folder`);
    expect(existsSync(marker)).toBe(false);
  });
});
