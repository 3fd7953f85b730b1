import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import type { LayersModel, Tensor, TrickSetupContext } from "@gan/core";
import { createCompileHost } from "@gan/core/runtime";
import { createTrickTrainer, networksSpec, probeTrick } from "@gan/core/testing";
import { compile, formatDiagnostics } from "@gan/dsl";
import batchnorm from "./index.js";

const here = fileURLToPath(new URL(".", import.meta.url));

async function compileSpec(text: string) {
  const result = await compile(text, { file: `${here}spec.gan`, host: createCompileHost() });
  if (!result.plan) throw new Error(formatDiagnostics(result.diagnostics, text));
  return result.plan;
}

describe("@gan/batchnorm: layer positions in the compiled plan", () => {
  test("DCGAN on MNIST: batch norm in G's hidden layers and D's, not at G's output nor D's input", async () => {
    const plan = await compileSpec(`gan dcgan {
      data mnist
      latent 100
      generator {
        dense 7*7*128 relu
        reshape [7, 7, 128]
        deconv 64 kernel 4 stride 2 relu
        deconv 1 kernel 4 stride 2 tanh
      }
      discriminator {
        conv 64 kernel 4 stride 2 leakyrelu 0.2
        conv 128 kernel 4 stride 2 leakyrelu 0.2
        flatten
        dense 1
      }
      train { steps 10 }
      use "@gan/batchnorm"
    }`);
    const describe = (layers: typeof plan.networks.generator.layers) =>
      layers.map((l) => `${l.type}${"activation" in l && l.activation ? `:${l.activation.kind}` : ""} ${JSON.stringify(l.outputShape)}`);
    expect(describe(plan.networks.generator.layers)).toEqual([
      "dense [6272]",
      "batchnorm [6272]",
      "activation:relu [6272]",
      "reshape [7,7,128]",
      "deconv [14,14,64]",
      "batchnorm [14,14,64]",
      "activation:relu [14,14,64]",
      "deconv:tanh [28,28,1]",
    ]);
    expect(describe(plan.networks.discriminator.layers)).toEqual([
      "conv:leakyrelu [14,14,64]",
      "conv [7,7,128]",
      "batchnorm [7,7,128]",
      "activation:leakyrelu [7,7,128]",
      "flatten [6272]",
      "dense [1]",
    ]);
    expect(plan.rewrites.filter((r) => r.action === "insert" && r.after?.type === "batchnorm").map((r) => [r.network, r.index])).toEqual([
      ["generator", 1],
      ["generator", 5],
      ["discriminator", 2],
    ]);
  });
});

describe("@gan/batchnorm: training-mode statistics per all-real / all-fake batch", () => {
  test("D's logits in an update are those of batch norm over the real batch alone and over the fake batch alone", async () => {
    const plan = await compileSpec(
      networksSpec(
        {
          data: "ring { modes: 8, radius: 2, std: 0.02 }",
          latent: 4,
          generator: ["dense 8 relu", "dense 2"],
          discriminator: ["dense 8 leakyrelu 0.2", "dense 8 leakyrelu 0.2", "dense 1"],
        },
        `  train { steps 10 batch 32 seed 3 backend cpu }\n  use "@gan/batchnorm" { networks: "discriminator" }`,
        "ring",
      ),
    );
    let discriminator: LayersModel | undefined;
    const checks: { real: number; fake: number; mixed: number }[] = [];
    /** D applied layer by layer, its batch norm in training mode on `batches` stacked, then the rows of the first. */
    const byHand = (batches: Tensor[], tf: TrickSetupContext<unknown>["tf"]): Tensor => {
      let x = tf.concat(batches);
      for (const layer of discriminator!.layers) {
        if (layer.getClassName() !== "InputLayer") x = layer.apply(x, { training: true }) as Tensor;
      }
      return tf.slice(x, 0, batches[0]!.shape[0]);
    };
    const maxDifference = (a: Tensor, b: Tensor) => Math.max(...Array.from(a.dataSync(), (value, i) => Math.abs(value - b.dataSync()[i]!)));
    const probe = probeTrick(({ tf }) => ({
      discriminatorLoss(loss, context) {
        checks.push({
          real: maxDifference(byHand([context.real], tf), context.realLogits),
          fake: maxDifference(byHand([context.fake], tf), context.fakeLogits),
          // What a mixed batch would have given: batch statistics of real and fake together.
          mixed: maxDifference(byHand([context.real, context.fake], tf), context.realLogits),
        });
        return loss;
      },
    }));
    const { trainer } = await createTrickTrainer(plan, [{ trick: batchnorm, options: { networks: "discriminator" } }, { trick: probe }]);
    discriminator = trainer.discriminator;
    expect(discriminator.layers.map((l) => l.getClassName())).toContain("BatchNormalization");
    for (let step = 0; step < 3; step++) await trainer.runStep();
    expect(checks).toHaveLength(3);
    for (const check of checks) {
      expect(check.real).toBeLessThan(1e-5);
      expect(check.fake).toBeLessThan(1e-5);
      expect(check.mixed).toBeGreaterThan(1e-2);
    }
    trainer.dispose();
  });
});
