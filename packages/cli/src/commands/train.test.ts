import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { TrainResult } from "@gan/core/runtime";
import { displayPath } from "../display-path.js";
import type { EvalReport } from "../eval/evaluate-run.js";
import { formatEvalLine } from "../eval/format-eval.js";
import { captureOutput } from "../io.js";
import { registerCommand } from "../main.js";
import { gan, scratchPlan, tinyRingPlan } from "./test-train-helpers.js";
import { evaluateFinishedRun } from "./train.js";

registerCommand("train", () => import("./train.js"));
registerCommand("sample", () => import("./sample.js"));
registerCommand("eval", () => import("./eval.js"));


const plan = tinyRingPlan();

const { dir, planFile } = scratchPlan("gan-cli-train-", plan);

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
    // Finished again: measured again, at its new last step.
    expect(JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")).steps).toBe(8);
  });

  test("a finished run is measured: one line with its metrics after the run directory, eval.json, log.txt and the report", async () => {
    const out = path.join(dir, "runs-eval");
    const { code, stderr } = await gan("train", planFile, "--steps", "6", "--out", out);
    expect(code).toBe(0);
    const runDir = onlyRun(out);
    const lines = stderr.trimEnd().split("\n");
    expect(lines.at(-2)).toBe(`run directory: ${displayPath(runDir)}`);
    expect(lines.at(-1)).toMatch(/^tiny: [0-8]\/8 modes, \d+\.\d% high quality, reverse KL (\d+\.\d{3}|n\/a) \(2,500 samples\)$/);
    // eval.json as gan eval writes it: the same figures for the same weights and seed.
    const written = JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")) as EvalReport;
    expect(written).toMatchObject({ name: "tiny", samples: 2500, seed: 0, steps: 6, weightsFrom: "generator", backend: "cpu" });
    expect(lines.at(-1)).toBe(formatEvalLine(written));
    const again = await gan("eval", runDir, "--format", "json");
    expect((JSON.parse(again.stdout) as EvalReport).metrics).toEqual(written.metrics);

    const log = readFileSync(path.join(runDir, "log.txt"), "utf8");
    expect(log).toMatch(/^\S+Z started: tiny, 6 steps on cpu, seed 0, plan [0-9a-f]{12}\n {2}data: ring: 8 modes on a circle of radius 1, std 0\.01\n/);
    expect(log).toMatch(/\n\S+Z completed at step 6\n/);
    expect(log).toContain(`eval: ${formatEvalLine(written)}, generator at step 6, seed 0\n`);
    const html = readFileSync(path.join(runDir, "report.html"), "utf8");
    expect(html).toContain("modes captured");
    expect(html).toContain('class="real-sample"');
  });

  test("--no-eval leaves the run unmeasured", async () => {
    const out = path.join(dir, "runs-no-eval");
    const { code, stderr } = await gan("train", planFile, "--out", out, "--no-eval");
    expect(code).toBe(0);
    const runDir = onlyRun(out);
    expect(stderr.trimEnd().split("\n").at(-1)).toBe(`run directory: ${displayPath(runDir)}`);
    expect(existsSync(path.join(runDir, "eval.json"))).toBe(false);
    expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).not.toContain("eval:");
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("Not measured yet");
  });

  test("an evaluation that fails says so and leaves the finished run as it is", async () => {
    const out = path.join(dir, "runs-eval-fails");
    expect((await gan("train", planFile, "--out", out, "--no-eval")).code).toBe(0);
    const runDir = onlyRun(out);
    const runJson = readFileSync(path.join(runDir, "run.json"), "utf8");
    // The final generator's weights cut short: the evaluation cannot load them.
    const weights = path.join(runDir, "generator", "weights.bin");
    writeFileSync(weights, readFileSync(weights).subarray(0, 8));
    const result = { runDir, plan: JSON.parse(readFileSync(path.join(runDir, "plan.json"), "utf8")), backend: { name: "cpu" } } as TrainResult;
    const { result: returned, stderr } = await captureOutput(() => evaluateFinishedRun(result, dir));
    expect(returned).toBe(false);
    expect(stderr.startsWith("warning: the evaluation failed: ")).toBe(true);
    expect(stderr.endsWith(` (the run itself is complete; gan eval ${displayPath(runDir)} tries again)\n`)).toBe(true);
    expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).toMatch(/warning: the evaluation failed: /);
    expect(existsSync(path.join(runDir, "eval.json"))).toBe(false);
    expect(readFileSync(path.join(runDir, "run.json"), "utf8")).toBe(runJson);
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
