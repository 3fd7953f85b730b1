/**
 * A class-conditional spec (`condition classes`) from spec to samples, with real `gan`
 * processes, on a folder of tiny images with a sub-folder per class: it compiles, trains on
 * blas and on wasm, resumes after kill -9 with the losses of an uninterrupted run (the real
 * labels, the fake classes and per-class batch norm included), and `gan sample --class` draws
 * one class or a row of each.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodePng, pngGeometry } from "@gan/core/runtime";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { expectExactResume, gan, runDirIn, tinyRingPlan, trainedRun } from "./test-train-helpers.js";

registerCommand("compile", () => import("./compile.js"));
registerCommand("train", () => import("./train.js"));
registerCommand("sample", () => import("./sample.js"));

const CLASSES = ["circle", "cross", "dot"];

const SPEC = `gan shapes {
  data images "shapes/" { size: [4, 4], channels: 1, classes: "folders", range: [-1, 1] }
  latent 4
  condition classes { embedding: 2 }
  generator {
    dense 8
    batchnorm affine class relu
    dense 16 tanh
    reshape [4, 4, 1]
  }
  discriminator {
    flatten
    dense 8 leakyrelu 0.2
    dense 1
  }
  train {
    steps 12
    batch 4
    seed 3
    checkpoint every 1
    log every 1
  }
}
`;

let dir: string;
let plan: { train: Record<string, unknown> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-conditional-"));
  // Four 4x4 grey images per class, each class its own brightness.
  CLASSES.forEach((name, c) => {
    mkdirSync(path.join(dir, "shapes", name), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, "shapes", name, `${i}.png`), encodePng(4, 4, 1, new Uint8Array(16).fill(40 + 80 * c + 5 * i)));
  });
  writeFileSync(path.join(dir, "shapes.gan"), SPEC);
  const compiled = await gan("compile", path.join(dir, "shapes.gan"), "-o", path.join(dir, "shapes.json"));
  expect(compiled.code, compiled.stderr).toBe(0);
  plan = JSON.parse(readFileSync(path.join(dir, "shapes.json"), "utf8"));
}, 60_000);

describe.each(["blas", "wasm"])("a conditional spec on %s", (backend) => {
  test("trains, resumes after kill -9 with the losses of an uninterrupted run, and gan sample draws a class or a row of each", async () => {
    const planFile = path.join(dir, `shapes-${backend}.json`);
    writeFileSync(planFile, JSON.stringify({ ...plan, train: { ...plan.train, backend } }));
    const runDir = await expectExactResume(planFile, dir, { name: "shapes", label: backend, steps: 12, flags: ["--no-eval"] });

    // One class by name, and the same class by index: the same samples.
    const byName = path.join(dir, `${backend}-cross.csv`);
    const byIndex = path.join(dir, `${backend}-1.csv`);
    for (const [cls, file] of [["cross", byName], ["1", byIndex]] as const) {
      const sampled = await gan("sample", runDir, "-n", "3", "--class", cls, "-o", file, "--format", "csv", "--backend", backend);
      expect(sampled.code, sampled.stderr).toBe(0);
    }
    expect(readFileSync(byName, "utf8")).toBe(readFileSync(byIndex, "utf8"));
    const other = path.join(dir, `${backend}-0.csv`);
    expect((await gan("sample", runDir, "-n", "3", "--class", "0", "-o", other, "--format", "csv", "--backend", backend)).code).toBe(0);
    expect(readFileSync(other, "utf8")).not.toBe(readFileSync(byName, "utf8"));

    // --class all: a row of 5 per class; 4x4 tiles with 2-pixel borders.
    const grid = path.join(dir, `${backend}-all.png`);
    const all = await gan("sample", runDir, "-n", "5", "--class", "all", "-o", grid, "--backend", backend);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain("wrote 15 samples");
    expect(pngGeometry(readFileSync(grid))).toMatchObject({ width: 5 * 4 + 6 * 2, height: 3 * 4 + 4 * 2 });
  }, 240_000);
});

describe("gan sample --class: what it refuses", () => {
  test("a class the run does not have, and a run that is not conditional: exit 1 with what there is", async () => {
    const runDir = runDirIn(path.join(dir, "blas-straight"), "shapes") ?? (await trainedRun({ ...plan, train: { ...plan.train, backend: "cpu" } }, dir, "refused", "--no-eval"));
    const unknown = await gan("sample", runDir, "--class", "square", "-o", path.join(dir, "x.png"));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("the run shapes has no class 'square': its 3 classes are circle, cross, dot (a name, an index from 0 to 2, or all)");
    const ring = await trainedRun(tinyRingPlan(), dir, "ring", "--no-eval");
    const unconditional = await gan("sample", ring, "--class", "1");
    expect(unconditional.code).toBe(1);
    expect(unconditional.stderr).toContain("the run tiny is not conditional: a class can be asked of a spec with 'condition classes'");
  }, 120_000);
});
