import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { tinyRingSpec } from "@gan/core/testing";
import { captureOutput } from "./io.js";
import { main, registerCommand } from "./main.js";
import { tinyRingPlan } from "./commands/test-train-helpers.js";
import { DEFAULT_MEMORY_BUDGET, memoryBudget, parseByteSize } from "./memory-budget.js";

registerCommand("train", () => import("./commands/train.js"));

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-memory-budget-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

/** The tiny ring spec with a batch of ten million: its training needs about 6.6 GiB (the plan below). */
const bigBatch = path.join(dir, "big-batch.gan");
writeFileSync(bigBatch, tinyRingSpec("  train { steps 10 batch 10000000 }", "big"));

describe("parseByteSize", () => {
  test("binary units, decimal units, bare bytes", () => {
    expect(["8GiB", "8 gib", "8G", "8GB", "512MiB", "1.5KiB", "1e9", "4096"].map(parseByteSize)).toEqual([
      8 * 1024 ** 3, 8 * 1024 ** 3, 8 * 1024 ** 3, 8e9, 512 * 1024 ** 2, 1536, 1e9, 4096,
    ]);
    expect(["", "lots", "-1GiB", "0", "8 parsecs"].map(parseByteSize)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test("the flag wins over the environment, which wins over the default", () => {
    expect(memoryBudget("check", "1GiB", { GAN_MEMORY_BUDGET: "2GiB" })).toBe(1024 ** 3);
    expect(memoryBudget("check", undefined, { GAN_MEMORY_BUDGET: "2GiB" })).toBe(2 * 1024 ** 3);
    expect(memoryBudget("check", undefined, {})).toBe(DEFAULT_MEMORY_BUDGET);
  });
});

describe("gan check --memory-budget", () => {
  test("a spec over the default budget is an error at the batch, with the figure", async () => {
    const { code, stderr } = await gan("check", bigBatch);
    expect(code).toBe(1);
    expect(stderr).toContain("big-batch.gan:12:26: error: training needs at least 6.56 GiB, more than the memory budget of 4 GiB");
  });

  test("a larger budget lets it pass; a budget that is not a size is a usage error", async () => {
    expect(await gan("check", bigBatch, "--memory-budget", "16GiB")).toEqual({ code: 0, stdout: `${bigBatch}: ok\n`, stderr: "" });
    expect(await gan("check", bigBatch, "--memory-budget", "lots")).toEqual({
      code: 2,
      stdout: "",
      stderr: "gan: gan check: --memory-budget needs a size such as 8GiB or 512MiB, got 'lots'\n",
    });
  });
});

describe("gan train plan.json", () => {
  test("a plan over the budget is refused before anything runs, naming the batch", async () => {
    const planFile = path.join(dir, "big-batch.json");
    writeFileSync(planFile, JSON.stringify(tinyRingPlan({ train: { batch: 10_000_000 } })));
    const out = path.join(dir, "runs");
    const { code, stdout, stderr } = await gan("train", planFile, "--out", out);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    // tinyRingPlan: G 4 -> 8 relu -> 2, D 2 -> 8 relu -> 1: (32 + 2 * 28) values x 8 bytes x 10^7 = 6.56 GiB.
    expect(stderr).toBe(
      `gan: ${planFile}: training needs at least 6.56 GiB, more than the memory budget of 4 GiB (91 parameters: 1.42 KiB with their gradients and optimizer state; ` +
        "activations of a batch of 10,000,000: 6.56 GiB): use a smaller batch, or raise the budget with --memory-budget or GAN_MEMORY_BUDGET\n",
    );
    expect(existsSync(out)).toBe(false);
  });
});
