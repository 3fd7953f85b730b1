import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { NUMERIC_HEALTH, NumericHealth } from "./numeric-health.js";

/** Per step: the loss observed and the gradient summary, for D then G. */
const STEPS: { d: [number[], number]; g: [number[], number] }[] = [
  { d: [[0.7], 3], g: [[1.2], -4] },
  { d: [[0.5], NaN], g: [[1.1], 2] },
  { d: [[Infinity], 1], g: [[1, NaN], 1] },
  { d: [[NaN], -Infinity], g: [[-Infinity], Infinity] },
  { d: [[0.4], 1], g: [[0.9], 1] },
];

/** Observes STEPS from `first` on (2^24 + 1 and up: steps beyond float32's integers round the way tf.fill rounds them). */
async function observeAll(first: number) {
  const health = new NumericHealth();
  let kernels = 0;
  const tensors = tf.memory().numTensors;
  for (const [i, { d, g }] of STEPS.entries()) {
    const profile = await tf.profile(() =>
      tf.tidy(() => {
        health.observe("d_loss", tf.tensor(d[0]), tf.scalar(d[1]), first + i);
        health.observe("g_loss", tf.tensor(g[0]), tf.scalar(g[1]), first + i);
      }),
    );
    kernels += profile.kernels.filter((k) => k.name === NUMERIC_HEALTH).length;
  }
  expect(tf.memory().numTensors).toBe(tensors);
  const values: Record<string, number> = {};
  tf.tidy(() => health.recordInto((name, value) => (values[name] = value.dataSync()[0]!)));
  const error = await health.read();
  health.dispose();
  return { values, error: error?.message, kernels };
}

describe.each(["cpu", "wasm"] as const)("the NaN watch on %s", (backendName) => {
  test("one kernel per update records the same first bad steps as tfjs's ops", async () => {
    await selectBackend(backendName);
    for (const first of [0, 16_777_217]) {
      const withKernel = await observeAll(first);
      expect(withKernel.kernels).toBe(2 * STEPS.length);
      const kernel = tf.getKernel(NUMERIC_HEALTH, backendName)!;
      tf.unregisterKernel(NUMERIC_HEALTH, backendName);
      try {
        const withOps = await observeAll(first);
        expect(withOps.kernels).toBe(0);
        expect(withKernel.values).toEqual(withOps.values);
        expect(withKernel.error).toBe(withOps.error);
      } finally {
        tf.registerKernel(kernel);
      }
      // D's gradients at step 1, D's loss and G's loss (one NaN among finite entries) at step 2, G's gradients at 3.
      expect(Object.values(withKernel.values)).toEqual([first + 2, first + 2, first + 1, first + 3].map(Math.fround));
      expect(withKernel.error).toBe(`the discriminator's gradients became NaN or infinite at step ${Math.fround(first + 1)}`);
    }
  });
});
