import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { JsonValue, LayersModel, Plan } from "@gan/core";
import { sampleRun, train } from "@gan/core/runtime";
import { createTrickTrainer, probeTrick, tinyPlan } from "@gan/core/testing";
import ema from "./index.js";

const flat = (model: LayersModel) => model.trainableWeights.flatMap((weight) => Array.from(weight.read().dataSync()));

/** A plan whose generator has batch norm, so that non-trainable weights are part of the story. */
function planWithBatchnorm(overrides: Partial<Plan["train"]> = {}): Plan {
  const base = tinyPlan();
  return tinyPlan({
    name: "ema",
    networks: {
      generator: {
        inputShape: [4],
        layers: [{ type: "dense", units: 8 }, { type: "batchnorm" }, { type: "activation", activation: { kind: "relu" } }, { type: "dense", units: 2 }],
      },
      discriminator: base.networks.discriminator,
    },
    train: { ...base.train, ...overrides },
  });
}

describe("@gan/ema: the average", () => {
  // With a relativistic loss too: G's update then also reads a real batch, and the average must not care.
  test.each(["nonsaturating", "ralsgan"] as const)("%s: the sampling generator's weights equal the hand-computed EMA of G's weights after each update", async (loss) => {
    const history: number[][] = [];
    const probe = probeTrick({ afterGeneratorStep: ({ generator }) => void history.push(flat(generator)) });
    const plan = { ...planWithBatchnorm(), loss: { kind: loss } };
    const { trainer } = await createTrickTrainer(plan, [{ trick: ema, options: { decay: 0.8 } }, { trick: probe }]);
    // Before any update there is nothing to average: samples come from G itself.
    expect(trainer.samplingGenerator()).toBe(trainer.generator);
    for (let step = 0; step < 6; step++) await trainer.runStep();

    const expected = history.slice(1).reduce((average, weights) => average.map((a, i) => 0.8 * a + 0.2 * weights[i]!), history[0]!);
    const sampling = trainer.samplingGenerator();
    expect(sampling).not.toBe(trainer.generator);
    const actual = flat(sampling);
    expect(actual).toHaveLength(expected.length);
    for (const [i, value] of actual.entries()) expect(value).toBeCloseTo(expected[i]!, 5);
    // It is an average, not the last weights.
    expect(Math.max(...actual.map((value, i) => Math.abs(value - history.at(-1)![i]!)))).toBeGreaterThan(1e-4);
    // Batch norm's moving statistics come from the trained generator.
    const moving = (model: LayersModel) => model.weights.filter((w) => !w.trainable).flatMap((w) => Array.from(w.read().dataSync()));
    expect(moving(sampling)).toEqual(moving(trainer.generator));
    // Training goes on with the raw weights.
    expect(flat(trainer.generator)).toEqual(history.at(-1));
    trainer.dispose();
  });

  test("decay takes a schedule", async () => {
    const history: number[][] = [];
    const probe = probeTrick({ afterGeneratorStep: ({ generator }) => void history.push(flat(generator)) });
    const decay: JsonValue = { schedule: "step", initial: 0, changes: [{ at: 2, value: 0.5 }] };
    const { trainer } = await createTrickTrainer(tinyPlan(), [{ trick: ema, options: { decay } }, { trick: probe }]);
    for (let step = 0; step < 4; step++) await trainer.runStep();
    // Steps 0 and 1 with decay 0 (the average is the weights), steps 2 and 3 with 0.5.
    const expected = history[1]!.map((w1, i) => 0.5 * (0.5 * w1 + 0.5 * history[2]![i]!) + 0.5 * history[3]![i]!);
    flat(trainer.samplingGenerator()).forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
    trainer.dispose();
  });
});

describe("@gan/ema in a run", () => {
  const out = mkdtempSync(path.join(tmpdir(), "gan-ema-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("the saved generator holds the EMA weights, and a resumed run ends with the same ones", async () => {
    const plan = { ...planWithBatchnorm({ steps: 6, checkpointEvery: 3, logEvery: 3 }), tricks: [{ package: "@gan/ema", version: "0.1.0", options: { decay: 0.9 }, window: {} }] };
    const whole = await train(plan, { tricks: [ema], out: path.join(out, "whole"), progress: false });
    const first = await train(plan, { tricks: [ema], out: path.join(out, "parts"), progress: false, steps: 3 });
    const resumed = await train(plan, { tricks: [ema], resume: first.runDir, progress: false, steps: 6 });

    const samples = async (runDir: string) => Array.from((await sampleRun(runDir, { count: 8, backend: "cpu", tricks: [ema] })).values);
    const fromWhole = await samples(whole.runDir);
    expect(await samples(resumed.runDir)).toEqual(fromWhole);

    // The same run without EMA saves different weights: the generator saved is the average.
    const plain = { ...plan, tricks: [] };
    const raw = await train(plain, { tricks: [], out: path.join(out, "plain"), progress: false });
    expect(await samples(raw.runDir)).not.toEqual(fromWhole);
  });
});
