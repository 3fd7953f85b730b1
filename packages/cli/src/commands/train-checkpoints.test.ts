/**
 * Checkpoints and run plans that cannot be trusted, through the CLI: a checkpoint copied from
 * another plan, a truncated weights file whose manifest matches it, a run plan.json emptied or
 * edited by hand. Each is a one-line error with exit code 1 (never a stack trace). Also: a
 * damaged checkpoint's warning reaches the terminal, only the newest `keepCheckpoints` are
 * kept, and a spec that changes only train.steps or a comment resumes.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { tinyRingSpec } from "@gan/core/testing";
import { gan, tinyRingPlan, trainedRun } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));
registerCommand("sample", () => import("./sample.js"));
registerCommand("eval", () => import("./eval.js"));
registerCommand("report", () => import("./report.js"));

let dir: string;
let runs = 0;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-checkpoints-"));
});

/** 4 steps with a checkpoint every 2: checkpoints step-000002 and step-000004. */
const plan = (train: object = {}) => tinyRingPlan({ train: { checkpointEvery: 2, ...train } });
const freshRun = (p: object = plan(), ...flags: string[]) => trainedRun(p, dir, `run-${runs++}`, ...flags);
const checkpoint = (runDir: string, step: number) => path.join(runDir, "checkpoints", `step-${String(step).padStart(6, "0")}`);

/** Expects exit code 1 and one line on stderr (no stack trace); returns the line. */
function oneLineError(result: { code: number; stdout: string; stderr: string }): string {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
  return result.stderr.trimEnd();
}

/** Rewrites a checkpoint's manifest so that its files match it again (what a careless copy or edit leaves). */
function rehash(checkpointDir: string): void {
  const file = path.join(checkpointDir, "manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { files: Record<string, string> };
  for (const name of Object.keys(manifest.files)) {
    manifest.files[name] = createHash("sha256").update(readFileSync(path.join(checkpointDir, ...name.split("/")))).digest("hex");
  }
  writeFileSync(file, JSON.stringify(manifest));
}

describe("checkpoints that do not belong to the run", () => {
  test("a checkpoint copied from another plan is refused by resume and by sample", async () => {
    const ours = await freshRun();
    const theirs = await freshRun(plan({ seed: 7 }));
    rmSync(checkpoint(ours, 4), { recursive: true });
    cpSync(checkpoint(theirs, 4), checkpoint(ours, 4), { recursive: true });

    const resumed = oneLineError(await gan("train", "--resume", ours, "--steps", "6"));
    expect(resumed).toBe(`gan: ${checkpoint(ours, 4)} was written for another plan than this run's plan.json (its trainingHash differs): a checkpoint copied from another run cannot be loaded into this one`);

    rmSync(path.join(ours, "generator"), { recursive: true });
    expect(oneLineError(await gan("sample", ours, "-n", "2"))).toContain("was written for another plan");
  });

  test("a truncated weights file with a matching manifest is a one-line error naming the file", async () => {
    const runDir = await freshRun();
    const weights = path.join(checkpoint(runDir, 4), "generator", "weights.bin");
    truncateSync(weights, 10);
    rehash(checkpoint(runDir, 4));
    const line = oneLineError(await gan("train", "--resume", runDir, "--steps", "6"));
    expect(line).toMatch(new RegExp(`^gan: ${weights.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: 10 bytes where \\d+ are needed`));

    // The final generator has no manifest: its size is checked all the same.
    truncateSync(path.join(runDir, "generator", "weights.bin"), 10);
    expect(oneLineError(await gan("sample", runDir, "-n", "2"))).toContain(`${path.join(runDir, "generator", "weights.bin")}: 10 bytes where`);
  });
});

describe("a run's plan.json emptied or edited by hand", () => {
  test("empty: resume, eval, report and sample each say so in one line", async () => {
    const runDir = await freshRun();
    const planFile = path.join(runDir, "plan.json");
    writeFileSync(planFile, "");
    const expected = `gan: ${planFile}: not valid JSON (Unexpected end of JSON input)`;
    expect(oneLineError(await gan("train", "--resume", runDir, "--steps", "6"))).toBe(expected);
    expect(oneLineError(await gan("eval", runDir, "-n", "10"))).toBe(expected);
    expect(oneLineError(await gan("report", runDir))).toBe(expected);
    expect(oneLineError(await gan("sample", runDir, "-n", "2"))).toBe(expected);
  });

  test("not a plan any more: the problem with its path", async () => {
    const runDir = await freshRun();
    const planFile = path.join(runDir, "plan.json");
    const edited = JSON.parse(readFileSync(planFile, "utf8"));
    edited.networks.generator.layers[0].units = "eight";
    writeFileSync(planFile, JSON.stringify(edited));
    for (const argv of [["train", "--resume", runDir, "--steps", "6"], ["eval", runDir], ["report", runDir], ["sample", runDir]]) {
      const { code, stderr } = await gan(...argv);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(/is not a valid plan:\nnetworks\.generator\.layers\[0\]\.units: /);
      expect(stderr).not.toMatch(/internal error|    at /);
    }
  });

  test("a valid plan that no longer fits the weights: resume and sample refuse it in one line", async () => {
    const runDir = await freshRun();
    const planFile = path.join(runDir, "plan.json");
    const edited = JSON.parse(readFileSync(planFile, "utf8"));
    edited.networks.generator.layers[0].units = 16;
    delete edited.networks.generator.layers[0].outputShape;
    writeFileSync(planFile, JSON.stringify(edited));
    expect(oneLineError(await gan("train", "--resume", runDir, "--steps", "6"))).toContain("was written for another plan");
    expect(oneLineError(await gan("sample", runDir, "-n", "2"))).toMatch(/generator: the weights do not fit this run's generator: /);
  });
});

describe("damaged checkpoints and how many are kept", () => {
  test("the damaged-checkpoint warning reaches the terminal and names the step used instead", async () => {
    const runDir = await freshRun();
    writeFileSync(path.join(checkpoint(runDir, 4), "state.json"), "{}");
    const { code, stderr } = await gan("train", "--resume", runDir, "--steps", "6");
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(
      "warning: checkpoint step-000004 is damaged (state.json does not match its sha256 in the manifest); falling back to step 2\n",
    );
  });

  test("only the newest train.keepCheckpoints checkpoints are kept (3 by default)", async () => {
    const names = (runDir: string) => readdirSync(path.join(runDir, "checkpoints")).sort();
    const byDefault = await freshRun(plan({ steps: 6, checkpointEvery: 1 }));
    expect(names(byDefault)).toEqual(["step-000004", "step-000005", "step-000006"]);
    const two = await freshRun(plan({ steps: 6, checkpointEvery: 1, keepCheckpoints: 2 }));
    expect(names(two)).toEqual(["step-000005", "step-000006"]);
    const all = await freshRun(plan({ steps: 4, checkpointEvery: 1, keepCheckpoints: 0 }));
    expect(names(all)).toEqual(["step-000001", "step-000002", "step-000003", "step-000004"]);
  });
});

describe("resuming with a changed spec", () => {
  // A comment on top moves every line, and so every source position in the plan.
  const spec = (steps: number, comment = "") => comment + tinyRingSpec(`  train { steps ${steps} batch 16 checkpoint every 2 backend cpu }`);

  test("a spec that changes only train.steps and a comment resumes; one that changes batch is refused with only that difference", async () => {
    const specFile = path.join(dir, "resume.gan");
    writeFileSync(specFile, spec(4));
    const out = path.join(dir, "spec-runs");
    expect((await gan("train", specFile, "--out", out)).code).toBe(0);
    const runDir = path.join(out, "tiny", readdirSync(path.join(out, "tiny"))[0]!);

    writeFileSync(specFile, spec(6, "// a comment, and the lines below it move down\n\n"));
    const resumed = await gan("train", specFile, "--resume", runDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/^trained 6 steps/m);

    writeFileSync(specFile, spec(8).replace("batch 16", "batch 8"));
    const refused = await gan("train", specFile, "--resume", runDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `gan: cannot resume ${runDir}: the plan differs from the one the run was started with ` +
        "(only train.steps, train.backend, train.keepCheckpoints, comments and layout may change):\n- train.batch: 16\n+ train.batch: 8\n",
    );
  });
});
