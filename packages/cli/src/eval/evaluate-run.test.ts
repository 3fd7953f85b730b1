import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRng, openDataSource, selectBackend, train } from "@gan/core/runtime";
import { tinyPlan } from "@gan/core/testing";
import { loadMnist, MNIST_PIXELS } from "@gan/metrics";
import type { Plan } from "@gan/plan";
import { beforeAll, describe, expect, test } from "vitest";
import { captureOutput } from "../io.js";
import { main } from "../main.js";
import { classMatch, evaluationKind, featureEvaluation, metricValues, mixtureEvaluation, mnistEvaluation, type EvalReport } from "./evaluate-run.js";

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

/** The 8 means of tinyPlan's ring (radius 1, std 0.02). */
const ring = tinyPlan();
const means = Array.from({ length: 8 }, (_, k) => [Math.cos((2 * Math.PI * k) / 8), Math.sin((2 * Math.PI * k) / 8)] as const);

function points(list: readonly (readonly [number, number])[]): Float32Array {
  return Float32Array.from(list.flat());
}

describe("mixtureEvaluation", () => {
  test("one sample on every mean: all modes, all high quality, reverse KL 0", () => {
    const result = mixtureEvaluation(ring, points(means));
    expect(result).toMatchObject({ kind: "mixture", data: "ring", modes: 8, totalModes: 8, highQuality: 1, reverseKL: 0, std: 0.02 });
    expect(result.counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  test("every sample on one mean: one mode, reverse KL log 8", () => {
    const result = mixtureEvaluation(ring, points(Array.from({ length: 10 }, () => means[3]!)));
    expect(result.modes).toBe(1);
    expect(result.highQuality).toBe(1);
    expect(result.reverseKL).toBeCloseTo(Math.log(8), 12);
  });

  test("samples off the modes lower the high-quality share, not the reverse KL", () => {
    // 8 on the means, 8 at the centre (1 from every mean, far beyond 3 std = 0.06), 4 just outside 3 std.
    const off = [...Array.from({ length: 8 }, () => [0, 0] as const), ...Array.from({ length: 4 }, () => [1.07, 0] as const)];
    const result = mixtureEvaluation(ring, points([...means, ...off]));
    expect(result.modes).toBe(8);
    expect(result.highQuality).toBeCloseTo(8 / 20, 12);
    expect(result.reverseKL).toBe(0);
  });

  test("no high-quality sample: reverse KL is null, not a made-up number", () => {
    expect(mixtureEvaluation(ring, points([[0, 0]])).reverseKL).toBeNull();
  });

  test("samples in a normalised range are measured in the data's own range", () => {
    // The generator works in [-1, 1], which stands for [-2, 2] of the data: 0.5 is the mean at (1, 0).
    const plan = tinyPlan({ data: { kind: "ring", modes: 8, radius: 1, std: 0.02, shape: [2], nativeRange: [-2, 2], range: [-1, 1] } });
    const result = mixtureEvaluation(plan, Float32Array.from([0.5, 0]));
    expect(result.counts[0]).toBe(1);
    expect(result.highQuality).toBe(1);
  });
});

describe("evaluationKind", () => {
  const colour = { ...ring, data: { kind: "images", dir: "/x", shape: [32, 32, 3], nativeRange: [0, 1], range: [-1, 1] } } as Plan;

  test("mixtures, 28x28x1 images on the classifier, other images on a named network, vectors as they are", () => {
    expect(evaluationKind(ring).kind).toBe("mixture");
    const mnistLike = { ...ring, data: { kind: "idx", images: "/x", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] } } as Plan;
    expect(evaluationKind(mnistLike).kind).toBe("mnist");
    expect(evaluationKind(mnistLike, { model: "m/model.json" }).kind).toBe("features");
    expect(evaluationKind(colour, { model: "m/model.json" }).kind).toBe("features");
    const vectors = { ...ring, data: { kind: "idx", images: "/x", shape: [5], nativeRange: null, range: null } } as unknown as Plan;
    expect(evaluationKind(vectors).kind).toBe("features");
  });

  test("images without a feature network are refused with how to name one; vectors refuse one", () => {
    const refused = evaluationKind(colour);
    expect(refused.kind).toBeUndefined();
    expect(refused).toMatchObject({ reason: expect.stringMatching(/^this run's data is 'images' images of shape \[32, 32, 3\], and image metrics need a feature network: name a feature network with --features path\/model\.json/) });
    expect(evaluationKind(ring, { model: "m/model.json" })).toMatchObject({ kind: undefined, reason: expect.stringContaining("--features takes images; this run's data is 'ring' of shape [2]") });
  });
});

describe("featureEvaluation on raw vectors", () => {
  test("samples of the data itself score near 0 and near 1; samples on one mode do not", async () => {
    await selectBackend("cpu");
    // The ring's own examples with another seed: what a perfect generator would give.
    const source = await openDataSource(ring.data, { rng: createRng(99) });
    const perfect = await featureEvaluation(ring, source.nextBatch(300), 300, 0, undefined);
    expect(perfect.figures.features).toEqual({ id: "raw", description: "the raw vectors (no feature network)", dimension: 2 });
    expect(perfect.figures.reference).toMatchObject({ count: 300, description: expect.stringMatching(/^300 examples of /) });
    expect(perfect.figures.fd).toBeLessThan(0.01);
    expect(perfect.figures.precision).toBeGreaterThan(0.9);
    expect(perfect.figures.recall).toBeGreaterThan(0.9);
    expect(perfect.figures.coverage).toBeGreaterThan(0.8);
    const collapsed = await featureEvaluation(ring, points(Array.from({ length: 300 }, (_, i) => [means[2]![0] + 0.01 * Math.cos(i), means[2]![1] + 0.01 * Math.sin(i)] as const)), 300, 0, undefined);
    expect(collapsed.figures.precision).toBeGreaterThan(0.9);
    expect(collapsed.figures.recall).toBeLessThan(0.3);
    expect(collapsed.figures.coverage).toBeLessThan(0.2);
    expect(collapsed.figures.fd).toBeGreaterThan(100 * perfect.figures.fd);
    expect(collapsed.figures.kid.mean).toBeGreaterThan(perfect.figures.kid.mean);
    expect(metricValues(collapsed).map(([name]) => name)).toEqual(["fd@raw", "kid@raw", "precision@raw", "recall@raw", "density@raw", "coverage@raw"]);
  }, 60_000);
});

describe("gan eval", () => {
  let dir: string;
  let runDir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "gan-eval-"));
    runDir = (await train(tinyPlan({ train: { ...ring.train, steps: 20 } }), { out: dir, progress: false })).runDir;
  });

  test("prints a table, writes eval.json, and prints that JSON with --format json", async () => {
    const table = await gan("eval", runDir, "-n", "400", "--backend", "cpu");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^tiny\n {2}modes captured {2}\d \/ 8\n {2}high quality {4}\d+\.\d% {2}\(within 3 std = 0\.06 of a mean\)\n {2}reverse KL {6}(\d\.\d{4}|n\/a \(no high-quality sample\))\n/);
    expect(table.stdout).toContain("  samples         400 (seed 0)\n  weights         generator, step 20\n");
    expect(table.stderr).toBe(`wrote ${path.join(runDir, "eval.json")}\n`);
    const written = JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")) as EvalReport;
    expect(written).toMatchObject({ evalVersion: 1, name: "tiny", steps: 20, weightsFrom: "generator", ema: false, samples: 400, seed: 0, backend: "cpu" });
    if (written.metrics.kind !== "mixture") throw new Error("expected a mixture evaluation");
    // counts are of high-quality samples only: their sum is the high-quality share of 400.
    expect(written.metrics.counts.reduce((a, b) => a + b, 0)).toBe(Math.round(written.metrics.highQuality * 400));

    const json = await gan("eval", runDir, "-n", "400", "--backend", "cpu", "--format", "json");
    expect(json.code).toBe(0);
    const printed = JSON.parse(json.stdout) as EvalReport;
    // The same latent seed gives the same samples, hence the same numbers.
    expect(printed.metrics).toEqual(written.metrics);
    expect(JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8"))).toEqual(printed);
  });

  test("refreshes report.html when the run has one", async () => {
    writeFileSync(path.join(runDir, "report.html"), "old");
    expect((await gan("eval", runDir, "-n", "100", "--backend", "cpu")).code).toBe(0);
    const html = readFileSync(path.join(runDir, "report.html"), "utf8");
    expect(html).toContain("<h2>Metrics</h2><table");
    expect(html).toContain("modes captured");
  });

  test("mistakes are one line each", async () => {
    const missing = path.join(dir, "nowhere");
    expect(await gan("eval", missing)).toMatchObject({ code: 1, stderr: `gan: ${missing}: no such run directory\n` });
    const empty = path.join(dir, "empty");
    mkdirSync(empty);
    expect(await gan("eval", empty)).toMatchObject({ code: 1, stderr: `gan: ${empty} is not a run directory: it has no plan.json\n` });
    expect(await gan("eval", runDir, "--format", "yaml")).toMatchObject({ code: 2, stderr: "gan: gan eval: --format must be one of table, json, got 'yaml'\n" });
    expect(await gan("eval", runDir, "-n", "0")).toMatchObject({ code: 2, stderr: "gan: gan eval: --n needs an integer of at least 1, got '0'\n" });
    expect(existsSync(path.join(empty, "eval.json"))).toBe(false);
  });
});

describe("mnistEvaluation", () => {
  beforeAll(async () => {
    await selectBackend("wasm");
  }, 60_000);

  const mnistPlan = { ...ring, data: { kind: "mnist", split: "train", shape: [28, 28, 1], nativeRange: [0, 1], range: [-1, 1] } } as Plan;
  const count = 500;

  test("class match: test digits asked for as their own labels match about as often as the classifier is right; as another digit, about never", async () => {
    const test = loadMnist("test");
    const n = 300;
    const images = test.images.subarray(0, n * MNIST_PIXELS);
    const labels = Int32Array.from(test.labels.subarray(0, n));
    expect(await classMatch(images, labels)).toBeGreaterThan(0.95);
    expect(await classMatch(images, labels.map((digit) => (digit + 1) % 10))).toBeLessThan(0.05);
  });

  test("test images given as samples score near the floor; noise far above it", async () => {
    const test = loadMnist("test");
    // The generator's range is [-1, 1]: the evaluation must map it back to [0, 1] pixels.
    const asGenerated = test.images.subarray(0, count * MNIST_PIXELS).map((p) => p * 2 - 1);
    // As a conditional run's samples, each asked for as its own label: the class match comes with them.
    const real = await mnistEvaluation(mnistPlan, asGenerated, count, Int32Array.from(test.labels.subarray(0, count)));
    expect(real.classMatch).toBeGreaterThan(0.95);
    expect(real.clippedPixels).toBe(0);
    expect(real.frechetFloor).toBeGreaterThan(0);
    // 500 test images against the whole test split, beside 500 training images against it.
    expect(real.frechetDistance).toBeLessThan(2 * real.frechetFloor);
    expect(real.classifierScore).toBeGreaterThan(8);

    let state = 7;
    const noise = Float32Array.from({ length: count * MNIST_PIXELS }, () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state / 4294967296) * 2.2 - 1.1; // a little outside [-1, 1]: clipped, and counted
    });
    const bad = await mnistEvaluation(mnistPlan, noise, count);
    expect(bad.frechetDistance).toBeGreaterThan(20 * real.frechetFloor);
    expect(bad.frechetFloor).toBe(real.frechetFloor);
    expect(bad.clippedPixels).toBeGreaterThan(0.05 * count * MNIST_PIXELS);
    expect(bad.classifierScore).toBeLessThan(3);
    expect(bad).not.toHaveProperty("classMatch");

    // The same features give the other metrics, named after them.
    expect(real.figures).toMatchObject({ features: { id: "mnist-classifier", dimension: 128 }, reference: { count: 10_000, description: "the MNIST test split (10,000 images)" } });
    expect(real.figures!.fd).toBe(real.frechetDistance);
    expect(real.figures!.precision).toBeGreaterThan(0.9);
    // Noise lands in few places of the feature space: it covers almost none of the real balls.
    expect(bad.figures!.coverage).toBeLessThan(0.1 * real.figures!.coverage);
    expect(bad.figures!.kid.mean).toBeGreaterThan(10 * Math.abs(real.figures!.kid.mean));
    expect(metricValues(real).map(([name]) => name)).toEqual([
      "fd@mnist-classifier", "fd_floor@mnist-classifier", "classifier_score", "kid@mnist-classifier",
      "precision@mnist-classifier", "recall@mnist-classifier", "density@mnist-classifier", "coverage@mnist-classifier",
    ]);
  }, 120_000);
});
