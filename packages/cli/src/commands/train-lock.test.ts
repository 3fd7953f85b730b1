/**
 * One writer per run directory: `gan train --resume RUN` while another `gan train` process
 * is training RUN is refused (exit 75) with the holder's pid, and touches nothing; the lock a
 * kill -9 leaves behind is taken over by the next resume; a lock held on another machine is
 * refused with the way to clear it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findLatestCheckpoint } from "@gan/core/runtime";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { firstCheckpoint, gan, startTrain, tinyRingPlan, trainedRun } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-lock-"));
});

const metricSteps = (runDir: string) =>
  readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as { step: number }).step);

describe("one writer per run directory", () => {
  test("two writers: the second is refused naming the first; after a kill -9 the stale lock is taken over", async () => {
    // Trains until it is killed: a checkpoint every 2 steps, a metrics line every step.
    const planFile = path.join(dir, "long.json");
    writeFileSync(planFile, JSON.stringify(tinyRingPlan({ train: { steps: 1_000_000, logEvery: 1, checkpointEvery: 2 } })));
    const out = path.join(dir, "two-writers");
    const first = startTrain(planFile, out);
    const runDir = await firstCheckpoint(out, first.exited);
    expect(runDir).toBeDefined();
    const lockFile = path.join(runDir!, "train.lock");
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ pid: first.child.pid, host: os.hostname() });

    const second = await gan("train", "--resume", runDir!, "--steps", "2000000");
    expect(second.code).toBe(75);
    expect(second.stdout).toBe("");
    expect(second.stderr).toMatch(
      new RegExp(`^gan: .+ is being trained by another gan process \\(pid ${first.child.pid}, since [0-9T:.-]+Z\\): one writer per run directory\\n$`),
    );

    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    // kill -9 leaves the lock behind, naming a process that no longer exists.
    expect(JSON.parse(readFileSync(lockFile, "utf8")).pid).toBe(first.child.pid);
    const last = findLatestCheckpoint(path.join(runDir!, "checkpoints"))!.manifest.step;

    const resumed = await gan("train", "--resume", runDir!, "--steps", String(last + 2));
    expect(resumed.code, resumed.stderr).toBe(0);
    // One writer at a time: every step logged once, in order.
    expect(metricSteps(runDir!)).toEqual(Array.from({ length: last + 2 }, (_, i) => i + 1));
    expect(() => readFileSync(lockFile)).toThrow(/ENOENT/);
  }, 120_000);

  test("a lock held on another machine is refused, with how to clear it", async () => {
    const runDir = await trainedRun(tinyRingPlan({ train: { checkpointEvery: 2 } }), dir, "elsewhere");
    const lockFile = path.join(runDir, "train.lock");
    writeFileSync(lockFile, JSON.stringify({ pid: 4242, host: "other-machine", startedAt: "2026-12-01T10:00:00.000Z" }));
    const { code, stderr } = await gan("train", "--resume", runDir, "--steps", "6");
    expect(code).toBe(75);
    expect(stderr).toBe(
      `gan: ${runDir} is being trained by another gan process (pid 4242 on other-machine, since 2026-12-01T10:00:00.000Z): ` +
        `one writer per run directory; if that machine's process is gone, delete ${lockFile}\n`,
    );
    expect(metricSteps(runDir)).toEqual([2, 4]);
  });
});
