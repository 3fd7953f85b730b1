/**
 * `eval every` in tiny real runs: the eval lines of metrics.jsonl, checkpoints/best (the best
 * eval's, kept by `keep 1`, the same after a resume), `stop when ... stalls`, and evaluation
 * from @gan/ema's average (the same numbers as `gan eval` of the finished run); the metric
 * curves in report.html and in the TensorBoard event files, for a ring and for an images folder
 * measured on the feature network its eval block names.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { buildNetwork, encodePng, EVENT_TYPE, readTfRecords } from "@gan/core/runtime";
import { saveLayersModel } from "@gan/metrics";
import { registerCommand } from "../main.js";
import { networksSpec, tinyRingSpec } from "@gan/core/testing";
import { gan, scratchDirectory } from "../test-support.js";

registerCommand("train", () => import("./train.js"));
registerCommand("check", () => import("./check.js"));
registerCommand("eval", () => import("./eval.js"));

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

/** The steps at which each scalar tag was written to the run's TensorBoard event files. */
function tensorBoardSteps(runDir: string): Map<string, number[]> {
  const dir = path.join(runDir, "tensorboard");
  const steps = new Map<string, number[]>();
  for (const name of readdirSync(dir).filter((file) => file.startsWith("events.out.tfevents.")).sort()) {
    for (const record of readTfRecords(readFileSync(path.join(dir, name)))) {
      const event = EVENT_TYPE.toObject(EVENT_TYPE.decode(record), { longs: Number, defaults: false }) as { step?: number; summary?: { value: { tag: string; simpleValue?: number }[] } };
      for (const value of event.summary?.value ?? []) if (value.simpleValue !== undefined) steps.set(value.tag, [...(steps.get(value.tag) ?? []), event.step ?? 0]);
    }
  }
  return steps;
}

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
    // The lines' milliseconds, summed, are run.json's total rounded to 0.01 s: at most 0.005 s apart
    // (0.085 -> 0.09 is exactly that, which toBeCloseTo(..., 2) refuses).
    const summed = lines.reduce((sum, line) => sum + line.eval_seconds, 0);
    expect(Math.abs(info.timing.evaluationSeconds - summed)).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(info.timing.trainingSeconds).toBeGreaterThan(0);
    expect(stderr).toMatch(/^eval at step 10: modes \d, reverse_kl [\d.]+ \([\d.]+ s; [\d.]+ s evaluating so far\)$/m);
    expect(stderr).toMatch(/^evaluation during training: [\d.]+ s over the run, [\d.]+% of its time \(training [\d.]+ s\)$/m);
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("Evaluation during training (eval every 10 steps)");
    const board = tensorBoardSteps(runDir);
    expect(board.get("eval_reverse_kl")).toEqual(lines.filter((line) => line.eval_reverse_kl !== null).map((line) => line.step));
    expect(board.get("eval_modes")).toEqual([10, 20, 30, 40, 50, 60]);
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
  }, 300_000);

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

  test("MNIST: the Fréchet distance in the MNIST classifier's features at each eval, in metrics.jsonl, report.html and TensorBoard; checkpoints/best is the best eval's", async () => {
    const file = path.join(dir, "mnist.gan");
    writeFileSync(
      file,
      networksSpec(
        { data: "mnist", latent: 4, generator: ["dense 28*28 sigmoid", "reshape [28, 28, 1]"], discriminator: ["flatten", "dense 1"] },
        `  loss nonsaturating
  optimizer adam { lr: 1e-2 }
  train {
    steps 6
    batch 8
    seed 2
    backend wasm // the classifier reads 10,000 test images: wasm is several times faster than cpu
    checkpoint every 2
    keep 1
    eval every 2 { metrics: ["fid", "classifier_score"], samples: 16 }
    keep best fid
  }`,
        "mnist",
      ),
    );
    const { runDir } = await train(file, "--out", path.join(dir, "mnist"), "--no-eval");
    const lines = evalLines(runDir);
    expect(lines.map((line) => line.step)).toEqual([2, 4, 6]);
    expect(Object.keys(lines[0]!)).toEqual(["step", "eval_fd@mnist-classifier", "eval_classifier_score", "eval_seconds"]);
    const best = lines.reduce((a, b) => (b["eval_fd@mnist-classifier"]! < a["eval_fd@mnist-classifier"]! ? b : a));
    expect(manifestStep(path.join(runDir, "checkpoints", "best"))).toBe(best.step);
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("Fréchet distance (MNIST classifier features)");
    const board = tensorBoardSteps(runDir);
    expect(board.get("eval_fd@mnist-classifier")).toEqual([2, 4, 6]);
    expect(board.get("eval_classifier_score")).toEqual([2, 4, 6]);
  }, 180_000);

  describe("an images folder on the feature network of its eval block", () => {
    /** 16 PNGs of 8x8 RGB: a coloured 4x4 square in one of four corners on black. */
    function squares(): string {
      const folder = path.join(dir, "squares");
      mkdirSync(folder, { recursive: true });
      for (let i = 0; i < 16; i++) {
        const pixels = new Uint8Array(8 * 8 * 3);
        const [top, left] = [(i % 2) * 4, (Math.floor(i / 2) % 2) * 4];
        for (let y = top; y < top + 4; y++) for (let x = left; x < left + 4; x++) pixels.set([40 * (i % 6), 255 - 12 * i, 128], (y * 8 + x) * 3);
        writeFileSync(path.join(folder, `${String(i).padStart(2, "0")}.png`), encodePng(8, 8, 3, pixels));
      }
      return folder;
    }

    /** The "feature network": 8x8x3 -> flatten ('d0_flatten') -> a seeded 6-unit projection ('d1_dense'). */
    async function featureNetwork(): Promise<string> {
      const network = { inputShape: [8, 8, 3], layers: [{ type: "flatten" as const }, { type: "dense" as const, units: 6 }] };
      await saveLayersModel(buildNetwork(network, "discriminator", { seed: 5 }), path.join(dir, "net"));
      return path.join(dir, "net", "model.json");
    }

    function imagesSpec(name: string, evalOptions: string): string {
      const file = path.join(dir, `${name}.gan`);
      writeFileSync(
        file,
        networksSpec(
          { data: 'images "squares" { size: [8, 8], channels: 3 }', latent: 4, generator: ["dense 8*8*3 sigmoid", "reshape [8, 8, 3]"], discriminator: ["flatten", "dense 1"] },
          `  loss nonsaturating
  optimizer adam { lr: 1e-2 }
  train {
    steps 20
    batch 8
    seed 3
    backend cpu
    checkpoint every 5
    keep 1
    eval every 5 { ${evalOptions} }
    keep best fd
  }`,
          name,
        ),
      );
      return file;
    }

    test("the feature metrics at each eval, named after the network, in metrics.jsonl, report.html and TensorBoard; checkpoints/best is the best eval's; gan eval uses the same network", async () => {
      squares();
      await featureNetwork();
      const file = imagesSpec("squares", 'metrics: ["fd", "kid"], samples: 16, features: "net/model.json", featuresLayer: "d1_dense"');
      // Without --no-eval: the finished run is measured as gan eval measures it, on the spec's network.
      const { runDir, stderr } = await train(file, "--out", path.join(dir, "images"));
      expect(stderr).toMatch(/^squares: on net:d1_dense features: Fréchet distance [\d.]+, KID /m);
      const atEnd = JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")) as { metrics: { figures: { features: { id: string } } } };
      expect(atEnd.metrics.figures.features.id).toBe("net:d1_dense");
      const lines = evalLines(runDir);
      expect(lines.map((line) => Object.keys(line))).toEqual(Array(4).fill(["step", "eval_fd@net:d1_dense", "eval_kid@net:d1_dense", "eval_seconds"]));
      expect(lines.map((line) => line.step)).toEqual([5, 10, 15, 20]);
      expect(lines.every((line) => Number.isFinite(line["eval_fd@net:d1_dense"]) && Number.isFinite(line["eval_kid@net:d1_dense"]))).toBe(true);
      expect(stderr).toMatch(/^eval at step 5: fd [\d.]+, kid -?[\d.e-]+ /m);
      const best = lines.reduce((a, b) => (b["eval_fd@net:d1_dense"]! < a["eval_fd@net:d1_dense"]! ? b : a));
      expect(manifestStep(path.join(runDir, "checkpoints", "best"))).toBe(best.step);
      const report = readFileSync(path.join(runDir, "report.html"), "utf8");
      expect(report).toContain("Evaluation during training (eval every 5 steps)");
      expect(report).toContain("Fréchet distance (fd@net:d1_dense)");
      expect(report).toContain("KID (kid@net:d1_dense)");
      const board = tensorBoardSteps(runDir);
      expect(board.get("eval_fd@net:d1_dense")).toEqual([5, 10, 15, 20]);
      expect(board.get("eval_kid@net:d1_dense")).toEqual([5, 10, 15, 20]);
      // gan eval without --features measures on the network the spec named, and says so.
      const evaluated = await gan("eval", runDir, "-n", "16", "--format", "json");
      expect(evaluated.code, evaluated.stderr).toBe(0);
      const figures = (JSON.parse(evaluated.stdout) as { metrics: { figures: { features: { id: string }; fd: number } } }).metrics.figures;
      expect(figures.features.id).toBe("net:d1_dense");
      expect(Number.isFinite(figures.fd)).toBe(true);
    }, 300_000);

    test("gan check points at a feature network that is missing or lacks the layer named, and trains nothing", async () => {
      squares();
      await featureNetwork();
      const missing = await gan("check", imagesSpec("missing", 'features: "nowhere/model.json"'));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/missing\.gan:21:30: error: features: cannot read the model at .*nowhere\/model\.json: ENOENT/);
      const layer = await gan("check", imagesSpec("layer", 'features: "net/model.json", featuresLayer: "pool_3"'));
      expect(layer.code).toBe(1);
      expect(layer.stderr).toMatch(/layer\.gan:21:63: error: features: .*net\/model\.json: no layer 'pool_3'; its layers are .*'d1_dense'/);
    });
  });
});
