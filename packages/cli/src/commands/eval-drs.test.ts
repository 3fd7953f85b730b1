/**
 * Discriminator rejection sampling from the command line: `gan eval --drs` and
 * `gan sample --drs` of a trained run (its last checkpoint's G and D), and a spec's
 * `use "@gan/drs"`, whose in-training evals and `gan eval` draw the same filtered samples.
 * Bad options are one line naming the option or the trick, exit code non-zero.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { networksSpec, tinyRingSpec } from "@gan/core/testing";
import { registerCommand } from "../main.js";
import { gan, scratchDirectory } from "../test-support.js";
import { rejectionSamplingFlags } from "../eval/rejection-flags.js";

registerCommand("train", () => import("./train.js"));
registerCommand("eval", () => import("./eval.js"));
registerCommand("sample", () => import("./sample.js"));

const dir = scratchDirectory("gan-eval-drs-test-", { inRepository: true });

interface Report {
  steps: number;
  weightsFrom: string;
  metrics: { modes: number; highQuality: number; reverseKL: number | null };
  rejectionSampling?: { percentile: number; candidates: number; accepted: number; acceptance: number; burnIn: number; calibrationSteps: number; calibrationRate: number; calibrationFinalRate?: number; calibrationBatch?: number };
}

/** Every file under `dir` with the sha256 of its bytes. */
function fileHashes(dir: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    hashes[path.relative(dir, file)] = createHash("sha256").update(readFileSync(file)).digest("hex");
  }
  return hashes;
}

async function ok(...argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await gan(...argv);
  expect(code, stderr).toBe(0);
  return { stdout, stderr };
}

/** Exit code 1 and one line on stderr, no stack trace; returns the line. */
async function fails(...argv: string[]): Promise<string> {
  const { code, stderr } = await gan(...argv);
  expect(code).not.toBe(0);
  expect(stderr.trim().split("\n"), stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return stderr;
}

// The hooks and tests that train a run (seconds alone) get more than the 30 s default: on a
// loaded 2-core machine the 300-step training of beforeAll took longer than that.
const TRAINING_TIMEOUT_MS = 120_000;

const evalJson = async (runDir: string, ...flags: string[]) => JSON.parse((await ok("eval", runDir, "--format", "json", "-n", "400", "--backend", "cpu", ...flags)).stdout) as Report;

/**
 * A small ring GAN trained long enough (300 steps, seconds) that all 8 modes are reached and
 * D tells them from the blur between them; about a third of its samples lie near a mode.
 */
async function trainSmall(name: string, extra = "", train: string[] = [], steps = 300): Promise<string> {
  const file = path.join(dir, `${name}.gan`);
  const lines = ["batch 64", "seed 2", "backend cpu", `steps ${steps}`, "checkpoint every 100", ...train];
  const networks = { data: "ring { modes: 8, radius: 1, std: 0.05 }", latent: 2, generator: ["dense 32 relu", "dense 32 relu", "dense 2"], discriminator: ["dense 32 relu", "dense 32 relu", "dense 1"] };
  const body = `  loss nonsaturating\n  optimizer adam { lr: 5e-3, beta1: 0.5 }\n  train {\n${lines.map((line) => `    ${line}\n`).join("")}  }\n${extra}`;
  writeFileSync(file, networksSpec(networks, body, name));
  const { code, stderr } = await gan("train", file, "--out", path.join(dir, name), "--no-eval");
  expect(code, stderr).toBe(0);
  return path.resolve(/^run directory: (.*)$/m.exec(stderr)![1]!);
}

describe("gan eval --drs / gan sample --drs of a trained run", () => {
  let runDir = "";
  beforeAll(async () => {
    runDir = await trainSmall("plain");
  }, TRAINING_TIMEOUT_MS);

  test("--drs measures the samples DRS keeps, from the last checkpoint's G and D, and reports what it kept", async () => {
    const plain = await evalJson(runDir);
    expect(plain.rejectionSampling).toBeUndefined();
    const filtered = await evalJson(runDir, "--drs", "--drs-percentile", "80", "--drs-calibrate", "0");
    expect(filtered).toMatchObject({ steps: 300, weightsFrom: path.join("checkpoints", "step-000300") });
    expect(filtered.rejectionSampling).toMatchObject({ percentile: 80, accepted: 400, burnIn: 10_000 });
    const { candidates, acceptance } = filtered.rejectionSampling!;
    expect(acceptance).toBeCloseTo(400 / candidates, 12);
    expect(acceptance).toBeGreaterThan(0);
    expect(acceptance).toBeLessThan(1);
    // D rates the samples between the modes fake: more of those kept lie near a mode.
    expect(filtered.metrics.highQuality).toBeGreaterThan(plain.metrics.highQuality);
    // The default percentile, 95, rejects more.
    const strict = await evalJson(runDir, "--drs", "--drs-calibrate", "0");
    expect(strict.rejectionSampling!.percentile).toBe(95);
    expect(strict.rejectionSampling!.acceptance).toBeLessThan(acceptance);
    // report.html, refreshed by gan eval, says that its metrics are of filtered samples.
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toMatch(/filtered by<\/th><td>DRS at the 95th percentile: kept 400 of/);
  });

  test("gan sample --drs is deterministic, says what it kept, and differs from the plain samples", async () => {
    const sample = (...flags: string[]) => ok("sample", runDir, "--format", "csv", "-n", "64", "--backend", "cpu", ...flags);
    const a = await sample("--drs", "--drs-calibrate", "0");
    expect(a.stderr).toMatch(/^DRS at the 95th percentile: kept 64 of [\d,]+ candidates \(\d+\.\d%\), burn-in 10,000/m);
    expect((await sample("--drs", "--drs-calibrate", "0")).stdout).toBe(a.stdout);
    expect((await sample()).stdout).not.toBe(a.stdout);
  });

  test("--drs-calibrate trains a copy of D first: deterministic, reported, and the checkpoints on disk are unchanged", async () => {
    const checkpoints = path.join(runDir, "checkpoints");
    const before = fileHashes(checkpoints);
    expect(Object.keys(before).length).toBeGreaterThan(0);
    const calibrated = await evalJson(runDir, "--drs", "--drs-calibrate", "100", "--drs-calibrate-rate", "1e-3");
    expect(calibrated.rejectionSampling).toMatchObject({ calibrationSteps: 100, calibrationRate: 1e-3, accepted: 400 });
    expect(fileHashes(checkpoints)).toEqual(before);
    const again = await evalJson(runDir, "--drs-calibrate", "100", "--drs-calibrate-rate", "1e-3");
    expect(again.metrics).toEqual(calibrated.metrics);
    // --drs alone calibrates with the defaults (5,000 steps: too slow for a test on cpu); --drs-calibrate 0 uses the checkpoint's D as it is.
    expect(rejectionSamplingFlags("eval", { drs: true })).toMatchObject({ calibrationSteps: 5000, calibrationRate: 1e-3, calibrationFinalRate: 1e-5 });
    const asTrained = await evalJson(runDir, "--drs-calibrate", "0");
    expect(asTrained.rejectionSampling!.calibrationSteps).toBe(0);
    expect(asTrained.metrics).not.toEqual(calibrated.metrics);
    const sample = await ok("sample", runDir, "--format", "csv", "-n", "16", "--backend", "cpu", "--drs-calibrate", "20");
    expect(sample.stderr).toMatch(/D calibrated for 20 steps at rate 0.001/);
  });

  test("--drs-calibrate-final-rate and --drs-calibrate-batch: deterministic, reported, and a calibration of their own", async () => {
    const flags = ["--drs-calibrate", "100", "--drs-calibrate-rate", "1e-3"];
    // By default the rate falls to 1e-5; the same final rate as the first is a constant rate.
    const falling = await evalJson(runDir, ...flags);
    expect(falling.rejectionSampling).toMatchObject({ calibrationSteps: 100, calibrationRate: 1e-3, calibrationFinalRate: 1e-5, accepted: 400 });
    expect(falling.rejectionSampling!.calibrationBatch).toBeUndefined();
    expect((await evalJson(runDir, ...flags, "--drs-calibrate-final-rate", "1e-5")).metrics).toEqual(falling.metrics);
    const constant = await evalJson(runDir, ...flags, "--drs-calibrate-final-rate", "1e-3");
    expect(constant.rejectionSampling).toMatchObject({ calibrationRate: 1e-3, calibrationFinalRate: 1e-3 });
    expect(constant.metrics).not.toEqual(falling.metrics);
    const larger = await evalJson(runDir, ...flags, "--drs-calibrate-batch", "200");
    expect(larger.rejectionSampling).toMatchObject({ calibrationBatch: 200, accepted: 400 });
    expect(larger.metrics).not.toEqual(falling.metrics);
    const sample = await ok("sample", runDir, "--format", "csv", "-n", "16", "--backend", "cpu", "--drs-calibrate", "20", "--drs-calibrate-final-rate", "1e-5", "--drs-calibrate-batch", "50");
    expect(sample.stderr).toMatch(/D calibrated for 20 steps at rate 0.001 falling to 0.00001, batches of 50/);
    const flat = await ok("sample", runDir, "--format", "csv", "-n", "16", "--backend", "cpu", "--drs-calibrate", "20", "--drs-calibrate-final-rate", "1e-3");
    expect(flat.stderr).toMatch(/D calibrated for 20 steps at rate 0.001$/m);
  });

  test("a bad --drs-calibrate-final-rate or --drs-calibrate-batch is one line naming the flag", async () => {
    for (const value of ["0", "-1e-5", "x", ""]) {
      expect(await fails("eval", runDir, `--drs-calibrate-final-rate=${value}`)).toMatch(/gan eval: --drs-calibrate-final-rate needs a positive learning rate/);
    }
    for (const value of ["0", "-5", "2.5", "x", ""]) {
      expect(await fails("sample", runDir, `--drs-calibrate-batch=${value}`)).toMatch(/gan sample: --drs-calibrate-batch needs a whole number of samples, at least 1/);
    }
    expect(await fails("eval", runDir, "--drs-calibrate", "0", "--drs-calibrate-final-rate", "1e-5")).toMatch(/--drs-calibrate-final-rate sets the last rate of D's calibration, which --drs-calibrate 0 turns off/);
    expect(await fails("eval", runDir, "--drs-calibrate", "0", "--drs-calibrate-batch", "500")).toMatch(/--drs-calibrate-batch sets the batch of D's calibration, which --drs-calibrate 0 turns off/);
  });

  test("a bad --drs-calibrate or --drs-calibrate-rate is one line naming the flag", async () => {
    for (const value of ["-1", "2.5", "x", ""]) {
      expect(await fails("eval", runDir, `--drs-calibrate=${value}`)).toMatch(/gan eval: --drs-calibrate needs a whole number of D updates/);
    }
    for (const value of ["0", "-1e-3", "x"]) {
      expect(await fails("sample", runDir, "--drs-calibrate", "10", `--drs-calibrate-rate=${value}`)).toMatch(/gan sample: --drs-calibrate-rate needs a positive learning rate/);
    }
    expect(await fails("eval", runDir, "--drs-calibrate", "0", "--drs-calibrate-rate", "1e-3")).toMatch(/--drs-calibrate-rate sets the rate of D's calibration, which --drs-calibrate 0 turns off/);
  });

  test("a bad --drs-percentile is one line naming the flag", async () => {
    for (const value of ["120", "-1", "x", ""]) {
      expect(await fails("eval", runDir, `--drs-percentile=${value}`)).toMatch(/--drs-percentile needs a number from 0 to 100/);
    }
    expect(await fails("sample", runDir, "--format", "csv", "--drs-percentile", "101")).toMatch(/gan sample: --drs-percentile/);
  });
});

test("with @gan/pack, D's logit per pack decides for the whole pack", async () => {
  const runDir = await trainSmall("packed", '  use "@gan/pack" { m: 2 }\n', [], 100);
  const report = await evalJson(runDir, "--drs", "--drs-calibrate", "20");
  expect(report.rejectionSampling).toMatchObject({ accepted: 400, percentile: 95, calibrationSteps: 20 });
  // Candidates are counted in whole packs.
  expect(report.rejectionSampling!.candidates % 2).toBe(0);
  expect(report.rejectionSampling!.acceptance).toBeGreaterThan(0);
  expect(report.rejectionSampling!.acceptance).toBeLessThan(1);
}, TRAINING_TIMEOUT_MS);

describe('use "@gan/drs" in a spec', () => {
  test("the run's evals and its gan eval measure the samples DRS keeps, with the spec's options", async () => {
    const runDir = await trainSmall("spec", '  use "@gan/drs" { percentile: 80, burnIn: 2000, calibrate: 20 }\n', ['eval every 300 { metrics: ["modes", "high_quality"], samples: 400 }']);
    const line = readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as Record<string, number>)
      .find((entry) => entry.eval_seconds !== undefined)!;
    const report = await evalJson(runDir);
    expect(report.rejectionSampling).toMatchObject({ percentile: 80, burnIn: 2000, accepted: 400, calibrationSteps: 20 });
    // The same 400 filtered samples (seed 0) as the eval at step 300.
    expect(line.step).toBe(300);
    expect(report.metrics.highQuality * 100).toBeCloseTo(line.eval_high_quality_pct!, 10);
    // --drs-percentile overrides the spec's percentile.
    expect((await evalJson(runDir, "--drs-percentile", "50", "--drs-calibrate", "0")).rejectionSampling!.percentile).toBe(50);
  }, TRAINING_TIMEOUT_MS);

  test("the spec's calibrate option trains a copy of D before each draw", async () => {
    const runDir = await trainSmall("spec-calibrated", '  use "@gan/drs" { percentile: 80, burnIn: 2000, calibrate: 30, calibrateRate: 1e-3, calibrateFinalRate: 1e-5, calibrateBatch: 50 }\n', [], 100);
    const report = await evalJson(runDir);
    expect(report.rejectionSampling).toMatchObject({ percentile: 80, calibrationSteps: 30, calibrationRate: 1e-3, calibrationFinalRate: 1e-5, calibrationBatch: 50 });
    // The same as the flags ask for on a run without @gan/drs: the spec's options are the flags'.
    const flags = await evalJson(runDir, "--drs-percentile", "80", "--drs-calibrate", "30", "--drs-calibrate-rate", "1e-3", "--drs-calibrate-final-rate", "1e-5", "--drs-calibrate-batch", "50");
    expect(flags.metrics).toEqual(report.metrics);
  }, TRAINING_TIMEOUT_MS);

  test("an option out of range is refused before training, naming the trick and the option", async () => {
    const file = path.join(dir, "bad.gan");
    for (const [options, name] of [
      ["percentile: 150", "percentile"],
      ["calibrate: -5", "calibrate"],
      ["calibrate: 10, calibrateRate: 0", "calibrateRate"],
      ["calibrateFinalRate: -1e-5", "calibrateFinalRate"],
      ["calibrateBatch: 2.5", "calibrateBatch"],
    ] as const) {
      writeFileSync(file, tinyRingSpec(`  loss nonsaturating\n  optimizer adam { lr: 1e-2 }\n  train {\n    steps 2\n    backend cpu\n  }\n  use "@gan/drs" { ${options} }\n`, "bad"));
      const { code, stderr } = await gan("train", file, "--out", path.join(dir, "bad"), "--no-eval");
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/@gan\/drs/);
      expect(stderr).toMatch(name);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
