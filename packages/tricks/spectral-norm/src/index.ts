/**
 * @gan/spectral-norm: spectral normalisation (Miyato et al. 2018, "Spectral Normalization
 * for Generative Adversarial Networks"). Every dense and conv layer of the chosen networks
 * becomes a layer that uses W / sigma(W) instead of W, where sigma(W), the largest singular
 * value of the kernel (reshaped to [inputs, outputs]), is estimated by power iteration with a
 * vector u kept between calls and refined once per training call. The gradient flows through
 * sigma(W) but not through the power iteration, as in the paper (Algorithm 1) and in
 * PyTorch's `spectral_norm`. Each layer is then 1-Lipschitz, and so is the discriminator as
 * far as its activations are.
 *
 * Runs "post", after the other tricks' rewrites (leaky ReLU, batch norm, minibatch stddev),
 * which look for plain dense and conv layers. Transposed convolutions are left as they are.
 */
import { compileTimeNumber, defineTrick, describeLayer, mapLayers, selectNetworks, z, type Layer, type TrickLayerContext } from "@gan/core";
import { spectralNormLayer, type SpectralNormOptions } from "./layer.js";

const NAME = "@gan/spectral-norm";

const options = z.object({
  networks: z.enum(["generator", "discriminator", "both"]).default("discriminator").describe("networks whose dense and conv layers are normalised (SAGAN: both)"),
  power: z.number().int().min(1).default(1).describe("power iterations per training call"),
});

function convLength(size: number, kernel: number, stride: number, padding: string): number {
  return padding === "same" ? Math.ceil(size / stride) : Math.ceil((size - kernel + 1) / stride);
}

/** The trick layer that replaces a dense or conv layer, with everything needed to build it. */
function normalised(layer: Layer, power: number): Layer | undefined {
  if (layer.type === "dense") {
    const options: SpectralNormOptions = { kind: "dense", units: layer.units, activation: layer.activation ?? { kind: "linear" }, power };
    return { type: "trick", trick: NAME, name: "dense", options: options as never };
  }
  if (layer.type === "conv") {
    const options: SpectralNormOptions = {
      kind: "conv",
      filters: layer.filters,
      kernel: layer.kernel,
      stride: layer.stride,
      padding: layer.padding,
      activation: layer.activation ?? { kind: "linear" },
      power,
    };
    return { type: "trick", trick: NAME, name: "conv", options: options as never };
  }
  return undefined;
}

export default defineTrick({
  name: NAME,
  description: "Spectral normalisation of D's dense and conv layers by power iteration (Miyato et al. 2018).",
  options,
  order: "post",
  rewrite(plan, { options }) {
    const power = compileTimeNumber(options.power, "power");
    // Into blocks too: a ResNet discriminator's convolutions are inside its residual blocks.
    return mapLayers(
      plan,
      NAME,
      selectNetworks(options.networks),
      (layer) => normalised(layer, power),
      (before) => `${describeLayer(before)} -> spectrally normalised ${describeLayer(before)}`,
    );
  },
  layerShape(layer, inputShape) {
    const options = layer.options as unknown as SpectralNormOptions;
    if (options.kind === "dense") return [options.units];
    const [height, width] = inputShape as [number, number, number];
    return [convLength(height, options.kernel, options.stride, options.padding), convLength(width, options.kernel, options.stride, options.padding), options.filters];
  },
  layers: {
    dense: (layerOptions, context: TrickLayerContext) => spectralNormLayer(context, layerOptions as unknown as SpectralNormOptions),
    conv: (layerOptions, context: TrickLayerContext) => spectralNormLayer(context, layerOptions as unknown as SpectralNormOptions),
  },
});
