import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { UserError } from "../errors.js";
import { tinyRingPlan, useOf } from "../loop/test-plan.js";
import { Trainer } from "../loop/trainer.js";
import { defineTrick, z } from "../trick/define-trick.js";
import { cloneModel } from "../trick/model-helpers.js";
import { tinyConditionalSource } from "../trick/trick-harness.js";
import { findLatestCheckpoint, restoreCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { fileModelIO } from "./model-io.js";
import { realExamplesByClass, SampleWriter } from "./samples.js";
import { train, type MetricsLine } from "./train.js";

let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "gan-train-test-"));
  await selectBackend("cpu");
});
afterAll(() => {
  // Left in the OS temp dir on purpose when a test fails: the run directory is the evidence.
});

function metrics(runDir: string): MetricsLine[] {
  return readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as MetricsLine);
}

/** Trains `plan` into `root` and stops it (as Ctrl-C does) once step `step` is logged: the run directory. */
async function trainStoppedAt(plan: Parameters<typeof train>[0], step: number): Promise<string> {
  const controller = new AbortController();
  const { runDir } = await train(plan, {
    out: root,
    progress: false,
    signal: controller.signal,
    onMetrics: (line) => line.step === step && controller.abort(),
  });
  return runDir;
}

const lossesOf = (lines: MetricsLine[]) => lines.map(({ step, d_loss, g_loss }) => ({ step, d_loss, g_loss }));

describe("a run", () => {
  test("writes plan.json, run.json, metrics.jsonl, samples, checkpoints and the final generator", async () => {
    const plan = tinyRingPlan({ train: { steps: 12, logEvery: 4, sampleEvery: 6, checkpointEvery: 5 } });
    const result = await train(plan, { out: root, progress: false });
    const dir = result.runDir;
    expect(path.dirname(path.dirname(dir))).toBe(root);
    expect(path.basename(path.dirname(dir))).toBe("tiny-ring");
    expect(path.basename(dir)).toMatch(/^\d{8}-\d{6}(-\d+)?$/);
    expect(readdirSync(dir).sort()).toEqual(["checkpoints", "generator", "log.txt", "metrics.jsonl", "plan.json", "run.json", "samples", "tensorboard"]);
    // Every run has a log: how it started (backend, data) and how it ended.
    const log = readFileSync(path.join(dir, "log.txt"), "utf8").split("\n");
    expect(log[0]).toMatch(/^\S+Z started: tiny-ring, 12 steps on cpu, seed 1, plan [0-9a-f]{12}$/);
    expect(log[1]).toBe("  data: ring: 8 modes on a circle of radius 1, std 0.02");
    expect(log[2]).toMatch(/^\S+Z completed at step 12$/);
    expect(JSON.parse(readFileSync(path.join(dir, "plan.json"), "utf8"))).toEqual(plan);

    const run = JSON.parse(readFileSync(path.join(dir, "run.json"), "utf8"));
    expect(run).toMatchObject({ name: "tiny-ring", seed: 1, steps: 12, status: "completed", stepsCompleted: 12 });
    expect(run.backend).toMatchObject({ name: "cpu", requested: "cpu" });
    expect(run.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.versions["@tensorflow/tfjs-core"]).toBe("4.22.0");
    expect(Date.parse(run.endedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));

    const lines = metrics(dir);
    expect(lines.map((l) => l.step)).toEqual([4, 8, 12]);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(["d_acc", "d_loss", "d_lr", "g_grad_norm", "g_loss", "g_lr", "step", "steps_per_sec"]);
      expect(line.d_lr).toBe(1e-3);
      expect(line.steps_per_sec).toBeGreaterThan(0);
    }
    expect(readdirSync(path.join(dir, "samples")).sort()).toEqual(["real.png", "step-000006.png", "step-000012.png"]);
    const png = readFileSync(path.join(dir, "samples", "step-000012.png"));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(readdirSync(path.join(dir, "checkpoints")).sort()).toEqual(["step-000005", "step-000010", "step-000012"]);
    expect(readdirSync(path.join(dir, "checkpoints", "step-000010")).sort()).toEqual([
      "discriminator", "generator", "manifest.json", "optimizers.bin", "optimizers.json", "state.json", "tricks.bin", "tricks.json",
    ]);
    const manifest = JSON.parse(readFileSync(path.join(dir, "checkpoints", "step-000010", "manifest.json"), "utf8"));
    expect(manifest.step).toBe(10);
    expect(Object.keys(manifest.files)).toContain("generator/weights.bin");
    expect(result.lastMetrics?.step).toBe(12);
  });

  test("the final generator loads with tfjs-layers and computes what the trained one does", async () => {
    const plan = tinyRingPlan({ train: { steps: 5 } });
    const { runDir } = await train(plan, { out: root, progress: false });
    const loaded = await tfl.loadLayersModel(fileModelIO(path.join(runDir, "generator")));
    const trainer = await Trainer.create(plan);
    await restoreCheckpoint(findLatestCheckpoint(path.join(runDir, "checkpoints"))!.dir, trainer);
    const z = tf.randomNormal([7, 4], 0, 1, "float32", 3);
    const expected = (trainer.generator.predict(z) as tf.Tensor).dataSync();
    const actual = (loaded.predict(z) as tf.Tensor).dataSync();
    expect(Array.from(actual)).toEqual(Array.from(expected));
    expect(loaded.layers.map((l) => l.name)).toEqual(trainer.generator.layers.map((l) => l.name));
    loaded.dispose();
    trainer.dispose();
  });

  test("--steps and --seed override the plan and are recorded in the stored plan", async () => {
    const plan = tinyRingPlan({ train: { steps: 50 } });
    const { runDir, steps } = await train(plan, { out: root, progress: false, steps: 3, seed: 9, backend: "cpu" });
    expect(steps).toBe(3);
    const stored = JSON.parse(readFileSync(path.join(runDir, "plan.json"), "utf8"));
    expect(stored.train).toMatchObject({ steps: 3, seed: 9, backend: "cpu" });
  });

  test("a resumed run's losses equal an uninterrupted run's, exactly", async () => {
    const plan = tinyRingPlan({ train: { steps: 20, logEvery: 1, sampleEvery: 0, checkpointEvery: 0 } });
    const straight = await train(plan, { out: path.join(root, "straight"), progress: false });

    const controller = new AbortController();
    const first = await train(plan, {
      out: path.join(root, "interrupted"),
      progress: false,
      signal: controller.signal,
      onMetrics: (line) => line.step === 10 && controller.abort(),
    });
    expect(first.stopped).toBe(true);
    expect(first.steps).toBe(10);
    expect(JSON.parse(readFileSync(path.join(first.runDir, "run.json"), "utf8")).status).toBe("stopped");
    const resumed = await train(plan, { resume: first.runDir, progress: false });
    expect(resumed.runDir).toBe(first.runDir);
    expect(resumed.steps).toBe(20);

    const expected = lossesOf(metrics(straight.runDir));
    expect(expected).toHaveLength(20);
    expect(lossesOf(metrics(first.runDir))).toEqual(expected);
    const run = JSON.parse(readFileSync(path.join(first.runDir, "run.json"), "utf8"));
    expect(run.status).toBe("completed");
    expect(run.resumes).toMatchObject([{ fromStep: 10, backend: "cpu" }]);
    // The final generators are the same to the bit.
    expect(readFileSync(path.join(first.runDir, "generator", "weights.bin"))).toEqual(readFileSync(path.join(straight.runDir, "generator", "weights.bin")));
  });

  test("a resume with a changed plan is refused and shows what changed; more steps are allowed", async () => {
    const plan = tinyRingPlan({ train: { steps: 4 } });
    const { runDir } = await train(plan, { out: root, progress: false });
    const changed = { ...plan, loss: { kind: "hinge" as const }, train: { ...plan.train, batch: 32 } };
    let error: unknown;
    try {
      await train(changed, { resume: runDir, progress: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toContain(`cannot resume ${runDir}: the plan differs from the one the run was started with`);
    expect(message).toContain("loss.kind");
    expect(message).toContain("train.batch");
    await expect(train(plan, { resume: runDir, progress: false })).rejects.toThrow(
      "its last checkpoint is at step 4 and the plan trains for 4 steps (give --steps N with N > 4 to train longer)",
    );
    const longer = await train(plan, { resume: runDir, progress: false, steps: 6 });
    expect(longer.steps).toBe(6);
    expect(JSON.parse(readFileSync(path.join(runDir, "plan.json"), "utf8")).train.steps).toBe(6);
  });

  test("a damaged checkpoint is skipped for the one before it, with a warning", async () => {
    const plan = tinyRingPlan({ train: { steps: 8, checkpointEvery: 4, logEvery: 1 } });
    const runDir = await trainStoppedAt(plan, 6);
    const checkpoints = path.join(runDir, "checkpoints");
    expect(readdirSync(checkpoints).sort()).toEqual(["step-000004", "step-000006"]);
    const weights = path.join(checkpoints, "step-000006", "generator", "weights.bin");
    const bytes = readFileSync(weights);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(weights, bytes);
    const warnings: string[] = [];
    const resumed = await train(plan, { resume: runDir, progress: false, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual(["checkpoint step-000006 is damaged (generator/weights.bin does not match its sha256 in the manifest); falling back to step 4"]);
    expect(resumed.steps).toBe(8);
    // metrics.jsonl was cut back to the checkpoint, then continued: one line per step, in order.
    expect(metrics(runDir).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // log.txt tells the story: started, stopped, resumed (from the checkpoint before the damaged one), completed.
    const log = readFileSync(path.join(runDir, "log.txt"), "utf8");
    expect([...log.matchAll(/^\S+Z (\w+)/gm)].map((match) => match[1])).toEqual(["started", "stopped", "warning", "resumed", "completed"]);
    expect(log).toMatch(/resumed from step 4: tiny-ring, 8 steps on cpu/);
  });

  test("a checkpoint from elsewhere reads only its own regular files: outside paths and devices are refused, not read", async () => {
    const plan = tinyRingPlan({ train: { steps: 8, checkpointEvery: 2, logEvery: 1 } });
    const runDir = await trainStoppedAt(plan, 6);
    const checkpoints = path.join(runDir, "checkpoints");
    expect(readdirSync(checkpoints).sort()).toEqual(["step-000002", "step-000004", "step-000006"]);
    // step 6: the manifest names a file outside the checkpoint (as a hand-made one could).
    const manifestFile = path.join(checkpoints, "step-000006", "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { files: Record<string, string> };
    manifest.files["../../../../../../etc/hostname"] = "0".repeat(64);
    writeFileSync(manifestFile, JSON.stringify(manifest));
    // step 4: its weights are a link to an endless device (reading it would never end).
    const weights = path.join(checkpoints, "step-000004", "generator", "weights.bin");
    rmSync(weights);
    symlinkSync("/dev/zero", weights);
    const warnings: string[] = [];
    await train(plan, { resume: runDir, progress: false, onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^checkpoint step-000006 is damaged \(its manifest.json names "..\/..\/.*etc\/hostname", outside the checkpoint\); falling back to step 2$/);
    expect(warnings[1]).toMatch(/^checkpoint step-000004 is damaged \(.*weights.bin.*not a regular file.*\); falling back to step 2$/);
    expect(metrics(runDir).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("a saved model whose model.json names weights outside its folder is refused", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    const dir = mkdtempSync(path.join(root, "model-"));
    await model.save(fileModelIO(dir));
    model.dispose();
    const modelJson = JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8")) as { weightsManifest: { paths: string[] }[] };
    modelJson.weightsManifest[0]!.paths = ["../../../etc/hostname"];
    writeFileSync(path.join(dir, "model.json"), JSON.stringify(modelJson));
    await expect(tfl.loadLayersModel(fileModelIO(dir))).rejects.toThrow(/names weights outside its folder: "..\/..\/..\/etc\/hostname"/);
  });

  test("a resume streams metrics.jsonl: lines past the checkpoint, torn and oversized lines are dropped", async () => {
    const plan = tinyRingPlan({ train: { steps: 6, checkpointEvery: 2, logEvery: 1 } });
    const runDir = await trainStoppedAt(plan, 3);
    const file = path.join(runDir, "metrics.jsonl");
    // A 2 MiB line (no line gan writes is near the 1 MiB limit), a torn line, and a blank one.
    writeFileSync(file, `${readFileSync(file, "utf8")}{"step":1,"pad":"${"x".repeat(2 * 1024 * 1024)}"}\n{"step":2,\n\n`);
    await train(plan, { resume: runDir, progress: false });
    expect(metrics(runDir).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readdirSync(runDir).filter((name) => name.includes(".tmp-"))).toEqual([]);
  });

  test("samples/real.png pictures the real data without moving the data stream", async () => {
    const plan = tinyRingPlan({ train: { steps: 4 } });
    const pictured = await Trainer.create(plan);
    const untouched = await Trainer.create(plan);
    const dir = mkdtempSync(path.join(root, "real-"));
    const file = new SampleWriter(pictured, plan, dir).writeReal()!;
    expect(file).toBe(path.join(dir, "real.png"));
    expect(readFileSync(file).subarray(1, 4).toString("latin1")).toBe("PNG");
    // The batches training draws next are the ones it would have drawn.
    expect(pictured.data.nextBatch(16)).toEqual(untouched.data.nextBatch(16));
    // Not drawn again (a resumed run keeps its picture).
    writeFileSync(file, "kept");
    new SampleWriter(pictured, plan, dir).writeReal();
    expect(readFileSync(file, "utf8")).toBe("kept");
    pictured.dispose();
    untouched.dispose();
  });

  test("a conditional run's real picture has a row per class, as its samples do", () => {
    // tinyConditionalSource: classes 0, 1, 2, 2, 1, 0, each example's pixels near (class - 1) / 2.
    const data = tinyConditionalSource();
    const pixels = 28 * 28;
    const values = realExamplesByClass(data, 3, 4);
    expect(values.length).toBe(3 * 4 * pixels);
    for (let tile = 0; tile < 12; tile++) {
      const row = Math.floor(tile / 4);
      expect(values[tile * pixels]!).toBeCloseTo((row - 1) * 0.5, 1);
    }
    // A class the draws never meet leaves its row at the data's lowest value.
    const rare = realExamplesByClass(data, 4, 2);
    expect(Array.from(rare.subarray(3 * 2 * pixels))).toEqual(new Array(2 * pixels).fill(-1));
  });

  test("a leftover temporary checkpoint (a crash mid-write) is ignored", async () => {
    const plan = tinyRingPlan({ train: { steps: 4, checkpointEvery: 2 } });
    const { runDir } = await train(plan, { out: root, progress: false });
    const checkpoints = path.join(runDir, "checkpoints");
    const trainer = await Trainer.create(plan);
    const written = await writeCheckpoint(checkpoints, trainer, "x");
    expect(path.basename(written)).toBe("step-000000");
    trainer.dispose();
    // A half-written one under its temporary name never counts.
    writeFileSync(path.join(checkpoints, ".tmp-step-000009-1"), "");
    expect(path.basename(findLatestCheckpoint(checkpoints)!.dir)).toBe("step-000004");
  });

  test("a checkpoint round trip restores weights, optimizer slots, streams and the data source", async () => {
    const plan = tinyRingPlan({ train: { steps: 30, logEvery: 1 } });
    const dir = mkdtempSync(path.join(root, "ckpt-"));
    const a = await Trainer.create(plan);
    for (let i = 0; i < 7; i++) await a.runStep();
    const written = await writeCheckpoint(dir, a, "hash");
    const b = await Trainer.create(plan);
    await restoreCheckpoint(written, b);
    expect(b.step).toBe(7);
    const weights = (t: Trainer) => [...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
    expect(weights(b)).toEqual(weights(a));
    for (let i = 0; i < 3; i++) expect(await b.runStep()).toEqual(await a.runStep());
    a.dispose();
    b.dispose();
  });

  test("tricks' state and tensors go through checkpoints", async () => {
    const makeTrick = () => {
      let kept: tf.Tensor | undefined;
      let count = 0;
      return defineTrick({
        name: "keeper",
        options: z.object({}),
        setup: ({ tf }) => ({
          afterGeneratorStep: () => {
            count++;
            kept?.dispose();
            kept = tf.keep(tf.fill([2], count));
          },
          state: {
            save: () => ({ json: { count }, ...(kept ? { tensors: { kept } } : {}) }),
            restore: (saved) => {
              count = (saved.json as { count: number }).count;
              kept = tf.keep(saved.tensors!.kept!.clone());
            },
          },
          labels: (labels) => ({ ...labels, real: kept ? 1 - 0.01 * kept.dataSync()[0]! : 1 }),
        }),
      });
    };
    const plan = tinyRingPlan({ train: { steps: 6, logEvery: 1 }, tricks: [useOf("keeper")] });
    const straight = await train(plan, { out: path.join(root, "keeper-a"), progress: false, tricks: [makeTrick()] });
    const controller = new AbortController();
    const first = await train(plan, {
      out: path.join(root, "keeper-b"),
      progress: false,
      tricks: [makeTrick()],
      signal: controller.signal,
      onMetrics: (line) => line.step === 3 && controller.abort(),
    });
    const tricksJson = JSON.parse(readFileSync(path.join(first.runDir, "checkpoints", "step-000003", "tricks.json"), "utf8"));
    expect(tricksJson.tricks[0]).toMatchObject({ index: 0, package: "keeper", json: { count: 3 } });
    await train(plan, { resume: first.runDir, progress: false, tricks: [makeTrick()] });
    expect(lossesOf(metrics(first.runDir))).toEqual(lossesOf(metrics(straight.runDir)));
  });

  test("a trick's sampling generator (EMA) is the one the samples and the final generator come from", async () => {
    let shadow: tfl.LayersModel | undefined;
    const ema = defineTrick({
      name: "shadow",
      options: z.object({}),
      setup: () => ({
        beforeTraining: (run) => {
          shadow = cloneModel(run.generator);
          const zeros = shadow.weights.map((w) => tf.zeros(w.shape as number[]));
          shadow.setWeights(zeros);
          for (const zero of zeros) zero.dispose();
        },
        samplingGenerator: () => shadow,
      }),
    });
    const plan = tinyRingPlan({ train: { steps: 3 }, tricks: [useOf("shadow")] });
    const { runDir } = await train(plan, { out: root, progress: false, tricks: [ema] });
    const loaded = await tfl.loadLayersModel(fileModelIO(path.join(runDir, "generator")));
    for (const weight of loaded.getWeights()) expect(Array.from(weight.dataSync()).every((v) => v === 0)).toBe(true);
    // The trained generator's weights are in the checkpoint, not zero.
    const trained = await tfl.loadLayersModel(fileModelIO(path.join(runDir, "checkpoints", "step-000003", "generator")));
    expect(Array.from(trained.getWeights()[0]!.dataSync()).some((v) => v !== 0)).toBe(true);
    loaded.dispose();
    trained.dispose();
    shadow?.dispose();
  });

  test("a run directory that does not exist, or is not a run, is named", async () => {
    const plan = tinyRingPlan();
    await expect(train(plan, { resume: path.join(root, "nope"), progress: false })).rejects.toThrow(`${path.join(root, "nope")}: no such run directory`);
    expect(existsSync(root)).toBe(true);
    await expect(train(plan, { resume: root, progress: false })).rejects.toThrow(`${root} is not a run directory: it has no plan.json`);
  });
});
