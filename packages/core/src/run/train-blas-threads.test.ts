/**
 * On blas the losses depend on OpenBLAS's thread count: a run records it, and a resume runs
 * on the recorded count (blas-threads.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadNativeBlas } from "@gan/backend-wasm";
import { blasLoadsHere } from "../backend/test-blas.js";
import { tinyRingPlan } from "../loop/test-plan.js";
import { train } from "./train.js";

const readRun = (runDir: string) => JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8"));

describe.runIf(blasLoadsHere)("a run on blas", () => {
  let root: string;
  let savedVariable: string | undefined;
  let defaultThreads: number | undefined;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "gan-blas-threads-test-"));
    savedVariable = process.env["GAN_BLAS_THREADS"];
    delete process.env["GAN_BLAS_THREADS"];
    defaultThreads = loadNativeBlas().threads;
  });
  afterAll(() => {
    if (savedVariable !== undefined) process.env["GAN_BLAS_THREADS"] = savedVariable;
    // OpenBLAS's count is global to the process: back to where the other tests expect it.
    if (defaultThreads !== undefined) loadNativeBlas().setThreads(defaultThreads);
  });

  test("records OpenBLAS's thread count in run.json, and a resume runs on the recorded count", async () => {
    const plan = tinyRingPlan({ train: { steps: 2, logEvery: 1, sampleEvery: 0, checkpointEvery: 0, backend: "blas" } });
    const first = await train(plan, { out: root, progress: false });
    const run = readRun(first.runDir);
    if (!run.backend.package.includes("OpenBLAS")) {
      // Accelerate, MKL, BLIS: their thread count is not OpenBLAS's to report.
      expect(run.backend.blasThreads).toBeUndefined();
      return;
    }
    expect(run.backend.blasThreads).toBe(defaultThreads);

    // As if the run had been made on a machine with another core count.
    const recorded = defaultThreads === 1 ? 2 : 1;
    writeFileSync(path.join(first.runDir, "run.json"), JSON.stringify({ ...run, backend: { ...run.backend, blasThreads: recorded } }));
    const resumed = await train(plan, { resume: first.runDir, steps: 3, progress: false });
    expect(resumed.backend.blasThreads).toBe(recorded);
    expect(resumed.backend.note).toBeUndefined();
    expect(loadNativeBlas().threads).toBe(recorded);
    expect(readRun(first.runDir).backend.blasThreads).toBe(recorded);
  });
});
