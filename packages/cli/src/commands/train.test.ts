import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan, tinyRingPlan } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));
registerCommand("sample", () => import("./sample.js"));


const plan = tinyRingPlan();

let dir: string;
let planFile: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-train-"));
  planFile = path.join(dir, "tiny.json");
  writeFileSync(planFile, JSON.stringify(plan));
});

function onlyRun(out: string): string {
  const runs = readdirSync(path.join(out, "tiny"));
  expect(runs).toHaveLength(1);
  return path.join(out, "tiny", runs[0]!);
}

describe("gan train", () => {
  test("trains a plan.json with --steps and --out, and says where the run went", async () => {
    const out = path.join(dir, "runs-a");
    const { code, stderr } = await gan("train", planFile, "--steps", "6", "--out", out);
    expect(code).toBe(0);
    const runDir = onlyRun(out);
    expect(stderr).toMatch(/^trained 6 steps on cpu in [\d.]+ s, last D loss [\d.]+, G loss [\d.]+$/m);
    const shown = path.relative(process.cwd(), runDir).startsWith("..") ? runDir : path.relative(process.cwd(), runDir);
    expect(stderr).toContain(`run directory: ${shown}\n`);
    expect(stderr.match(/^step 6\/6/gm)).toHaveLength(1);
    // Not a terminal: plain progress lines.
    expect(stderr).toMatch(/^step 6\/6 {2}D [\d.]+ {2}G [\d.]+ {2}[\d.]+ steps\/s {2}ETA 0s$/m);
    expect(JSON.parse(readFileSync(path.join(runDir, "plan.json"), "utf8")).train.steps).toBe(6);
    expect(existsSync(path.join(runDir, "generator", "model.json"))).toBe(true);

    const resumed = await gan("train", "--resume", runDir, "--steps", "8");
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^trained 8 steps on cpu/m);
  });

  test("gan sample writes CSV for 2-D data, and npy or png on request", async () => {
    const out = path.join(dir, "runs-b");
    expect((await gan("train", planFile, "--out", out)).code).toBe(0);
    const runDir = onlyRun(out);
    const csv = await gan("sample", runDir, "-n", "5");
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe("x,y");
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(1)) expect(line.split(",").map(Number).every(Number.isFinite)).toBe(true);
    // The same seed gives the same samples; another seed others.
    expect((await gan("sample", runDir, "-n", "5")).stdout).toBe(csv.stdout);
    expect((await gan("sample", runDir, "-n", "5", "--seed", "1")).stdout).not.toBe(csv.stdout);

    const npy = path.join(dir, "s.npy");
    expect((await gan("sample", runDir, "-n", "3", "-o", npy)).code).toBe(0);
    const bytes = readFileSync(npy);
    expect(bytes.subarray(1, 6).toString("latin1")).toBe("NUMPY");
    expect(bytes.toString("latin1")).toContain("'shape': (3, 2)");
    const png = path.join(dir, "s.png");
    expect((await gan("sample", runDir, "-n", "50", "-o", png)).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  test("mistakes are one line each", async () => {
    expect(await gan("train")).toMatchObject({ code: 2, stderr: "gan: gan train: missing argument: a .gan file or a plan.json\n" });
    expect(await gan("train", planFile, "--backend", "gpu")).toMatchObject({
      code: 2,
      stderr: "gan: gan train: --backend must be one of auto, tensorflow, blas, wasm, cpu, got 'gpu'\n",
    });
    expect(await gan("train", planFile, "--backend", "tensorflow", "--out", path.join(dir, "tf"))).toMatchObject({
      code: 1,
      stderr: "gan: backend 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu: npm install @tensorflow/tfjs-node\n",
    });
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...plan, train: { ...plan.train, stpes: 3 } }));
    const invalid = await gan("train", bad);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^gan: .*bad\.json is not a valid plan:\ntrain/);
    expect(invalid.stderr).toContain("stpes");
    expect(await gan("sample", path.join(dir, "nowhere"))).toMatchObject({ code: 1, stderr: `gan: ${path.join(dir, "nowhere")}: no such run directory\n` });
  });
});
