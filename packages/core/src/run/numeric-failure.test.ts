/**
 * NaN and infinite losses or gradients: found at the step they appear (read with the log reads
 * and before every checkpoint, never per step), named, never written into a checkpoint;
 * `onNan: "rollback"` returns to the last checkpoint with halved learning rates.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Scalar, Tensor } from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { tinyRingPlan, useOf } from "../loop/test-plan.js";
import { defineTrick, z } from "../trick/define-trick.js";
import { verifyCheckpoint } from "./checkpoint.js";
import { train, type MetricsLine } from "./train.js";

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "gan-nan-test-"));
  await selectBackend("cpu");
});

/** Multiplies a loss by NaN (or Infinity) at the given steps, `times` times in all. */
function poison(atSteps: readonly number[], { times = Infinity, value = Number.NaN, hook = "generatorLoss" as "generatorLoss" | "discriminatorLoss" } = {}) {
  let fired = 0;
  return defineTrick({
    name: "poison",
    options: z.object({}),
    setup: ({ tf }) => {
      const maybe = (loss: Scalar, step: number): Scalar => {
        if (!atSteps.includes(step) || fired >= times) return loss;
        fired++;
        return tf.mul(loss, value) as Scalar;
      };
      return hook === "generatorLoss"
        ? { generatorLoss: (loss: Scalar, _context: unknown, step: number) => maybe(loss, step) }
        : { discriminatorLoss: (loss: Scalar, _context: unknown, step: number) => maybe(loss, step) };
    },
  });
}

function metrics(runDir: string): MetricsLine[] {
  const file = path.join(runDir, "metrics.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MetricsLine);
}

function onlyRun(out: string): string {
  const nameDir = path.join(out, "tiny-ring");
  const runs = readdirSync(nameDir);
  expect(runs).toHaveLength(1);
  return path.join(nameDir, runs[0]!);
}

describe("NaN and infinite values", () => {
  test("stop (default): the error names the loss and the step it appeared at, and the last good checkpoint is kept", async () => {
    // Logged every 5 steps: the NaN of step 7 is found at the read of step 10, and named as step 7.
    const plan = tinyRingPlan({ train: { steps: 20, logEvery: 5, checkpointEvery: 5, sampleEvery: 0 }, tricks: [useOf("poison")] });
    const out = path.join(root, "stop");
    await expect(train(plan, { out, progress: false, tricks: [poison([7])] })).rejects.toThrow(
      /^the generator loss \(g_loss\) became NaN or infinite at step 7; the last good checkpoint is checkpoints\/step-000005 \(try --on-nan rollback/,
    );
    const runDir = onlyRun(out);
    expect(readdirSync(path.join(runDir, "checkpoints"))).toEqual(["step-000005"]);
    expect(verifyCheckpoint(path.join(runDir, "checkpoints", "step-000005")).ok).toBe(true);
    expect(metrics(runDir).map((l) => l.step)).toEqual([5]);
    const run = JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8"));
    expect(run.status).toBe("failed");
    expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).toMatch(/error: the generator loss \(g_loss\) became NaN or infinite at step 7/);
  });

  test("gradients that go NaN under a finite loss are named as the gradients", async () => {
    // 0 * sqrt(r - r) adds 0 to the loss, but its gradient is 0 * (1 / 0) = NaN.
    const nanGradients = defineTrick({
      name: "poison",
      options: z.object({}),
      setup: ({ tf }) => ({
        discriminatorLoss: (loss: Scalar, context: { realLogits: Tensor }, step: number) =>
          step === 3 ? (tf.add(loss, tf.mul(0, tf.sum(tf.sqrt(tf.sub(context.realLogits, context.realLogits))))) as Scalar) : loss,
      }),
    });
    const plan = tinyRingPlan({ train: { steps: 10, logEvery: 5, checkpointEvery: 0, sampleEvery: 0 }, tricks: [useOf("poison")] });
    await expect(train(plan, { out: path.join(root, "gradients"), progress: false, tricks: [nanGradients] })).rejects.toThrow(
      /^the discriminator's gradients became NaN or infinite at step 3/,
    );
  });

  test("a NaN between log steps never reaches a checkpoint: it is checked for before each one is written", async () => {
    // Logs every 10 steps, checkpoints every 4: the NaN of step 5 is caught before step-000008 is written.
    const plan = tinyRingPlan({ train: { steps: 20, logEvery: 10, checkpointEvery: 4, sampleEvery: 0 }, tricks: [useOf("poison")] });
    const out = path.join(root, "before-checkpoint");
    await expect(train(plan, { out, progress: false, tricks: [poison([5], { value: Infinity, hook: "discriminatorLoss" })] })).rejects.toThrow(
      /^the discriminator loss \(d_loss\) became NaN or infinite at step 5; the last good checkpoint is checkpoints\/step-000004/,
    );
    expect(readdirSync(path.join(onlyRun(out), "checkpoints"))).toEqual(["step-000004"]);
  });

  test("rollback: back to the last checkpoint with halved learning rates, then on to the end", async () => {
    const plan = tinyRingPlan({ train: { steps: 12, logEvery: 1, checkpointEvery: 4, sampleEvery: 0 }, tricks: [useOf("poison")] });
    const warnings: string[] = [];
    const result = await train(plan, {
      out: path.join(root, "rollback"),
      progress: false,
      onNan: "rollback",
      tricks: [poison([6], { times: 1 })],
      onWarning: (message) => warnings.push(message),
    });
    expect(result.steps).toBe(12);
    expect(warnings).toEqual([
      "the generator loss (g_loss) became NaN or infinite at step 6; rolled back to step 4 with the learning rates halved (rollback 1 of at most 3)",
    ]);
    const lines = metrics(result.runDir);
    // One line per step: the lines after the checkpoint were dropped and written again.
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(lines.slice(0, 4).every((l) => l.g_lr === 1e-3 && l.d_lr === 1e-3)).toBe(true);
    expect(lines.slice(4).every((l) => l.g_lr === 5e-4 && l.d_lr === 5e-4)).toBe(true);
    expect(lines.every((l) => Number.isFinite(l.d_loss) && Number.isFinite(l.g_loss))).toBe(true);
    expect(readFileSync(path.join(result.runDir, "log.txt"), "utf8")).toMatch(/warning: the generator loss \(g_loss\) became NaN .* rolled back to step 4/);
  });

  test("rollback gives up after --max-rollbacks; before the first checkpoint it returns to step 0", async () => {
    const plan = tinyRingPlan({ train: { steps: 12, logEvery: 1, checkpointEvery: 0, sampleEvery: 0 }, tricks: [useOf("poison")] });
    const warnings: string[] = [];
    await expect(
      train(plan, { out: path.join(root, "give-up"), progress: false, onNan: "rollback", maxRollbacks: 2, tricks: [poison([3])], onWarning: (m) => warnings.push(m) }),
    ).rejects.toThrow(/^the generator loss \(g_loss\) became NaN or infinite at step 3; gave up after 2 rollbacks \(--max-rollbacks 2\); the last good checkpoint is checkpoints\/step-000000$/);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/rolled back to step 0 .*\(rollback 2 of at most 2\)/);
  });
});
