/**
 * The layers of modern GANs in the language: upsample, pixelshuffle, attention, instancenorm,
 * layernorm and embedding: their words and defaults in the plan, their shapes, their located
 * errors, and `gan fmt`'s round trip. (layer-kinds.test.ts checks every kind's example line
 * and aliases.)
 */
import { describe, expect, it } from "vitest";
import type { Plan } from "@gan/plan";
import { format } from "./format.js";
import { brief, compileText, errorsOf } from "./test-support.js";

const spec = (generator: string, discriminator: string) => `gan t {
  data mnist
  latent 16

  generator {
${generator}
  }

  discriminator {
${discriminator}
  }

  train {
    steps 10
  }
}
`;

const GENERATOR = `    dense 7*7*8
    reshape [7, 7, 8]
    upsample 2 // 14x14
    conv 16
    attention
    pixelshuffle 2 relu // 28x28x4
    upsample 1 mode bilinear
    conv 1 sigmoid`;
const DISCRIMINATOR = `    conv 8 stride 2 leakyrelu 0.2
    instancenorm epsilon 1e-3
    layernorm
    flatten
    dense 1`;

const withoutSources = (layers: Plan["networks"]["generator"]["layers"]) => layers.map(({ source: _source, ...layer }) => layer);

describe("the layers of modern GANs in a spec", () => {
  it("compile with their defaults and shapes", async () => {
    const result = await compileText(spec(GENERATOR, DISCRIMINATOR));
    expect(brief(result.diagnostics)).toEqual([]);
    const { generator, discriminator } = result.plan!.networks;
    expect(withoutSources(generator.layers).slice(2, 7)).toEqual([
      { type: "upsample", factor: 2, mode: "nearest", outputShape: [14, 14, 8] },
      { type: "conv", filters: 16, kernel: 3, stride: 1, padding: "same", outputShape: [14, 14, 16] },
      { type: "attention", outputShape: [14, 14, 16] },
      { type: "pixelshuffle", factor: 2, outputShape: [28, 28, 4] },
      { type: "activation", activation: { kind: "relu" }, outputShape: [28, 28, 4] },
    ]);
    expect(withoutSources(generator.layers)[7]).toEqual({ type: "upsample", factor: 1, mode: "bilinear", outputShape: [28, 28, 4] });
    expect(withoutSources(discriminator.layers).slice(1, 3)).toEqual([
      { type: "instancenorm", epsilon: 1e-3, outputShape: [14, 14, 8] },
      { type: "layernorm", epsilon: 1e-5, outputShape: [14, 14, 8] },
    ]);
    // Each layer points at its word.
    expect(generator.layers[4]!.source).toEqual({ line: 10, column: 5 });
  });

  it("format back as written", () => {
    const text = spec(GENERATOR, DISCRIMINATOR);
    expect(format(text, "/specs/t.gan")).toEqual({ text, diagnostics: [] });
  });

  it("embedding: classes and dim, on an input of one class id", async () => {
    const generator = "    embedding 10 dim 4\n    flatten\n    dense 28*28 sigmoid\n    reshape [28, 28, 1]";
    const result = await compileText(spec(generator, DISCRIMINATOR).replace("latent 16", "latent 1"));
    expect(brief(result.diagnostics)).toEqual([]);
    expect(withoutSources(result.plan!.networks.generator.layers)[0]).toEqual({ type: "embedding", classes: 10, dim: 4, outputShape: [1, 4] });
  });

  it.each([
    ["an unknown mode, at the mode", GENERATOR.replace("mode bilinear", "mode bicubic"), DISCRIMINATOR, ["12:21 unknown mode 'bicubic': it must be 'nearest' or 'bilinear'"]],
    ["a mode without its word", GENERATOR.replace("mode bilinear", "bilinear"), DISCRIMINATOR, ["12:16 'bilinear' is a value of upsample's option 'mode': write 'mode bilinear'"]],
    ["a factor of 0", GENERATOR.replace("upsample 2", "upsample 0"), DISCRIMINATOR, ["8:14 the upsampling factor of upsample must be a positive integer, got 0"]],
    [
      "channels that do not fill pixelshuffle's blocks",
      GENERATOR.replace("pixelshuffle 2 relu", "pixelshuffle 3"),
      DISCRIMINATOR,
      ["11:5 pixelshuffle 3 moves 9 channels into each 3x3 block and needs channels divisible by 9, but gets [14, 14, 16]: give the layer before it a multiple of 9 channels"],
    ],
    ["attention on a flat input", GENERATOR, DISCRIMINATOR.replace("    dense 1", "    attention\n    dense 1"), ["21:5 attention needs an image input [height, width, channels] but gets [1568]: add 'reshape' before it"]],
    ["instancenorm on a flat input", GENERATOR, DISCRIMINATOR.replace("    dense 1", "    instancenorm\n    dense 1"), ["21:5 instancenorm needs an image input [height, width, channels] but gets [1568]: add 'reshape' before it"]],
    ["a zero epsilon", GENERATOR, DISCRIMINATOR.replace("    layernorm", "    layernorm epsilon 0"), ["19:23 the epsilon of layernorm must be > 0, got 0"]],
    ["an argument attention does not take", GENERATOR.replace("attention", "attention 8"), DISCRIMINATOR, ["10:15 unexpected '8' after attention"]],
    ["embedding without its dim", GENERATOR.replace("attention", "embedding 10"), DISCRIMINATOR, ["10:5 embedding needs 'dim': embedding 10 dim 64"]],
    [
      "embedding on an image",
      GENERATOR.replace("attention", "embedding 10 dim 4"),
      DISCRIMINATOR,
      ["10:5 embedding 10 maps a class id to a vector and needs input [1] (one id per sample) but gets [14, 14, 16]"],
    ],
  ])("report %s where it is written", async (_, generator, discriminator, expected) => {
    expect(await errorsOf(spec(generator, discriminator))).toEqual(expected);
  });
});
