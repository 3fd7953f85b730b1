/**
 * `gan eval` on images that are not MNIST-shaped: refused without a feature network, measured
 * with the one named by --features, every figure naming it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildNetwork, selectBackend, train } from "@gan/core/runtime";
import { idxBytes, tinyPlan } from "@gan/core/testing";
import { saveLayersModel } from "@gan/metrics";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { captureOutput } from "../io.js";
import { main } from "../main.js";
import type { EvalReport } from "./evaluate-run.js";

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-eval-features-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 40 IDX images of 6x6 pixels: a bright square at one of 4 places. */
function writeImages(): string {
  const count = 40;
  const body = new Uint8Array(count * 36);
  for (let i = 0; i < count; i++) {
    const [row, col] = [(i % 2) * 3, (Math.floor(i / 2) % 2) * 3];
    for (let y = row; y < row + 3; y++) for (let x = col; x < col + 3; x++) body[i * 36 + y * 6 + x] = 255;
  }
  const file = path.join(dir, "squares.idx");
  writeFileSync(file, idxBytes([count, 6, 6], body));
  return file;
}

let runDir: string;
let modelPath: string;
beforeAll(async () => {
  await selectBackend("cpu");
  const plan = tinyPlan({
    data: { kind: "idx", images: writeImages(), shape: [6, 6, 1], nativeRange: [0, 1], range: [-1, 1] },
    networks: {
      generator: { inputShape: [4], layers: [{ type: "dense", units: 36, activation: { kind: "tanh" } }, { type: "reshape", shape: [6, 6, 1] }] },
      discriminator: { inputShape: [6, 6, 1], layers: [{ type: "flatten" }, { type: "dense", units: 1 }] },
    },
    train: { ...tinyPlan().train, steps: 3 },
  });
  runDir = (await train(plan, { out: dir, progress: false })).runDir;
  // The "feature network": 6x6x1 -> flatten ('d0_flatten') -> a seeded 8-unit projection ('d1_dense').
  const network = { inputShape: [6, 6, 1], layers: [{ type: "flatten" as const }, { type: "dense" as const, units: 8 }] };
  const modelDir = path.join(dir, "squares-net");
  await saveLayersModel(buildNetwork(network, "discriminator", { seed: 3 }), modelDir);
  modelPath = path.join(modelDir, "model.json");
}, 120_000);

describe("gan eval on 6x6x1 images", () => {
  test("without --features it refuses and says how to name a feature network", async () => {
    const result = await gan("eval", runDir, "-n", "20", "--backend", "cpu");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^gan: .*: this run's data is 'idx' images of shape \[6, 6, 1\], and image metrics need a feature network: name a feature network with --features path\/model\.json/);
  });

  test("with --features it measures on that network's layer and says so in the table and eval.json", async () => {
    const result = await gan("eval", runDir, "-n", "20", "--backend", "cpu", "--features", modelPath, "--features-layer", "d0_flatten");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`  features          ${modelPath} (layers-model, layer 'd0_flatten'), 36-d  [squares-net:d0_flatten]\n`);
    expect(result.stdout).toMatch(/\n {2}against {11}20 examples of .*squares\.idx/);
    expect(result.stdout).toMatch(/\n {2}KID {15}-?\d\.\d{5} ± \d\.\d{5} {2}\(± std over 100 subsets of 20; standard error \d\.\d{5}\)\n/);
    const report = JSON.parse(readFileSync(path.join(runDir, "eval.json"), "utf8")) as EvalReport;
    if (report.metrics.kind !== "features") throw new Error("expected a feature evaluation");
    expect(report.metrics.figures.features).toEqual({ id: "squares-net:d0_flatten", description: `${modelPath} (layers-model, layer 'd0_flatten')`, dimension: 36 });
    expect(report.metrics.figures.precision).toBeGreaterThanOrEqual(0);
    expect(report.metrics.figures.precision).toBeLessThanOrEqual(1);
    expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).toMatch(/eval: tiny: on squares-net:d0_flatten features: Fréchet distance \d/);
  });

  test("flag mistakes are one line each, with the exit code of their kind", async () => {
    expect(await gan("eval", runDir, "--features-layer", "d0_flatten")).toMatchObject({ code: 2, stderr: "gan: gan eval: --features-layer needs --features MODEL.json (or emoji-classifier), the feature network it applies to\n" });
    expect(await gan("eval", runDir, "--features", modelPath, "--features-range", "1,-1")).toMatchObject({
      code: 2,
      stderr: "gan: gan eval: --features-range must be two numbers LO,HI with LO < HI (the pixel range the network expects, e.g. -1,1), got '1,-1'\n",
    });
    const noLayer = await gan("eval", runDir, "-n", "20", "--backend", "cpu", "--features", modelPath, "--features-layer", "pool");
    expect(noLayer.code).toBe(1);
    expect(noLayer.stderr).toMatch(/^gan: .*model\.json: no layer 'pool'; its layers are 'd_input', 'd0_flatten', 'd1_dense'\n$/);
    const missing = path.join(dir, "none", "model.json");
    expect(await gan("eval", runDir, "-n", "20", "--backend", "cpu", "--features", missing)).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot read the model at ${missing}`) });
  });
});
