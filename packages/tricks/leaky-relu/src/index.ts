/**
 * @gan/leaky-relu: every `relu` in the chosen networks becomes `leakyrelu alpha`.
 *
 * ganhacks #5 ("avoid sparse gradients: ReLU, MaxPool"): a ReLU passes no gradient for
 * negative inputs, and the generator learns only through the discriminator's gradients, so
 * LeakyReLU is advised in both networks. DCGAN (Radford et al. 2015) used it in D only; that is
 * `networks: "discriminator"`.
 */
import { compileTimeNumber, defineTrick, describeLayer, mapLayers, selectNetworks, z, type Activation, type Layer } from "@gan/core";

const options = z.object({
  alpha: z.number().min(0).lt(1).default(0.2).describe("slope for negative inputs"),
  networks: z.enum(["generator", "discriminator", "both"]).default("both").describe("networks whose relu layers are rewritten"),
});

/** The layer with its relu activation made leaky, or undefined when it has none. */
function leaky(layer: Layer, alpha: number): Layer | undefined {
  if (!("activation" in layer) || layer.activation?.kind !== "relu") return undefined;
  const activation: Activation = { kind: "leakyrelu", alpha };
  return { ...layer, activation } as Layer;
}

export default defineTrick({
  name: "@gan/leaky-relu",
  description: "Rewrites relu to leakyrelu alpha in the generator and/or the discriminator (ganhacks #5).",
  options,
  rewrite(plan, { options }) {
    const alpha = compileTimeNumber(options.alpha, "alpha");
    return mapLayers(
      plan,
      "@gan/leaky-relu",
      selectNetworks(options.networks),
      (layer) => leaky(layer, alpha),
      (before, after) => `${describeLayer(before)} -> ${describeLayer(after)}`,
    );
  },
});
