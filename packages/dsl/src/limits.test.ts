/**
 * Numbers a run cannot use are refused where they are written: counts and sizes past 2^53
 * (which are no longer exact), negative learning rates, mixtures too large to hold.
 */
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { testHost } from "./test-host.js";
import { brief, errorsOf, MINIMAL, minimalWith } from "./test-support.js";

async function withBudget(text: string, memoryBudget: number): Promise<string[]> {
  return brief((await compile(text, { file: "/specs/t.gan", host: testHost(), memoryBudget })).diagnostics);
}

describe("compile: numeric limits, located at the value", () => {
  it("refuses steps, seeds and layer sizes past 2^53 at the number, not as an internal error", async () => {
    expect(await errorsOf(minimalWith("train { steps 100 }", "train { steps 1e20 }"))).toEqual([
      "12:17 steps must be at most 9007199254740991 (2^53 - 1), got 1e+20",
    ]);
    expect(await errorsOf(minimalWith("train { steps 100 }", "train { steps 100 seed 1e20 }"))).toEqual([
      "12:26 seed must be at most 9007199254740991 (2^53 - 1), got 1e+20",
    ]);
    expect(await errorsOf(minimalWith("    dense 16 relu\n    dense 2", "    dense 1e300 relu\n    dense 2"))).toEqual([
      "5:11 the number of units of dense must be at most 9007199254740991 (2^53 - 1), got 1e+300",
    ]);
  });

  it("refuses a negative learning rate, constant or scheduled, and accepts a decay to 0", async () => {
    const withOptimizer = (options: string) => minimalWith("  train { steps 100 }\n", `  train { steps 100 }\n  optimizer adam { ${options} }\n`);
    expect(await errorsOf(withOptimizer("lr: -1"))).toEqual(["13:20 adam option 'lr' must be at least 0, got -1"]);
    expect(await errorsOf(withOptimizer("lr: linear(1e-3 -> -1e-3)"))).toEqual(["13:24 adam option 'lr.to' must be at least 0, got -0.001"]);
    expect(await errorsOf(withOptimizer("lr: linear(1e-3 -> 0)"))).toEqual([]);
  });

  it("refuses a mixture with more modes than can be held", async () => {
    expect(await errorsOf(minimalWith("data ring", "data ring { modes: 1e9 }"))).toEqual(["2:15 data ring option 'modes' must be at most 100000, got 1000000000"]);
    expect(await errorsOf(minimalWith("data ring", "data grid { side: 1000 }"))).toEqual(["2:15 data grid option 'side' must be at most 316, got 1000"]);
  });
});

describe("compile: the memory budget", () => {
  // MINIMAL: G 8 -> 16 relu -> 2 (144 + 34 parameters), D 2 -> 16 relu -> 1 (48 + 17), Adam, batch 64.
  // Per example, G leaves 8 + 16*3 + 2*2 = 60 values for the backward pass and D 2 + 16*3 + 1*2 = 52, twice.
  it("passes a spec within the budget, and checks nothing without one", async () => {
    expect(await withBudget(MINIMAL, 4 * 1024 ** 3)).toEqual([]);
    expect(await errorsOf(minimalWith("dense 16 relu\n    dense 2", "dense 30000 relu\n    dense 30000\n    dense 2"))).toEqual([]);
  });

  it("refuses a layer too large for the budget at the layer, with the figures", async () => {
    const huge = minimalWith("dense 16 relu\n    dense 2", "dense 30000 relu\n    dense 30000\n    dense 2");
    expect(await withBudget(huge, 4 * 1024 ** 3)).toEqual([
      // G: 8*30000+30000 + 30000*30000+30000 + 30000*2+2, D 65: 900,360,067 parameters x 16 bytes = 13.4 GiB;
      // activations (8 + 30000*3 + 30000*2 + 2*2 + 2*52) x 8 bytes x 64 = 73.3 MiB.
      "6:5 training needs at least 13.5 GiB, more than the memory budget of 4 GiB (900,360,067 parameters: 13.4 GiB with their gradients and optimizer state; " +
        "activations of a batch of 64: 73.3 MiB); this layer alone takes 13.4 GiB (900,030,000 parameters): make it smaller, or raise the budget with --memory-budget or GAN_MEMORY_BUDGET",
    ]);
    expect(await withBudget(huge, 16 * 1024 ** 3)).toEqual([]);
  });

  it("refuses a batch too large for the budget at the batch", async () => {
    expect(await withBudget(minimalWith("train { steps 100 }", "train { steps 100 batch 10000000 }"), 4 * 1024 ** 3)).toEqual([
      // 243 parameters x 16 bytes; (60 + 2*52) values x 8 bytes x 10^7 = 12.2 GiB.
      "12:27 training needs at least 12.2 GiB, more than the memory budget of 4 GiB (243 parameters: 3.8 KiB with their gradients and optimizer state; " +
        "activations of a batch of 10,000,000: 12.2 GiB): use a smaller batch, or raise the budget with --memory-budget or GAN_MEMORY_BUDGET",
    ]);
  });
});
