import { describe, expect, test } from "vitest";
import type { JsonValue } from "@gan/core";
import { createTrickTrainer, probeTrick, tinyPlan } from "@gan/core/testing";
import ncritic from "./index.js";

/** Trains `steps` steps and counts the updates of each network. */
async function countUpdates(options: Record<string, JsonValue>, steps: number, plan = tinyPlan()) {
  const counts = { discriminator: 0, generator: 0, perStep: [] as number[] };
  const probe = probeTrick({
    afterDiscriminatorStep: ({ step }) => {
      counts.discriminator++;
      counts.perStep[step] = (counts.perStep[step] ?? 0) + 1;
    },
    afterGeneratorStep: () => {
      counts.generator++;
    },
  });
  const { trainer } = await createTrickTrainer(plan, [{ trick: ncritic, options }, { trick: probe }]);
  for (let i = 0; i < steps; i++) await trainer.runStep();
  // Each update is an optimizer step: Adam's iteration counters agree with the hooks.
  const iterations = [trainer.discriminatorOptimizer.optimizer, trainer.generatorOptimizer.optimizer].map(
    (optimizer) => (optimizer as unknown as { iterations: number }).iterations,
  );
  trainer.dispose();
  return { ...counts, iterations };
}

describe("@gan/ncritic: counted updates over a run", () => {
  test("with a relativistic loss (G's update also reads a real batch) the counts are the same", async () => {
    for (const kind of ["ragan", "rahinge"] as const) {
      const counts = await countUpdates({}, 3, tinyPlan({ loss: { kind } }));
      expect([counts.discriminator, counts.generator, counts.iterations]).toEqual([15, 3, [15, 3]]);
    }
  });

  test("5 discriminator updates per generator update by default", async () => {
    const counts = await countUpdates({}, 6);
    expect(counts.discriminator).toBe(30);
    expect(counts.generator).toBe(6);
    expect(counts.perStep).toEqual([5, 5, 5, 5, 5, 5]);
    expect(counts.iterations).toEqual([30, 6]);
  });

  test("n follows a schedule", async () => {
    const counts = await countUpdates({ n: { schedule: "step", initial: 4, changes: [{ at: 3, value: 2 }] } }, 6);
    expect(counts.perStep).toEqual([4, 4, 4, 2, 2, 2]);
    expect(counts.generator).toBe(6);
  });

  test("n below 1 is refused", async () => {
    await expect(createTrickTrainer(tinyPlan(), [{ trick: ncritic, options: { n: 0 } }])).rejects.toThrow("trick '@gan/ncritic' has invalid options in the plan: n:");
  });
});
