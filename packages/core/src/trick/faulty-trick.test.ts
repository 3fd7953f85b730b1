/**
 * Faulty tricks in a run: one that throws, returns a wrong shape or leaks tensors is named
 * with the hook it was in and the step; the run stops, is marked failed with the error in
 * its log.txt, and keeps its last checkpoint, valid, to resume from.
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { tinyRingPlan, useOf } from "../loop/test-plan.js";
import { verifyCheckpoint } from "../run/checkpoint.js";
import { train } from "../run/train.js";
import { defineTrick, z, type Trick } from "./define-trick.js";
import type { TrickHooks } from "./hooks.js";

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "gan-faulty-trick-"));
  await selectBackend("cpu");
});

function fixture(name: string, setup: (ctx: Parameters<NonNullable<Trick["setup"]>>[0]) => TrickHooks): Trick {
  return defineTrick({ name, options: z.object({}), setup });
}

/** Runs 20 steps with a checkpoint every 4 and the trick; returns the error and the run directory. */
async function runWith(trick: Trick, name: string): Promise<{ error: Error; runDir: string }> {
  const out = path.join(root, name);
  const plan = tinyRingPlan({ train: { steps: 20, logEvery: 1, checkpointEvery: 4, sampleEvery: 0 }, tricks: [useOf(trick.name)] });
  const error = await train(plan, { out, progress: false, tricks: [trick] }).then(
    () => new Error("the run did not fail"),
    (e: Error) => e,
  );
  const runs = readdirSync(path.join(out, "tiny-ring"));
  return { error, runDir: path.join(out, "tiny-ring", runs[0]!) };
}

function expectStoppedCleanly(runDir: string, message: string, lastCheckpoint: string): void {
  const run = JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8"));
  expect(run.status).toBe("failed");
  expect(run.error).toBe(message);
  expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).toContain(`error: ${message}`);
  const checkpoints = readdirSync(path.join(runDir, "checkpoints")).sort();
  expect(checkpoints.at(-1)).toBe(lastCheckpoint);
  expect(verifyCheckpoint(path.join(runDir, "checkpoints", lastCheckpoint)).ok).toBe(true);
}

describe("a faulty trick", () => {
  test("one that throws is named with its hook and step", async () => {
    const trick = fixture("@acme/throws", () => ({
      afterGeneratorStep: ({ step }) => {
        if (step === 9) throw new Error("boom");
      },
    }));
    const { error, runDir } = await runWith(trick, "throws");
    expect(error.message).toBe("trick '@acme/throws' failed in hook 'afterGeneratorStep' at step 9: boom");
    expectStoppedCleanly(runDir, error.message, "step-000008");
  });

  test("one that returns a wrong shape is named with its hook and what was expected", async () => {
    const trick = fixture("@acme/shape", ({ tf: t }) => ({
      discriminatorFakeInputs: (fake, step) => (step === 6 ? t.slice(fake, [0, 0], [8, 2]) : fake),
    }));
    const { error, runDir } = await runWith(trick, "shape");
    expect(error.message).toBe(
      "trick '@acme/shape' failed in hook 'discriminatorFakeInputs' at step 6: it returned a tensor of shape [8, 2] for the fake batch, which has shape [16, 2]",
    );
    expectStoppedCleanly(runDir, error.message, "step-000004");
  });

  test("one that leaks tensors is named with its hook once the leak repeats", async () => {
    const trick = fixture("@acme/leaky", ({ tf: t }) => ({
      afterDiscriminatorStep: ({ step }) => {
        // From step 5 on, a tensor made outside any tidy and never disposed.
        if (step >= 5) t.fill([4], 1);
      },
    }));
    const { error, runDir } = await runWith(trick, "leaky");
    expect(error.message).toBe(
      "trick '@acme/leaky' failed in hook 'afterDiscriminatorStep' at step 7: it leaks tensors: each of its last 3 calls left more live tensors behind (1 at this one); dispose what it creates, wrap its work in tf.tidy, or tf.keep only what it replaces",
    );
    expectStoppedCleanly(runDir, error.message, "step-000004");
  });

  test("one that grows once and then replaces what it keeps (EMA, a replay buffer) is not a leak", async () => {
    let kept: tf.Tensor | undefined;
    const trick = fixture("@acme/keeper", ({ tf: t }) => ({
      afterGeneratorStep: ({ step }) => {
        const previous = kept;
        kept = t.keep(t.fill([3], step));
        previous?.dispose();
      },
    }));
    const plan = tinyRingPlan({ train: { steps: 12, checkpointEvery: 0, sampleEvery: 0 }, tricks: [useOf(trick.name)] });
    const result = await train(plan, { out: path.join(root, "keeper"), progress: false, tricks: [trick] });
    expect(result.steps).toBe(12);
    kept?.dispose();
  });
});
