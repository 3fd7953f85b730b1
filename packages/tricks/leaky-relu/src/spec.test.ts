import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCompileHost } from "@gan/core/runtime";
import { networksSpec } from "@gan/core/testing";
import { compile, formatDiagnostics } from "@gan/dsl";

const here = fileURLToPath(new URL(".", import.meta.url));

async function compileSpec(text: string) {
  const result = await compile(text, { file: `${here}spec.gan`, host: createCompileHost() });
  return { plan: result.plan, messages: formatDiagnostics(result.diagnostics, text) };
}

const spec = (use: string) =>
  networksSpec(
    { data: "ring", latent: 8, generator: ["dense 16 relu", "dense 2"], discriminator: ["dense 16 relu", "relu", "dense 1"] },
    `  train { steps 10 }\n  ${use}`,
    "ring",
  );

test("the compiled plan: every relu of both networks is leaky, and plan.rewrites lists each one", async () => {
  const { plan, messages } = await compileSpec(spec(`use "@gan/leaky-relu" { alpha: 0.1 }`));
  expect(messages).toBe("");
  expect(plan!.networks.generator.layers[0]).toMatchObject({ type: "dense", units: 16, activation: { kind: "leakyrelu", alpha: 0.1 } });
  expect(plan!.networks.discriminator.layers.slice(0, 2)).toMatchObject([
    { type: "dense", activation: { kind: "leakyrelu", alpha: 0.1 } },
    { type: "activation", activation: { kind: "leakyrelu", alpha: 0.1 } },
  ]);
  expect(plan!.rewrites.map((r) => `${r.trick} ${r.network}[${r.index}]: ${r.description}`)).toEqual([
    "@gan/leaky-relu generator[0]: dense 16 relu -> dense 16 leakyrelu 0.1",
    "@gan/leaky-relu discriminator[0]: dense 16 relu -> dense 16 leakyrelu 0.1",
    "@gan/leaky-relu discriminator[1]: relu -> leakyrelu 0.1",
  ]);
  expect(plan!.tricks).toMatchObject([{ package: "@gan/leaky-relu", options: { alpha: 0.1, networks: "both" } }]);
});

test("a misspelt option and a schedule for alpha are errors at the spec's line", async () => {
  const misspelt = await compileSpec(spec(`use "@gan/leaky-relu" { alhpa: 0.1 }`));
  expect(misspelt.plan).toBeUndefined();
  expect(misspelt.messages).toContain("alhpa");
  const scheduled = await compileSpec(spec(`use "@gan/leaky-relu" { alpha: linear(0.2 -> 0, until 5) }`));
  expect(scheduled.plan).toBeUndefined();
  expect(scheduled.messages).toContain("option 'alpha' is applied at compile time and cannot be a schedule: give a number");
  expect(scheduled.messages).toContain("spec.gan:14");
});
