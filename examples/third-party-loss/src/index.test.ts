import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { Tensor } from "@gan/core";
import { toLoadedTrick } from "@gan/core/runtime";
import { createTrickHarness, createTrickTrainer, networksSpec } from "@gan/core/testing";
import { compile } from "@gan/dsl";
import lossPackage, { rsgan } from "./index.js";

/*
 * real logits [2, -1], fake [0.5, -3]; sp(x) = ln(1 + e^x):
 *   D = (sp(0.5 - 2) + sp(-3 + 1)) / 2 = (0.201413 + 0.126928) / 2 = 0.164171
 *   G = (sp(2 - 0.5) + sp(-1 + 3)) / 2 = (1.701413 + 2.126928) / 2 = 1.914171
 *   dD/dreal_i = -sigmoid(fake_i - real_i) / 2 = [-0.091213, -0.059601]
 */
const SPEC = networksSpec(
  { data: "ring { modes: 8, radius: 2, std: 0.02 }", latent: 4, generator: ["dense 8 relu", "dense 2"], discriminator: ["dense 8 leakyrelu 0.2", "dense 1"] },
  `  loss rsgan\n  train { steps 3 batch 16 seed 1 log every 1 backend cpu }\n  use "gan-loss-rsgan"`,
  "rsgan_ring",
);

async function planOfSpec() {
  // The compiler's view of this package, as @gan/core's compile host gives it after loading it.
  const host = { loadTrick: async () => ({ ok: true as const, trick: toLoadedTrick(lossPackage, "0.1.0") }) };
  const result = await compile(SPEC, { file: "rsgan.gan", host });
  expect(result.diagnostics).toEqual([]);
  return result.plan!;
}

describe("gan-loss-rsgan", () => {
  test("D's and G's losses match the hand computation, and D's gradient the analytic one", async () => {
    // The run's tfjs, as the loop hands it to the loss.
    const { tf } = await createTrickHarness(lossPackage, { plan: await planOfSpec() });
    const real = () => tf.tensor2d([[2], [-1]]);
    const fake = () => tf.tensor2d([[0.5], [-3]]);
    const labels = { real: 1, fake: 0 };
    expect(rsgan.discriminator({ tf, realLogits: real(), fakeLogits: fake(), labels }).dataSync()[0]).toBeCloseTo(0.164171, 5);
    expect(rsgan.generator({ tf, realLogits: real(), fakeLogits: fake() }).dataSync()[0]).toBeCloseTo(1.914171, 5);
    const gradient = tf.grad((r: Tensor) => rsgan.discriminator({ tf, realLogits: r, fakeLogits: fake(), labels }))(real());
    expect(Array.from(gradient.dataSync())).toEqual([expect.closeTo(-0.091213, 5), expect.closeTo(-0.059601, 5)]);
  });

  test("a spec selects it with `loss rsgan` beside its use line; it trains on the ring, the same twice", async () => {
    const plan = await planOfSpec();
    expect(plan.loss).toEqual({ kind: "trick", trick: "gan-loss-rsgan", name: "rsgan" });
    const run = async () => {
      const { trainer } = await createTrickTrainer(plan, [{ trick: lossPackage }]);
      const lines: Record<string, number>[] = [];
      for (let step = 0; step < 3; step++) lines.push((await trainer.runStep())!);
      trainer.dispose();
      return lines;
    };
    const first = await run();
    for (const line of first) for (const name of ["d_loss", "g_loss", "d_acc"]) expect(Number.isFinite(line[name])).toBe(true);
    expect(await run()).toEqual(first);
  });

  test("its manifest is a trick's: the trick's name, the gan-trick keyword, @gan/core as its only peer, no dependencies", () => {
    const { name, keywords, peerDependencies, dependencies } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as Record<string, unknown>;
    expect({ name, trick: (keywords as string[]).includes("gan-trick"), peers: Object.keys(peerDependencies as object), dependencies }).toEqual({
      name: lossPackage.name,
      trick: true,
      peers: ["@gan/core"],
      dependencies: undefined,
    });
  });
});
