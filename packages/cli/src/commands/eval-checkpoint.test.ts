/**
 * `gan eval` and `gan sample` of a run's checkpoints: a checkpoint's generator/ holds the raw
 * weights and @gan/ema's average lives in its tricks.bin, so a run stopped before its end, or
 * `--checkpoint best`, must be measured and sampled from the average, as the run's own evals
 * did; a checkpoint that does not exist is named with the ones that do.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { tinyRingSpec } from "@gan/core/testing";
import { registerCommand } from "../main.js";
import { gan, scratchDirectory } from "../test-support.js";

registerCommand("train", () => import("./train.js"));
registerCommand("eval", () => import("./eval.js"));
registerCommand("sample", () => import("./sample.js"));

const dir = scratchDirectory("gan-eval-checkpoint-test-", { inRepository: true });

type EvalLine = { step: number; eval_modes: number; eval_reverse_kl: number | null };
interface Report {
  steps: number;
  weightsFrom: string;
  ema: boolean;
  metrics: { modes: number; highQuality: number; reverseKL: number | null };
}

const evalLines = (runDir: string): EvalLine[] =>
  readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as EvalLine & { eval_seconds?: number })
    .filter((line) => line.eval_seconds !== undefined);

async function ok(...argv: string[]): Promise<string> {
  const { code, stdout, stderr } = await gan(...argv);
  expect(code, stderr).toBe(0);
  return stdout;
}

const evalJson = async (runDir: string, ...flags: string[]) => JSON.parse(await ok("eval", runDir, "--format", "json", "-n", "400", "--backend", "cpu", ...flags)) as Report;
const sampleCsv = (runDir: string, ...flags: string[]) => ok("sample", runDir, "--format", "csv", "-n", "64", "--backend", "cpu", ...flags);

describe("gan eval / gan sample of a run with @gan/ema, from its checkpoints", () => {
  let runDir = "";
  /** The finished run's samples: generator/, the average at its last step. */
  let finalSamples = "";

  beforeAll(async () => {
    const file = path.join(dir, "ema.gan");
    const train = ["batch 32", "seed 4", "backend cpu", "steps 40", "checkpoint every 10", "keep 1", 'eval every 10 { metrics: ["modes", "reverse_kl"], samples: 400 }', "keep best reverse_kl"];
    writeFileSync(
      file,
      tinyRingSpec(`  optimizer generator adam { lr: 1e-2 }\n  optimizer discriminator adam { lr: 1e-2 }\n  train {\n${train.map((line) => `    ${line}\n`).join("")}  }\n  use "@gan/ema" { decay: 0.9 }\n`),
    );
    const { code, stderr } = await gan("train", file, "--out", path.join(dir, "run"), "--no-eval");
    expect(code, stderr).toBe(0);
    runDir = path.resolve(/^run directory: (.*)$/m.exec(stderr)![1]!);
    finalSamples = await sampleCsv(runDir);
    // A run stopped after its last checkpoint (SIGINT, a crash) has no generator/: only checkpoints.
    rmSync(path.join(runDir, "generator"), { recursive: true });
  });

  test("a run stopped before its end is sampled and measured from the average, as its own eval at that step", async () => {
    // The average at step 40 from the checkpoint's trick state is the generator/ the run would have saved.
    expect(await sampleCsv(runDir)).toBe(finalSamples);
    const last = evalLines(runDir).at(-1)!;
    expect(last.step).toBe(40);
    const report = await evalJson(runDir);
    expect(report).toMatchObject({ steps: 40, weightsFrom: path.join("checkpoints", "step-000040"), ema: true });
    expect(report.metrics).toMatchObject({ modes: last.eval_modes, reverseKL: last.eval_reverse_kl });
  });

  test("--checkpoint best measures and samples the checkpoint keep best kept, at its step; a step or a name picks that checkpoint", async () => {
    const lines = evalLines(runDir).filter((line) => line.eval_reverse_kl !== null);
    const best = lines.reduce((a, b) => (b.eval_reverse_kl! < a.eval_reverse_kl! ? b : a));
    // Otherwise best would be the latest checkpoint and prove nothing.
    expect(best.step).toBeLessThan(40);
    const report = await evalJson(runDir, "--checkpoint", "best");
    expect(report).toMatchObject({ steps: best.step, weightsFrom: path.join("checkpoints", "best") });
    expect(report.metrics).toMatchObject({ modes: best.eval_modes, reverseKL: best.eval_reverse_kl });
    expect(await sampleCsv(runDir, "--checkpoint", "best")).not.toBe(finalSamples);

    expect(await sampleCsv(runDir, "--checkpoint", "40")).toBe(finalSamples);
    expect(await sampleCsv(runDir, "--checkpoint", "step-000040")).toBe(finalSamples);
  });

  test.each(["eval", "sample"])("gan %s --checkpoint of a checkpoint that does not exist names the ones that do", async (command) => {
    for (const name of ["7", "../..", "latest"]) {
      const { code, stderr } = await gan(command, runDir, "--checkpoint", name, "--backend", "cpu");
      expect(code).not.toBe(0);
      expect(stderr).toContain(`has no checkpoint '${name}': its checkpoints are best, step-000040`);
      expect(stderr).not.toMatch(/^\s+at /m);
    }
  });
});
