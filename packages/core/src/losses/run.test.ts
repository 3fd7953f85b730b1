/**
 * The losses in the training loop: the relativistic ones train on the ring, deterministically;
 * G's update draws a real batch only for a loss that declares it uses D's real logits; a
 * trick package's loss runs like a built-in one.
 */
import { describe, expect, test } from "vitest";
import { z } from "zod";
import type { LossKind } from "@gan/plan";
import { tf } from "../tfjs.js";
import { isUserError } from "../errors.js";
import { defineTrick } from "../trick/define-trick.js";
import type { GeneratorLossContext } from "../trick/hooks.js";
import { tinyPlan } from "../testing/tiny-ring.js";
import { arrayDataSource, createTrickTrainer, probeTrick, type TrickInRun } from "../trick/trick-harness.js";
import type { TrickLossDefinition } from "./implementation.js";

const RELATIVISTIC = ["ragan", "ralsgan", "rahinge"] as const satisfies readonly LossKind[];

async function losses(plan: ReturnType<typeof tinyPlan>, tricks: TrickInRun[] = [], steps = 4): Promise<Record<string, number>[]> {
  const { trainer } = await createTrickTrainer(plan, tricks);
  try {
    const lines: Record<string, number>[] = [];
    const live: number[] = [];
    for (let step = 0; step < steps; step++) {
      lines.push((await trainer.runStep())!);
      live.push(tf.memory().numTensors);
    }
    // No tensor leaks: after the first step (which creates the optimizers' slots), the count stays flat.
    expect(new Set(live.slice(1)).size).toBe(1);
    return lines;
  } finally {
    trainer.dispose();
  }
}

describe("relativistic losses in a run", () => {
  test.each(RELATIVISTIC)("%s trains on the ring: finite losses and accuracy, the same twice with the same seed", async (kind) => {
    const plan = tinyPlan({ loss: { kind } });
    const first = await losses(plan);
    for (const line of first) {
      for (const name of ["d_loss", "g_loss", "d_acc", "g_grad_norm"]) expect(Number.isFinite(line[name]), `${kind} ${name}`).toBe(true);
    }
    expect(await losses(plan)).toEqual(first);
  });

  test("the same losses on wasm as on cpu", async () => {
    for (const kind of RELATIVISTIC) {
      const onCpu = await losses(tinyPlan({ loss: { kind } }), [], 3);
      const onWasm = await losses(tinyPlan({ loss: { kind }, train: { ...tinyPlan().train, backend: "wasm" } }), [], 3);
      for (const [i, line] of onWasm.entries()) {
        for (const name of ["d_loss", "g_loss"]) expect(line[name], `${kind} ${name} at ${i}`).toBeCloseTo(onCpu[i]![name]!, 4);
      }
    }
  });

  test("G's update draws a real batch and gives its logits to the generatorLoss hooks only for a loss that uses them", async () => {
    const seen = async (kind: LossKind) => {
      const data = arrayDataSource([0.5, -0.5, 1, 0, -1, 0.25, 0, 1], [2]);
      const nextBatch = data.nextBatch.bind(data);
      let batches = 0;
      data.nextBatch = (count) => {
        batches++;
        return nextBatch(count);
      };
      let context: GeneratorLossContext | undefined;
      const probe = probeTrick({
        generatorLoss(loss, given) {
          context = given;
          return loss;
        },
      });
      const { trainer } = await createTrickTrainer(tinyPlan({ loss: { kind } }), [{ trick: probe }], { dataSource: data });
      await trainer.runStep();
      trainer.dispose();
      return { batches, realShape: context!.real?.shape, realLogitsShape: context!.realLogits?.shape };
    };
    // One D update reads one real batch; ragan's G update one more.
    expect(await seen("nonsaturating")).toEqual({ batches: 1, realShape: undefined, realLogitsShape: undefined });
    expect(await seen("hinge")).toEqual({ batches: 1, realShape: undefined, realLogitsShape: undefined });
    expect(await seen("ragan")).toEqual({ batches: 2, realShape: [16, 2], realLogitsShape: [16, 1] });
  });
});

describe("a loss that a trick package provides", () => {
  // The mean of D's logits on real data minus that on fakes, as G sees it: what the trick gets is recorded.
  const received: { generatorReal: boolean[] } = { generatorReal: [] };
  const meanGap: TrickLossDefinition = {
    doc: "D minimises softplus(mean fake - mean real); G the opposite",
    takesTargets: false,
    generatorUsesRealLogits: true,
    discriminator: ({ tf, realLogits, fakeLogits }) => tf.softplus(tf.sub(tf.mean(fakeLogits), tf.mean(realLogits))),
    generator: ({ tf, realLogits, fakeLogits }) => {
      received.generatorReal.push(realLogits !== undefined);
      return tf.softplus(tf.sub(tf.mean(realLogits!), tf.mean(fakeLogits)));
    },
  };
  // Forgets to reduce D's loss; throws in G's.
  const broken: TrickLossDefinition = {
    ...meanGap,
    discriminator: ({ tf, realLogits, fakeLogits }) => tf.sub(fakeLogits, realLogits),
    generator: () => {
      throw new Error("no generator loss yet");
    },
  };
  const provider = defineTrick({ name: "gan-loss-gap", options: z.object({}), losses: { gap: meanGap, broken } });

  test("runs in place of the built-in loss, with D's real logits in G's update, deterministically", async () => {
    const plan = tinyPlan({ loss: { kind: "trick", trick: "gan-loss-gap", name: "gap" } });
    const first = await losses(plan, [{ trick: provider }], 3);
    expect(received.generatorReal).toEqual([true, true, true]);
    for (const line of first) {
      expect(Number.isFinite(line["d_loss"])).toBe(true);
      // No accuracy declared: none logged.
      expect(line["d_acc"]).toBeUndefined();
    }
    expect(await losses(plan, [{ trick: provider }], 3)).toEqual(first);
  });

  test("a plan whose loss names a trick the run has not loaded, or a loss it does not provide, is refused by name", async () => {
    await expect(createTrickTrainer(tinyPlan({ loss: { kind: "trick", trick: "gan-loss-gap", name: "gap" } }), [])).rejects.toThrow(
      "the loss 'gap' comes from trick 'gan-loss-gap', which this run has not loaded: add 'use \"gan-loss-gap\"' to the spec",
    );
    await expect(createTrickTrainer(tinyPlan({ loss: { kind: "trick", trick: "gan-loss-gap", name: "gapp" } }), [{ trick: provider }])).rejects.toThrow(
      "trick 'gan-loss-gap' provides no loss named 'gapp'",
    );
  });

  test("a trick's loss that returns no scalar, or throws, fails the step naming the trick and the loss", async () => {
    const { trainer } = await createTrickTrainer(tinyPlan({ loss: { kind: "trick", trick: "gan-loss-gap", name: "broken" } }), [{ trick: provider }]);
    const error = await trainer.runStep().catch((caught: unknown) => caught);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe(
      "trick 'gan-loss-gap': D's broken (from gan-loss-gap) loss failed: it returned a tensor of shape [16, 1]: a loss is a scalar (reduce it with tf.mean)",
    );
    trainer.dispose();
    const zero = await createTrickTrainer(tinyPlan({ loss: { kind: "trick", trick: "gan-loss-gap", name: "broken" } }), [
      { trick: provider },
      { trick: probeTrick({ discriminatorUpdates: () => 0 }) },
    ]);
    await expect(zero.trainer.runStep()).rejects.toThrow("trick 'gan-loss-gap': G's broken (from gan-loss-gap) loss failed: no generator loss yet");
    zero.trainer.dispose();
  });
});
