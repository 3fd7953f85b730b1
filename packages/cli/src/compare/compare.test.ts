import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { train } from "@gan/core/runtime";
import { tinyPlan } from "@gan/core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { captureOutput } from "../io.js";
import { main } from "../main.js";

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let plain: string;
let other: string;
let third: string;
beforeAll(async () => {
  const base = tinyPlan();
  const steps = { ...base.train, steps: 6, logEvery: 2, sampleEvery: 3 };
  plain = (await train(tinyPlan({ train: steps }), { out: path.join(dir, "runs"), progress: false })).runDir;
  other = (await train(tinyPlan({ name: "wider", train: { ...steps, seed: 2 } }), { out: path.join(dir, "runs"), progress: false })).runDir;
  // In the same folder as `other`: a second directory of the same second gets a "-2", so the names differ.
  third = (await train(tinyPlan({ name: "wider", train: { ...steps, seed: 3 } }), { out: path.join(dir, "runs"), progress: false })).runDir;
  // eval.json for the first run only: the others show "-" in its columns.
  expect((await gan("eval", plain, "-n", "200", "--backend", "cpu")).code).toBe(0);
}, 120_000);

describe("gan compare", () => {
  test("one table row per run, eval.json's metrics and the loop's last values; an HTML page with the curves of every run", async () => {
    const out = path.join(dir, "compare.html");
    const result = await gan("compare", plain, other, third, "-o", out);
    expect(result.code).toBe(0);
    const [header, rule, ...rows] = result.stdout.split("\n");
    expect(header).toBe("| run | modes captured | high quality % | reverse KL | steps | last D loss | last G loss |");
    expect(rule).toBe("|---|--:|--:|--:|--:|--:|--:|");
    expect(rows[0]).toMatch(/^\| tiny \| \d+\.\d \| \d+\.\d \| (\d\.\d{3}|-) \| 6 \| -?\d+\.\d{3} \| -?\d+\.\d{3} \|$/);
    // Two runs named "wider": told apart by their directories' names.
    expect(rows[1]).toMatch(new RegExp(`^\\| wider \\(${path.basename(other)}\\) \\| - \\| - \\| - \\| 6 \\|`));
    expect(rows[2]).toMatch(new RegExp(`^\\| wider \\(${path.basename(third)}\\) \\| - \\| - \\| - \\| 6 \\|`));
    expect(result.stdout).toContain(`\ntiny: ${plain}\n`);
    expect(result.stderr).toBe(`wrote ${out}\n`);
    const html = readFileSync(out, "utf8");
    expect(html).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
    expect(html).toContain("<h1>3 runs compared</h1>");
    // One chart per logged scalar, one series per run.
    const losses = html.slice(html.indexOf('data-chart="compare:d_loss"'));
    for (const label of ["tiny", `wider (${path.basename(other)})`, `wider (${path.basename(third)})`]) expect(losses.slice(0, losses.indexOf("</svg>"))).toContain(label);
    expect((html.match(/<img src="data:image\/png;base64,/g) ?? []).length).toBe(3);
  });

  test("a directory of runs stands for each run in it; --format json gives the rows", async () => {
    const result = await gan("compare", path.join(dir, "runs"), "--format", "json", "-o", path.join(dir, "c2.html"));
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { runs: { label: string; runDir: string }[]; metrics: string[]; rows: { label: string; cells: Record<string, { mean: number } | null> }[] };
    expect(json.runs.map((r) => r.runDir).sort()).toEqual([plain, other, third].sort());
    expect(json.metrics).toEqual(expect.arrayContaining(["modes", "steps", "final_d_loss"]));
    expect(json.rows.every((row) => row.cells.steps!.mean === 6)).toBe(true);
  });

  test("mistakes are one line each", async () => {
    const missing = path.join(dir, "nowhere");
    expect(await gan("compare", missing)).toMatchObject({ code: 1, stderr: `gan: ${missing}: no such run directory\n` });
    const empty = path.join(dir, "empty");
    mkdirSync(empty);
    writeFileSync(path.join(empty, "notes.txt"), "");
    expect(await gan("compare", empty)).toMatchObject({ code: 1, stderr: `gan: ${empty} is not a run directory (it has no plan.json) and holds none\n` });
    expect(await gan("compare")).toMatchObject({ code: 2 });
    expect(await gan("compare", plain, "--format", "csv")).toMatchObject({ code: 2, stderr: "gan: gan compare: --format must be one of table, json, got 'csv'\n" });
  });
});
