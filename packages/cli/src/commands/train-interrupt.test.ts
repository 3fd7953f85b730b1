/**
 * Interrupted runs, with real `gan train` processes:
 * - SIGINT / SIGTERM: the step in progress finishes, a checkpoint is written, exit 130 / 143;
 * - kill -9 at arbitrary moments (checkpoints are written at every step, so many kills land
 *   inside a write): the last checkpoint is valid, --resume continues from it, and the
 *   resumed run's losses equal those of a run that was never interrupted.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { findLatestCheckpoint } from "@gan/core/runtime";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { firstCheckpoint, gan, runDirIn, runLosses, scratchPlan, startTrain, tinyRingPlan } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));


const STEPS = 60;
const plan = tinyRingPlan({
  // A checkpoint at every step: most of the process's time is spent writing one.
  train: { steps: STEPS, batch: 16, logEvery: 1, checkpointEvery: 1, sampleEvery: 0, seed: 3 },
});

const { dir, planFile } = scratchPlan("gan-cli-interrupt-", plan);
let reference: { step: number; d_loss: number; g_loss: number }[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const straight = await gan("train", planFile, "--out", path.join(dir, "straight"));
  expect(straight.code).toBe(0);
  reference = runLosses(runDirIn(path.join(dir, "straight"))!);
  expect(reference).toHaveLength(STEPS);
}, 120_000);

describe("an interrupted gan train", () => {
  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    test(`${signal}: finishes the step, writes a checkpoint, exits ${exitCode}; --resume continues exactly`, async () => {
      const out = path.join(dir, signal);
      const { child, exited } = startTrain(planFile, out);
      const runDir = await firstCheckpoint(out, exited);
      child.kill(signal);
      const { code, stderr } = await exited;
      expect(code).toBe(exitCode);
      expect(stderr).toContain(`${signal}: stopping after this step and writing a checkpoint`);
      const run = JSON.parse(readFileSync(path.join(runDir!, "run.json"), "utf8"));
      expect(run.status).toBe("stopped");
      // The checkpoint of the step it stopped at is the newest, and valid.
      const latest = findLatestCheckpoint(path.join(runDir!, "checkpoints"));
      expect(latest?.manifest.step).toBe(run.stepsCompleted);
      expect(stderr).toContain(`stopped after ${run.stepsCompleted} steps`);

      const resumed = await gan("train", "--resume", runDir!);
      expect(resumed.code).toBe(0);
      expect(runLosses(runDir!)).toEqual(reference);
    }, 120_000);
  }

  test("kill -9 at arbitrary moments, also inside checkpoint writes: --resume continues from the last valid checkpoint, with the losses of an uninterrupted run", async () => {
    // Delays after the first checkpoint appears; spread so that kills land at different steps and phases.
    const delays = [0, 17, 45, 90, 150];
    let resumedTries = 0;
    for (const [i, delay] of delays.entries()) {
      const out = path.join(dir, `kill-${i}`);
      const { child, exited } = startTrain(planFile, out);
      const runDir = await firstCheckpoint(out, exited);
      await sleep(delay);
      child.kill("SIGKILL");
      const { signal } = await exited;
      if (signal !== "SIGKILL") continue; // finished before the kill: nothing to resume
      const latest = findLatestCheckpoint(path.join(runDir!, "checkpoints"));
      expect(latest, `try ${i}: a valid checkpoint survives`).toBeDefined();
      const resumed = await gan("train", "--resume", runDir!);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(runLosses(runDir!)).toEqual(reference);
      resumedTries++;
    }
    expect(resumedTries).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
