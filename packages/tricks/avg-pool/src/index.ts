/**
 * @gan/avg-pool: every `maxpool` in the chosen networks becomes an `avgpool` of the same
 * size, stride and padding.
 *
 * ganhacks #5 ("avoid sparse gradients: ReLU, MaxPool"): max pooling routes the gradient to
 * one input of each window, so most of the discriminator's input gets none; average pooling
 * spreads it over the whole window.
 */
import { defineTrick, describeLayer, mapLayers, selectNetworks, z, type Layer } from "@gan/core";

const options = z.object({
  networks: z.enum(["generator", "discriminator", "both"]).default("both").describe("networks whose maxpool layers are rewritten"),
});

export default defineTrick({
  name: "@gan/avg-pool",
  description: "Rewrites maxpool to avgpool of the same size, stride and padding (ganhacks #5).",
  options,
  rewrite(plan, { options }) {
    return mapLayers(
      plan,
      "@gan/avg-pool",
      selectNetworks(options.networks),
      (layer): Layer | undefined => (layer.type === "maxpool" ? { ...layer, type: "avgpool" } : undefined),
      (before, after) => `${describeLayer(before)} -> ${describeLayer(after)}`,
    );
  },
});
