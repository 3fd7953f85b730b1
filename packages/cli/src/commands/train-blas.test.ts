import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan, scratchPlan, tinyRingPlan } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));

/**
 * Without a BLAS library: GAN_BLAS_LIBRARY names one that does not exist, which is what a
 * machine without OpenBLAS looks like to the blas backend (nothing in this file loads a BLAS
 * first, so nothing is cached).
 */
const plan = tinyRingPlan({ train: { steps: 2, logEvery: 1, backend: "auto" } });

const { dir, planFile } = scratchPlan("gan-cli-blas-", plan);
beforeAll(() => {
  process.env["GAN_BLAS_LIBRARY"] = "/nonexistent/libopenblas.so.0";
});
afterAll(() => {
  delete process.env["GAN_BLAS_LIBRARY"];
});


describe("gan train without a BLAS library", () => {
  test("--backend blas stops with one line naming the library it could not load", async () => {
    const { code, stderr } = await gan("train", planFile, "--backend", "blas", "--out", path.join(dir, "runs-blas"));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^gan: backend 'blas' failed to start: GAN_BLAS_LIBRARY=\/nonexistent\/libopenblas.so.0 did not load as a CBLAS library: .+\n$/,
    );
  });

  test("--backend auto trains on wasm and says how to get the blas backend", async () => {
    const { code, stderr } = await gan("train", planFile, "--out", path.join(dir, "runs-auto"));
    expect(code).toBe(0);
    expect(stderr).toMatch(/^trained 2 steps on wasm in /m);
    expect(stderr).toContain(
      "note: trained on wasm: no BLAS library was found for the faster blas backend (Debian/Ubuntu: apt-get install libopenblas0-pthread; or set GAN_BLAS_LIBRARY)\n",
    );
  });
});
