import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { JsonValue } from "@gan/core";
import { train, type MetricsLine } from "@gan/core/runtime";
import { createTrickHarness, tinyPlan, type TrickHarness } from "@gan/core/testing";
import replay from "./index.js";

const BATCH = 4;

/** One D update of the harness with a fake batch whose every value is `tag`; returns the batch D saw, by tag. */
function update(harness: TrickHarness<unknown>, step: number, tag: number): number[] {
  const { tf } = harness;
  harness.setStep(step);
  const real = tf.zeros([BATCH, 2]);
  const fake = tf.fill([BATCH, 2], tag);
  const seen = harness.hooks.discriminatorInputs!({ real, fake }, step);
  const tags = Array.from(seen.fake.dataSync()).filter((_, i) => i % 2 === 0);
  harness.hooks.afterDiscriminatorStep!({ step } as never);
  return tags;
}

function bufferTags(harness: TrickHarness<unknown>): number[] {
  const saved = harness.hooks.state!.save();
  const buffer = saved.tensors?.["buffer"];
  return buffer ? Array.from(buffer.dataSync()).filter((_, i) => i % 2 === 0) : [];
}

const count = (xs: number[], x: number) => xs.filter((y) => y === x).length;

async function setup(options: Record<string, JsonValue>, seed = 3) {
  return createTrickHarness(replay, { plan: tinyPlan({ train: { steps: 10, batch: BATCH, seed, backend: "cpu" } }), options });
}

describe("@gan/replay: buffer contents and mix ratio", () => {
  test("the buffer fills with whole batches, then half of each fake batch comes from it and as many entries are replaced", async () => {
    const harness = await setup({ size: 8, mix: 0.5 });
    // Step 0: nothing to replay yet.
    expect(update(harness, 0, 1)).toEqual([1, 1, 1, 1]);
    expect(bufferTags(harness)).toEqual([1, 1, 1, 1]);
    // Step 1: 2 of 4 from the buffer (tag 1), the rest fresh; the buffer grows to 8.
    expect(update(harness, 1, 2)).toEqual([1, 1, 2, 2]);
    expect(bufferTags(harness).sort()).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    // From then on: 2 replayed, 2 fresh; the buffer stays at 8 with 2 fresh entries per update.
    for (let step = 2; step < 6; step++) {
      const tag = step + 1;
      const seen = update(harness, step, tag);
      expect(seen.slice(2)).toEqual([tag, tag]);
      expect(seen.slice(0, 2).every((old) => old < tag)).toBe(true);
      const buffer = bufferTags(harness);
      expect(buffer).toHaveLength(8);
      expect(count(buffer, tag)).toBe(2);
    }
    expect(harness.logs.map((l) => l.value)).toEqual([0, 4, 8, 8, 8, 8]);
  });

  test("mix sets the share of replayed fakes; mix 0 leaves the batches alone", async () => {
    const quarter = await setup({ size: 16, mix: 0.25 });
    update(quarter, 0, 1);
    expect(update(quarter, 1, 2)).toEqual([1, 2, 2, 2]);
    const none = await setup({ size: 16, mix: 0 });
    update(none, 0, 1);
    expect(update(none, 1, 2)).toEqual([2, 2, 2, 2]);
  });

  test("the buffer and the draws survive a checkpoint: a restored trick replays what the original does", async () => {
    const original = await setup({ size: 8, mix: 0.5 });
    for (let step = 0; step < 4; step++) update(original, step, step + 1);
    // What a checkpoint keeps: the trick's state and its random stream (the hook bus saves the latter).
    const saved = original.hooks.state!.save();
    const random = original.randomState();
    const copy = { tensors: { buffer: original.tf.clone(saved.tensors!["buffer"]!) } };

    const resumed = await setup({ size: 8, mix: 0.5 }, 99);
    resumed.setRandomState(random);
    resumed.hooks.state!.restore(copy);
    copy.tensors.buffer.dispose();
    for (let step = 4; step < 8; step++) expect(update(resumed, step, step + 1)).toEqual(update(original, step, step + 1));
    expect(bufferTags(resumed)).toEqual(bufferTags(original));
  });
});

describe("@gan/replay in a run", () => {
  const out = mkdtempSync(path.join(tmpdir(), "gan-replay-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("a run resumed from a checkpoint trains exactly as an uninterrupted one", async () => {
    const plan = tinyPlan({
      name: "replay",
      tricks: [{ package: "@gan/replay", version: "0.1.0", options: { size: 40, mix: 0.5 } }],
      train: { steps: 6, batch: 16, seed: 4, logEvery: 1, checkpointEvery: 3, backend: "cpu" },
    });
    const collect = (lines: MetricsLine[]) => (line: MetricsLine) => lines.push(line);
    const whole: MetricsLine[] = [];
    await train(plan, { tricks: [replay], out: path.join(out, "whole"), progress: false, onMetrics: collect(whole) });
    const parts: MetricsLine[] = [];
    const first = await train(plan, { tricks: [replay], out: path.join(out, "parts"), progress: false, steps: 3, onMetrics: collect(parts) });
    await train(plan, { tricks: [replay], resume: first.runDir, progress: false, steps: 6, onMetrics: collect(parts) });
    const losses = (lines: MetricsLine[]) => lines.map((line) => [line.step, line.d_loss, line.g_loss, line["replay/buffer"]]);
    expect(losses(parts)).toEqual(losses(whole));
    // The buffer was full after the checkpoint (step 3: 3 batches of 16, capped at 40), so the resumed run replayed from it.
    expect(whole.map((line) => line["replay/buffer"])).toEqual([0, 16, 32, 40, 40, 40]);
  });
});
