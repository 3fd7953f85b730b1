/**
 * Every example spec compiles with its tricks and trains a few steps on wasm, the backend a
 * user without tfjs-node gets: the specs, the trick packages they use and the runtime work
 * together. Batches are made small so that the conv examples (WGAN-GP: five critic updates
 * with a gradient penalty per step) stay within a CI budget; the networks, the data and the
 * tricks are the examples' own.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCompileHost, train, type MetricsLine } from "@gan/core/runtime";
import { compile, formatDiagnostics } from "@gan/dsl";
import { ensureEmojiFolder } from "../../../packages/metrics/scripts/make-emoji-folder.js";

const examples = fileURLToPath(new URL("../..", import.meta.url));
const specs = readdirSync(examples).filter((file) => file.endsWith(".gan")).sort();
const out = mkdtempSync(path.join(tmpdir(), "gan-examples-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
// examples/emoji.gan reads a folder made from an installed npm package (not committed): make it first.
beforeAll(() => ensureEmojiFolder());

const STEPS = 2;
const BATCH = 16;

describe("examples", () => {
  test("there are examples to run", () => {
    expect(specs).toEqual(expect.arrayContaining(["grid25.gan", "mnist-dcgan.gan", "mnist-wgan-gp.gan", "ring8.gan"]));
  });

  for (const spec of specs) {
    test(`${spec} compiles and trains ${STEPS} steps on wasm`, async () => {
      const file = path.join(examples, spec);
      const text = readFileSync(file, "utf8");
      const compiled = await compile(text, { file, host: createCompileHost() });
      expect(formatDiagnostics(compiled.diagnostics.filter((d) => d.severity === "error"), text)).toBe("");
      const plan = compiled.plan!;
      const lines: MetricsLine[] = [];
      const result = await train(
        { ...plan, train: { ...plan.train, batch: BATCH, logEvery: 1 } },
        { backend: "wasm", steps: STEPS, out, progress: false, tricksFrom: examples, onMetrics: (line) => lines.push(line) },
      );
      expect(result.backend.name).toBe("wasm");
      expect(result.steps).toBe(STEPS);
      expect(lines.map((line) => line.step)).toEqual([1, 2]);
      for (const line of lines) {
        expect(Number.isFinite(line.d_loss)).toBe(true);
        expect(Number.isFinite(line.g_loss)).toBe(true);
      }
      expect(existsSync(path.join(result.runDir, "generator", "model.json"))).toBe(true);
    });
  }
});
