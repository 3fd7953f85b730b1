/**
 * Early warnings from logged values: a discriminator that wins for long, a generator gradient
 * that explodes. Sequences of logged scalars first, then whole runs.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Tensor } from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { tinyRingPlan, useOf } from "../loop/test-plan.js";
import { defineTrick, z } from "../trick/define-trick.js";
import { train } from "./train.js";
import { TrainingMonitor, type Observed } from "./training-monitor.js";

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "gan-monitor-test-"));
  await selectBackend("cpu");
});

/** Logged lines at steps 10, 20, ...: D's accuracy and loss, G's loss. */
function lines(values: readonly (readonly [d_acc: number, d_loss: number, g_loss?: number])[]): Observed[] {
  return values.map(([d_acc, d_loss, g_loss], i) => ({ step: (i + 1) * 10, d_acc, d_loss, g_loss }));
}

function repeat<T>(count: number, value: T): T[] {
  return Array.from({ length: count }, () => value);
}

/** For each line, how many warnings it triggered. */
function warningsPerLine(monitor: TrainingMonitor, observed: readonly Observed[]): number[] {
  return observed.map((line) => monitor.observe(line).length);
}

describe("the discriminator winning", () => {
  test("a D that is right 99% of the time with a loss near 0 for a window warns once, with what to do", () => {
    const monitor = new TrainingMonitor({ winningWindow: 4 });
    const seen = lines([...repeat(2, [0.6, 1.3, 0.8] as const), ...repeat(6, [0.99, 0.014, 4.8] as const)]).map((line) => monitor.observe(line));
    // The window of 4 is all winning lines first at the 4th of them (line 6, step 60); then it warns no more.
    expect(seen.map((w) => w.length)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    expect(seen[5]![0]).toBe(
      "the discriminator is winning: over the 4 logged steps to step 60 it told real from fake 99.0% of the time with a mean loss of 0.014 " +
        "(1.386 at equilibrium), G's loss 4.800, so G gets little gradient. Weaken D: one-sided label smoothing " +
        '(use "@gan/label-smoothing" { real: 0.9 }), instance noise decaying to 0 (use "@gan/instance-noise"), ' +
        "or fewer D updates per G update and a lower D learning rate",
    );
  });

  test("a healthy run does not warn: D right about as often as not, its loss near ln 4", () => {
    const monitor = new TrainingMonitor({ winningWindow: 4 });
    const healthy = lines(Array.from({ length: 40 }, (_, i) => [0.5 + 0.15 * Math.sin(i), 1.3 + 0.1 * Math.cos(i), 0.75] as const));
    expect(warningsPerLine(monitor, healthy).every((n) => n === 0)).toBe(true);
  });

  test("it takes both: an accurate D with a moderate loss, or a low loss with a low accuracy, does not warn", () => {
    // Accurate but not confident (a loss of 1.0 is 72% of ln 4): a D that is right yet still gives G gradient.
    expect(warningsPerLine(new TrainingMonitor({ winningWindow: 4 }), lines(repeat(10, [0.99, 1.0] as const)))).toEqual(repeat(10, 0));
    expect(warningsPerLine(new TrainingMonitor({ winningWindow: 4 }), lines(repeat(10, [0.7, 0.2] as const)))).toEqual(repeat(10, 0));
  });

  test("a short spell of winning inside the window does not warn: the window's mean counts", () => {
    const monitor = new TrainingMonitor({ winningWindow: 4 });
    const spell = lines([...repeat(4, [0.6, 1.3] as const), ...repeat(2, [1, 0.01] as const), ...repeat(6, [0.6, 1.3] as const)]);
    expect(warningsPerLine(monitor, spell)).toEqual(repeat(12, 0));
  });

  test("once per episode: again only after D has stopped winning for a whole window", () => {
    const monitor = new TrainingMonitor({ winningWindow: 3 });
    const win = [1, 0.01] as const;
    const lose = [0.5, 1.4] as const;
    // Wins (warns at the 3rd), one losing line that does not clear the episode, wins again: no second warning.
    const flicker = lines([...repeat(3, win), lose, ...repeat(3, win)]);
    expect(warningsPerLine(monitor, flicker)).toEqual([0, 0, 1, 0, 0, 0, 0]);
    // Then D stops winning (the window's accuracy well below 95%), and wins again: a second warning.
    const next = [...repeat(3, lose), ...repeat(3, win)].map((v, i) => ({ step: 100 + i * 10, d_acc: v[0], d_loss: v[1] }));
    expect(warningsPerLine(monitor, next)).toEqual([0, 0, 0, 0, 0, 1]);
  });

  test("the loss sets the scale; a Wasserstein critic, whose loss has none, is not judged", () => {
    // least-squares: 0.25 at equilibrium; 0.2 is not a winning D there, 0.02 is.
    expect(warningsPerLine(new TrainingMonitor({ loss: "least-squares", winningWindow: 2 }), lines(repeat(4, [0.99, 0.2] as const)))).toEqual([0, 0, 0, 0]);
    const ls = new TrainingMonitor({ loss: "least-squares", winningWindow: 2 });
    expect(ls.observe(lines([[0.99, 0.02]])[0]!)).toEqual([]);
    expect(ls.observe({ step: 20, d_acc: 0.99, d_loss: 0.02 })[0]).toMatch(/\(0\.250 at equilibrium\)/);
    expect(warningsPerLine(new TrainingMonitor({ loss: "wasserstein", winningWindow: 2 }), lines(repeat(4, [1, 0] as const)))).toEqual([0, 0, 0, 0]);
  });
});

describe("G's gradient norm", () => {
  test("far above its early value for a window warns", () => {
    // A spike shorter than the window does not warn.
    const spike = new TrainingMonitor({ window: 2, baselineSteps: 3 });
    expect([1, 2, 1.5, 3, 500, 2, 400].flatMap((g_grad_norm, i) => spike.observe({ step: i, g_grad_norm }))).toEqual([]);
    const m = new TrainingMonitor({ window: 2, baselineSteps: 3 });
    const out = [1, 2, 1.5, 300, 400].map((g_grad_norm, i) => m.observe({ step: (i + 1) * 10, g_grad_norm }));
    expect(out.map((w) => w.length)).toEqual([0, 0, 0, 0, 1]);
    expect(out[4]![0]).toBe(
      "the generator's gradient norm has exploded: 400 at step 50, over 100x its early value 1.50 for 2 logged steps (try a lower G learning rate or a gradient penalty)",
    );
  });
});

describe("in a run", () => {
  /** Shows D fakes moved far from the data, in both updates: D tells them apart at once and for good. */
  const obviousFakes = defineTrick({
    name: "obvious-fakes",
    options: z.object({}),
    setup: ({ tf }) => {
      const away = (fake: Tensor) => tf.add(fake, 3);
      return {
        discriminatorInputs: (inputs: { real: Tensor; fake: Tensor }) => ({ real: inputs.real, fake: away(inputs.fake) }),
        discriminatorFakeInputs: away,
      };
    },
  });

  test("a D that wins warns on the progress line and in log.txt, once", async () => {
    const base = tinyRingPlan({ train: { steps: 120, logEvery: 2, checkpointEvery: 0, sampleEvery: 0 }, tricks: [useOf("obvious-fakes")] });
    // A fast D, so that it wins within a few dozen steps.
    const plan = { ...base, optimizers: { ...base.optimizers, discriminator: { ...base.optimizers.discriminator, lr: 0.02 } } };
    let progressText = "";
    const warnings: string[] = [];
    const result = await train(plan, {
      out: path.join(root, "wins"),
      tricks: [obviousFakes],
      onWarning: (message) => warnings.push(message),
      progress: { write: (t: string) => (progressText += t), isTTY: false, columns: 100 },
    });
    expect(warnings.filter((w) => w.startsWith("the discriminator is winning"))).toHaveLength(1);
    expect(progressText).toMatch(/the discriminator is winning/);
    expect(readFileSync(path.join(result.runDir, "log.txt"), "utf8")).toMatch(/warning: the discriminator is winning: over the 20 logged steps to step \d+ it told real from fake/);
    const logged = readFileSync(path.join(result.runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { d_acc: number });
    expect(logged.at(-1)!.d_acc).toBe(1);
  });

  test("the same run without the trick does not warn", async () => {
    const plan = tinyRingPlan({ train: { steps: 120, logEvery: 2, checkpointEvery: 0, sampleEvery: 0 } });
    const warnings: string[] = [];
    const result = await train(plan, { out: path.join(root, "fair"), progress: false, onWarning: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    expect(readFileSync(path.join(result.runDir, "log.txt"), "utf8")).not.toMatch(/warning/);
  });
});
