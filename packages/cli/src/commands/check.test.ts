/**
 * `gan check --format json`: a machine's view of the same diagnostics as the text form, cut the
 * same way, so that a spec with a megabytes-long token gives a short answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { gan } from "./test-train-helpers.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gan check --format json", () => {
  test("a message quoting a megabyte-long token keeps its start and end, as in the text form", async () => {
    const file = path.join(dir, "long.gan");
    const token = "x".repeat(1_000_000);
    writeFileSync(file, `gan t {\n  latent 8 ${token}\n}\n`);
    const { code, stdout } = await gan("check", file, "--format", "json");
    expect(code).toBe(1);
    expect(stdout.length).toBeLessThan(5_000);
    const rows = JSON.parse(stdout) as { line: number; column: number; message: string }[];
    const latent = rows.find((row) => row.line === 2)!;
    expect(latent.column).toBe(12);
    expect(latent.message).toMatch(/^unknown latent distribution 'x+…x+': it is 'normal' or 'uniform'$/);
    const text = await gan("check", file);
    expect(text.stderr).toContain(`:2:12: error: ${latent.message}\n`);
  });
});
