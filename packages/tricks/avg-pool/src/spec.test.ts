import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCompileHost } from "@gan/core/runtime";
import { networksSpec } from "@gan/core/testing";
import { compile, formatDiagnostics } from "@gan/dsl";

const here = fileURLToPath(new URL(".", import.meta.url));

test("the compiled plan: D's maxpool layers are avgpool layers with the same geometry and shapes", async () => {
  const text = networksSpec(
    {
      data: "mnist",
      latent: 16,
      generator: ["dense 784 sigmoid", "reshape [28, 28, 1]"],
      discriminator: ["conv 16 relu", "maxpool 2", "conv 32 relu", "maxpool 3 stride 2 padding same", "flatten", "dense 1"],
    },
    `  train { steps 10 }\n  use "@gan/avg-pool" { networks: "discriminator" }`,
    "mnist",
  );
  const result = await compile(text, { file: `${here}spec.gan`, host: createCompileHost() });
  expect(formatDiagnostics(result.diagnostics, text)).toBe("");
  const layers = result.plan!.networks.discriminator.layers;
  expect(layers.map((l) => l.type)).toEqual(["conv", "avgpool", "conv", "avgpool", "flatten", "dense"]);
  expect(layers[3]).toMatchObject({ type: "avgpool", size: 3, stride: 2, padding: "same", outputShape: [7, 7, 32] });
  expect(layers[1]).toMatchObject({ outputShape: [14, 14, 16] });
  expect(result.plan!.rewrites.map((r) => `${r.network}[${r.index}] ${r.action}: ${r.description}`)).toEqual([
    "discriminator[1] replace: maxpool 2 -> avgpool 2",
    "discriminator[3] replace: maxpool 3 -> avgpool 3",
  ]);
});
