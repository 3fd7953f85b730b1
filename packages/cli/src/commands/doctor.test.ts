/**
 * `gan doctor` on tiny real runs made to fail (seconds each): a discriminator that wins
 * against a frozen generator, and learning rates that blow up at the first step; plus a run
 * directory that is missing or damaged. The detectors themselves: src/doctor/diagnose.test.ts.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan, tinyRingPlan, trainedRun } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));

let dir: string;
let winningRun: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-doctor-"));
  // G frozen (lr 0) near the origin, the ring far from it (radius 5), D wider and fast: D soon
  // tells G's fixed blob from the ring every time.
  const base = tinyRingPlan({
    name: "d-wins",
    optimizers: { generator: { kind: "adam", lr: 0 }, discriminator: { kind: "adam", lr: 0.01 } },
    train: { steps: 60, batch: 32, logEvery: 1, sampleEvery: 0, checkpointEvery: 0 },
  });
  const wideLayer = { type: "dense", units: 32, activation: { kind: "relu" } };
  const plan = { ...base, data: { ...base.data, radius: 5 }, networks: { ...base.networks, discriminator: { inputShape: [2], layers: [wideLayer, wideLayer, { type: "dense", units: 1 }] } } };
  winningRun = await trainedRun(plan, dir, "d-wins", "--no-eval");
}, 120_000);

describe("gan doctor", () => {
  test("a run whose D wins: the finding with its steps, the tricks, what was not judged", async () => {
    const { code, stdout, stderr } = await gan("doctor", winningRun);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^d-wins \(.*, 60 logged steps, loss nonsaturating\): 1 finding\n\n1\. the discriminator is winning: /);
    expect(stdout).toMatch(/ {5}- steps \d+-60 \(\d+ logged steps\): at its strongest, over 20 logged steps, D told real from fake \d+(\.\d+)?% of the time/);
    expect(stdout).toContain("     - @gan/label-smoothing  real targets 0.9");
    expect(stdout).toContain("\nnot judged:\n  - no eval.json: mode coverage was not measured (gan eval RUN measures it)\n");

    const json = await gan("doctor", winningRun, "--format", "json");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { name: string; loggedSteps: number; findings: { kind: string; tricks: { package: string }[] }[] };
    expect(report).toMatchObject({ name: "d-wins", loggedSteps: 60 });
    expect(report.findings.map((finding) => finding.kind)).toEqual(["discriminator-winning"]);
  });

  test("a run that failed at its first step: the numeric failure from run.json", async () => {
    const planFile = path.join(dir, "blowup.json");
    const optimizers = { generator: { kind: "sgd", lr: 1e30 }, discriminator: { kind: "sgd", lr: 1e30 } };
    writeFileSync(planFile, JSON.stringify(tinyRingPlan({ name: "blowup", optimizers, train: { steps: 4, batch: 8, logEvery: 1, sampleEvery: 0 } })));
    expect((await gan("train", planFile, "--out", path.join(dir, "blowup"))).code).toBe(1);
    const runDir = path.join(dir, "blowup", "blowup", readdirSync(path.join(dir, "blowup", "blowup"))[0]!);
    const { code, stdout } = await gan("doctor", runDir, "--format", "json");
    expect(code).toBe(0);
    const [finding] = (JSON.parse(stdout) as { findings: { kind: string; evidence: string[] }[] }).findings;
    expect(finding!.kind).toBe("numeric-failure");
    expect(finding!.evidence[0]).toMatch(/^run\.json: the run failed: the (generator|discriminator) loss \([dg]_loss\) became NaN or infinite at step 0/);
  });

  test("a run directory that is missing or damaged: one line naming it, exit 1; a wrong --format: exit 2", async () => {
    const missing = path.join(dir, "nowhere");
    expect(await gan("doctor", missing)).toEqual({ code: 1, stdout: "", stderr: `gan: ${missing}: no such run directory\n` });

    const noMetrics = path.join(dir, "no-metrics");
    cpSync(winningRun, noMetrics, { recursive: true });
    rmSync(path.join(noMetrics, "metrics.jsonl"));
    const result = await gan("doctor", noMetrics);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^gan: .*no-metrics\/metrics\.jsonl: no logged step to diagnose \(.*\)\n$/);

    const badInfo = path.join(dir, "bad-info");
    cpSync(winningRun, badInfo, { recursive: true });
    writeFileSync(path.join(badInfo, "run.json"), "{ half");
    const bad = await gan("doctor", badInfo);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^gan: .*bad-info\/run\.json: not valid JSON \(.*\)\n$/);

    expect(await gan("doctor", winningRun, "--format", "xml")).toMatchObject({ code: 2, stderr: "gan: gan doctor: --format must be one of text, json, got 'xml'\n" });
  });
});
