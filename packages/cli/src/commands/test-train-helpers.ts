/**
 * Shared by the `gan train` tests: running the CLI in-process, and the tiny plan most of them
 * train. Not part of the package (tests only).
 */
import { captureOutput } from "../io.js";
import { main } from "../main.js";

/** Runs `gan ...argv` in this process; what it printed and its exit code. */
export async function gan(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

interface TinyPlanOverrides {
  name?: string;
  optimizers?: object;
  train?: object;
}

/**
 * A hand-written plan.json: a ring GAN with one hidden layer of 8 on each side, which trains
 * in a moment on cpu. `train` fields are merged over the defaults (4 steps of batch 16 on cpu).
 */
export function tinyRingPlan(overrides: TinyPlanOverrides = {}) {
  return {
    planVersion: 1,
    name: overrides.name ?? "tiny",
    source: { file: "tiny.gan", sha256: "0".repeat(64) },
    data: { kind: "ring", shape: [2], nativeRange: null, range: null },
    latent: { size: 4 },
    networks: {
      generator: { inputShape: [4], layers: [{ type: "dense", units: 8, activation: { kind: "relu" } }, { type: "dense", units: 2 }] },
      discriminator: { inputShape: [2], layers: [{ type: "dense", units: 8, activation: { kind: "relu" } }, { type: "dense", units: 1 }] },
    },
    loss: { kind: "nonsaturating" },
    optimizers: overrides.optimizers ?? { generator: { kind: "adam" }, discriminator: { kind: "adam" } },
    train: { steps: 4, batch: 16, logEvery: 2, backend: "cpu", ...overrides.train },
    tricks: [] as object[],
    rewrites: [],
  };
}
