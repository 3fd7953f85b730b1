import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { tinyRingSpec, tinyTraining } from "@gan/core/testing";
import { gan, scratchDirectory } from "../test-support.js";
import { SweepProgress } from "../experiment/progress.js";
import type { SweepRecord } from "../experiment/results.js";

// Specs are written inside the repository, where the trick packages resolve.
const dir = scratchDirectory("gan-sweep-test-", { inRepository: true });

const SPEC = tinyRingSpec(`${tinyTraining({ steps: 4, batch: 16, seed: 5, backend: "cpu", "log every": 2 })}
  use "@gan/label-smoothing" { real: 0.9 }`);
const file = path.join(dir, "tiny.gan");
writeFileSync(file, SPEC);


describe("gan sweep without --queue", () => {
  test("trains every grid point in child processes here, writes the table, and status and collect read it back", async () => {
    const artifacts = path.join(dir, "artifacts");
    const swept = await gan("sweep", file, "--grid", "@gan/label-smoothing.real=0.9,1", "--jobs", "2", "--artifacts", artifacts);
    expect(swept.code, swept.stderr).toBe(0);
    const id = /^sweep (tiny-[0-9a-f]{10}) of /.exec(swept.stderr)![1]!;
    expect(swept.stderr).toContain(`sweep ${id} of ${file}: 2 points x 1 seeds = 2 runs of 4 steps, 2 at a time here\n`);
    expect(swept.stderr).toContain("0/2 runs done  2 running  0 waiting  0%");
    expect(swept.stderr).toContain("2/2 runs done  0 running  0 waiting  100%");
    expect(swept.stdout).toMatch(
      /^\| variant \| runs \| modes captured \| high quality % \| reverse KL \|\n\|---\|---\|--:\|--:\|--:\|\n\| @gan\/label-smoothing\.real=0\.9 \| 1 \| .*\n\| @gan\/label-smoothing\.real=1 \| 1 \| .*\n$/,
    );
    const record = JSON.parse(readFileSync(path.join(artifacts, "sweeps", id, "sweep.json"), "utf8")) as SweepRecord;
    expect(record.complete).toBe(true);
    expect(record.definition.axes).toEqual([{ package: "@gan/label-smoothing", option: "real", values: ["0.9", "1"] }]);
    expect(record.runs.map((r) => r.runId)).toEqual(record.definition.runs.map((r) => r.runId));
    for (const result of record.runs) expect(existsSync(path.join(artifacts, result.runDir!, "eval.json"))).toBe(true);
    const markdown = readFileSync(path.join(artifacts, "sweeps", id, "sweep.md"), "utf8");
    expect(markdown).toContain(swept.stdout);
    expect(markdown).toContain(`    gan sweep ${file} --grid @gan/label-smoothing.real=0.9,1 --jobs 2 --artifacts ${artifacts}\n`);

    const status = await gan("sweep", "status", id, "--artifacts", artifacts);
    expect(status.stdout).toContain(`sweep ${id} (sweep of ${file}, 4 steps per run): 2 runs: 2 completed; 100% of all steps\n`);
    expect(status.stdout).toContain(`complete: gan sweep collect ${id}\n`);
    const collected = await gan("sweep", "collect", id, "--artifacts", artifacts);
    expect(collected).toMatchObject({ code: 0, stdout: swept.stdout });

    // Again: the same id, nothing trained again.
    const again = await gan("sweep", file, "--grid", "@gan/label-smoothing.real=0.9,1", "--jobs", "2", "--artifacts", artifacts);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/finished earlier, reused/g)).toHaveLength(2);
    expect(again.stdout).toBe(swept.stdout);
  }, 300_000);

  test("mistakes are one line each", async () => {
    expect(await gan("sweep", file)).toMatchObject({ code: 2, stderr: 'gan: gan sweep: give at least one --grid PACKAGE.OPTION=VALUE,VALUE,... (e.g. --grid "@gan/gp.lambda=1,10")\n' });
    expect(await gan("sweep", file, "--grid", "@gan/gp.lambda=1,10")).toMatchObject({
      code: 1,
      stderr: `gan: --grid @gan/gp.lambda: ${file} does not use the trick @gan/gp (it uses @gan/label-smoothing); add \`use "@gan/gp"\` to the spec to sweep its options\n`,
    });
    expect(await gan("sweep", "plan.json", "--grid", "a.b=1")).toMatchObject({ code: 2, stderr: "gan: gan sweep: give the .gan spec: grid values are set in its `use` lines\n" });
    const artifacts = path.join(dir, "empty");
    expect(await gan("sweep", "status", "tiny-0123456789", "--artifacts", artifacts)).toMatchObject({
      code: 1,
      stderr: `gan: no sweep tiny-0123456789 in ${artifacts} (${path.join(artifacts, "sweeps", "tiny-0123456789", "sweep.json")} does not exist); for a sweep run on workers give --queue URL\n`,
    });
    expect(await gan("sweep", "collect")).toMatchObject({ code: 2, stderr: "gan: gan sweep collect: missing argument\n" });
  });
});

describe("SweepProgress", () => {
  test("plain lines when runs start, end or fail; a bar redrawn in place on a terminal", () => {
    let plain = "";
    const lines = new SweepProgress({ write: (text) => void (plain += text), isTTY: false });
    const counts = { total: 4, finished: 0, failed: 0, running: 2, stepsDone: 0, stepsTotal: 400 };
    lines.update(counts);
    lines.update({ ...counts, stepsDone: 50 });
    lines.log("[1/4] a, seed 1: failed: it broke");
    lines.update({ ...counts, failed: 1, stepsDone: 150 });
    expect(plain.replace(/elapsed \S+(  ETA \S+)?/g, "T")).toBe(
      "0/4 runs done  2 running  2 waiting  0%  T\n[1/4] a, seed 1: failed: it broke\n1/4 runs done  1 failed  2 running  1 waiting  38%  T\n",
    );
    let tty = "";
    const bar = new SweepProgress({ write: (text) => void (tty += text), isTTY: true, columns: 120 });
    bar.update({ ...counts, stepsDone: 200 });
    bar.log("a line");
    bar.finish();
    expect(tty).toMatch(/^\r\[#{15}\.{15}\] 0\/4 runs done {2}2 running {2}2 waiting {2}50% {2}elapsed 0s\x1b\[K\r\x1b\[Ka line\n\r\[#{15}\.{15}\] .*\x1b\[K\n$/);
  });
});
