/**
 * `gan train --on-nan stop|rollback --max-rollbacks K` end to end, on a plan whose learning
 * rates (1e30) blow the networks up at the first step. Detection itself, rollbacks that
 * succeed and the warnings: packages/core/src/run/numeric-failure.test.ts.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan, scratchPlan, tinyRingPlan } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));


const plan = tinyRingPlan({
  name: "blowup",
  optimizers: { generator: { kind: "sgd", lr: 1e30 }, discriminator: { kind: "sgd", lr: 1e30 } },
  train: { steps: 20, batch: 8, logEvery: 5, checkpointEvery: 2, sampleEvery: 0 },
});

const { dir, planFile } = scratchPlan("gan-cli-nan-", plan, "blowup.json");

describe("gan train --on-nan", () => {
  test("stop (default): one line naming the loss and the step, exit 1", async () => {
    const out = path.join(dir, "stop");
    const { code, stderr } = await gan("train", planFile, "--out", out);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "gan: the generator loss (g_loss) became NaN or infinite at step 0; no checkpoint was written before it (try --on-nan rollback, or lower learning rates)\n",
    );
    const runDir = path.join(out, "blowup", readdirSync(path.join(out, "blowup"))[0]!);
    expect(JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")).status).toBe("failed");
  });

  test("rollback: a warning per rollback, then gives up after --max-rollbacks", async () => {
    const { code, stderr } = await gan("train", planFile, "--out", path.join(dir, "rollback"), "--on-nan", "rollback", "--max-rollbacks", "1");
    expect(code).toBe(1);
    expect(stderr).toContain(
      "warning: the generator loss (g_loss) became NaN or infinite at step 0; rolled back to step 0 with the learning rates halved (rollback 1 of at most 1)",
    );
    expect(stderr).toMatch(/gan: the generator loss \(g_loss\) became NaN or infinite at step 0; gave up after 1 rollback \(--max-rollbacks 1\); the last good checkpoint is checkpoints\/step-000000\n$/);
  });

  test("a wrong --on-nan is a usage error", async () => {
    expect(await gan("train", planFile, "--on-nan", "ignore")).toMatchObject({ code: 2, stderr: "gan: gan train: --on-nan must be stop or rollback, got 'ignore'\n" });
  });
});
