/**
 * `eval every` in tiny real runs: the eval lines of metrics.jsonl, checkpoints/best (the best
 * eval's, kept by `keep 1`, the same after a resume), `stop when ... stalls`, and evaluation
 * from @gan/ema's average (the same numbers as `gan eval` of the finished run).
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { tinyRingSpec } from "@gan/core/testing";
import { gan, scratchDirectory } from "../test-support.js";

registerCommand("train", () => import("./train.js"));

const dir = scratchDirectory("gan-train-eval-test-", { inRepository: true });

/** The tiny ring GAN with `train` settings and `extra` lines. */
function spec(name: string, trainSettings: string, extra = "", lr = "1e-2"): string {
  const file = path.join(dir, `${name}.gan`);
  const train = trainSettings.split("\n").map((line) => `    ${line}\n`).join("");
  writeFileSync(file, tinyRingSpec(`  optimizer generator adam { lr: ${lr} }\n  optimizer discriminator adam { lr: 1e-2 }\n  train {\n    batch 32\n    seed 4\n    backend cpu\n${train}  }\n${extra}`));
  return file;
}

async function train(...argv: string[]): Promise<{ runDir: string; stderr: string }> {
  const { code, stderr } = await gan("train", ...argv);
  expect(code, stderr).toBe(0);
  const runDir = /^run directory: (.*)$/m.exec(stderr)![1]!;
  return { runDir: path.resolve(runDir), stderr };
}

type EvalLine = { step: number; eval_seconds: number } & Record<string, number | null>;
const evalLines = (runDir: string): EvalLine[] =>
  readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as EvalLine)
    .filter((line) => "eval_seconds" in line);
const manifestStep = (checkpoint: string) => (JSON.parse(readFileSync(path.join(checkpoint, "manifest.json"), "utf8")) as { step: number }).step;
/** The step of the lowest reverse KL (the first of equals; null, an undefined KL with no high-quality sample, is never the best). */
const bestStep = (lines: EvalLine[]) => {
  const measured = lines.filter((line) => line.eval_reverse_kl !== null);
  return measured.reduce((best, line) => (line.eval_reverse_kl! < best.eval_reverse_kl! ? line : best)).step;
};

const BEST_KL = 'eval every 10 { metrics: ["modes", "reverse_kl"], samples: 400 }\nkeep best reverse_kl\ncheckpoint every 10\nkeep 1';

describe("eval every", () => {
  test("eval lines at its steps, checkpoints/best is the best eval's and survives keep 1, time reported apart", async () => {
    const { runDir, stderr } = await train(spec("best", `steps 60\n${BEST_KL}`), "--out", path.join(dir, "best"), "--no-eval");
    const lines = evalLines(runDir);
    expect(lines.map((line) => line.step)).toEqual([10, 20, 30, 40, 50, 60]);
    // The best is not simply the last eval here, and one eval has no high-quality sample at all.
    expect(bestStep(lines)).toBeLessThan(60);
    expect(lines.some((line) => line.eval_reverse_kl === null)).toBe(true);
    expect(Object.keys(lines[0]!)).toEqual(["step", "eval_modes", "eval_reverse_kl", "eval_seconds"]);
    expect(readdirSync(path.join(runDir, "checkpoints")).sort()).toEqual(["best", "step-000060"]);
    expect(manifestStep(path.join(runDir, "checkpoints", "best"))).toBe(bestStep(lines));
    const info = JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")) as { timing: { trainingSeconds: number; evaluationSeconds: number } };
    expect(info.timing.evaluationSeconds).toBeCloseTo(lines.reduce((sum, line) => sum + line.eval_seconds, 0), 2);
    expect(info.timing.trainingSeconds).toBeGreaterThan(0);
    expect(stderr).toMatch(/^eval at step 10: modes \d, reverse_kl [\d.]+ \([\d.]+ s; [\d.]+ s evaluating so far\)$/m);
    expect(stderr).toMatch(/^evaluation during training: [\d.]+ s over the run, [\d.]+% of its time \(training [\d.]+ s\)$/m);
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("Evaluation during training (eval every 10 steps)");
  });

  test("a resumed run keeps its best checkpoint and its eval history: the same as a run never interrupted", async () => {
    const file = spec("resumed", `steps 60\n${BEST_KL}`);
    const whole = await train(file, "--out", path.join(dir, "whole"), "--no-eval");
    const first = await train(file, "--out", path.join(dir, "halves"), "--no-eval", "--steps", "30");
    await train("--resume", first.runDir, "--steps", "60", "--no-eval");
    const lines = evalLines(first.runDir);
    expect(lines.map(({ eval_seconds: _, ...line }) => line)).toEqual(evalLines(whole.runDir).map(({ eval_seconds: _, ...line }) => line));
    const best = path.join(first.runDir, "checkpoints", "best");
    expect(manifestStep(best)).toBe(bestStep(lines));
    expect(readFileSync(path.join(best, "generator", "weights.bin"))).toEqual(readFileSync(path.join(whole.runDir, "checkpoints", "best", "generator", "weights.bin")));
  }, 120_000);

  test("stop when a metric stalls: a frozen generator never improves, so the run ends after the patience, with the reason in run.json", async () => {
    const file = spec("stall", 'steps 100\neval every 10 { metrics: ["modes"], samples: 200 }\nstop when modes stalls for 2 evals', "", "0");
    const { runDir, stderr } = await train(file, "--out", path.join(dir, "stall"), "--no-eval");
    const reason = "modes stalled: no eval better than";
    expect(stderr).toMatch(new RegExp(`^stopped early at step 30: ${reason} \\d \\(step 10\\) in the last 2 evals \\(steps 20-30; stop when modes stalls for 2 evals\\)$`, "m"));
    const info = JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")) as { status: string; stepsCompleted: number; stoppedEarly: { step: number; reason: string } };
    expect(info).toMatchObject({ status: "completed", stepsCompleted: 30, stoppedEarly: { step: 30, reason: expect.stringContaining(reason) } });
    // A finished run all the same: its last checkpoint and generator are written.
    expect(readdirSync(path.join(runDir, "checkpoints"))).toContain("step-000030");
    expect(readdirSync(runDir)).toContain("generator");
  });

  test("with @gan/ema the evaluation measures the average: its last line is what gan eval measures of the finished run", async () => {
    const file = spec("ema", "steps 40\neval every 40 { samples: 2500 }", '  use "@gan/ema" { decay: 0.9 }\n');
    const { runDir } = await train(file, "--out", path.join(dir, "ema"));
    const [last] = evalLines(runDir);
    const report = JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")) as { ema: boolean; metrics: { modes: number; highQuality: number; reverseKL: number | null } };
    expect(report.ema).toBe(true);
    expect(last).toMatchObject({ step: 40, eval_modes: report.metrics.modes, eval_high_quality_pct: report.metrics.highQuality * 100, eval_reverse_kl: report.metrics.reverseKL });
  });
});
