/** The README's spec compiles to what the README says, and trains. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCompileHost } from "@gan/core/runtime";
import { createTrickTrainer } from "@gan/core/testing";
import { compile, formatDiagnostics } from "@gan/dsl";
import packTrick from "./index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

test("the README's spec compiles into the D it describes and trains two steps", async () => {
  const text = /```gan\n([\s\S]*?)```/.exec(readme)![1]!;
  const result = await compile(text, { file: `${here}readme.gan`, host: createCompileHost() });
  expect(formatDiagnostics(result.diagnostics, text)).toBe("");
  const plan = result.plan!;
  const d = plan.networks.discriminator;
  expect(d.layers.map((l) => l.type)).toEqual(["trick", "dense", "dense", "dense"]);
  const shapes = [d.inputShape, ...d.layers.map((l) => l.outputShape)];
  expect(readme).toContain(`with shapes\n\`${shapes.map((s) => `[${s!.join(", ")}]`).join(" -> ")}\``);
  expect(plan.rewrites.map((r) => r.description)).toEqual(["packs of 2 samples concatenated along the last axis: D judges 256 packs per batch"]);

  const { trainer } = await createTrickTrainer({ ...plan, train: { ...plan.train, backend: "cpu", batch: 16, logEvery: 1 } }, [
    { trick: packTrick, options: { m: 2 } },
  ]);
  for (let step = 0; step < 2; step++) expect(Number.isFinite((await trainer.runStep())!["d_loss"]!)).toBe(true);
  trainer.dispose();
});
