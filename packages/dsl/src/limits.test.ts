/**
 * Numbers a run cannot use are refused where they are written: counts and sizes past 2^53
 * (which are no longer exact), negative learning rates, mixtures too large to hold.
 */
import { describe, expect, it } from "vitest";
import { errorsOf, minimalWith } from "./test-support.js";

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
