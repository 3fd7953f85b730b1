/**
 * @gan/batchnorm: a `batchnorm` layer after every hidden weight layer (dense, conv, deconv)
 * of the chosen networks, except the discriminator's first layer and both networks' last
 * layers, as DCGAN does (Radford et al. 2015, section 3: "directly applying batchnorm to all
 * layers resulted in sample oscillation and model instability. This was avoided by not
 * applying batchnorm to the generator output layer and the discriminator input layer").
 *
 * By default the normalisation goes between the weights and the activation (`conv 64 relu`
 * becomes `conv 64`, `batchnorm`, `relu`), the order of DCGAN and of the batch norm paper.
 *
 * ganhacks #4 adds that each discriminator batch must be all real or all fake, so that the
 * batch statistics are those of one distribution: @gan/core applies D to the real and the
 * fake batch separately, which is what this package relies on.
 */
import {
  PlanEditor,
  compileTimeNumber,
  defineTrick,
  describeLayer,
  isWeightLayer,
  selectNetworks,
  walkLayers,
  z,
  type Layer,
  type NetworkName,
} from "@gan/core";

const options = z.object({
  networks: z.enum(["generator", "discriminator", "both"]).default("both").describe("networks that get batch norm"),
  position: z
    .enum(["before-activation", "after-activation"])
    .default("before-activation")
    .describe("between a layer's weights and its activation (DCGAN), or after the activation"),
  momentum: z.number().min(0).max(1).default(0.9).describe("moving-average momentum of the statistics (PyTorch's 0.1 is 0.9 here)"),
  epsilon: z.number().gt(0).default(1e-5).describe("added to the variance"),
});

/**
 * The weight layers that DCGAN normalises, in network order (into blocks): not the last one,
 * and not D's first.
 */
export function hiddenWeightLayers(layers: readonly Layer[], network: NetworkName): Layer[] {
  const weights = [...walkLayers(layers)].map(({ layer }) => layer).filter(isWeightLayer).slice(0, -1);
  return network === "discriminator" ? weights.slice(1) : weights;
}

/** Layers that normalise what comes before them: a batchnorm added there would be undone. */
const NORMALISATIONS: readonly string[] = ["batchnorm", "instancenorm", "layernorm"];

/** Whether a normalisation already follows the layer at `index` of its list (right after it, or after its standalone activation). */
function alreadyNormalised(layers: readonly Layer[], index: number): boolean {
  for (let next = index + 1; next < layers.length; next++) {
    const layer = layers[next]!;
    if (NORMALISATIONS.includes(layer.type)) return true;
    if (layer.type !== "activation" && layer.type !== "dropout") return false;
  }
  return false;
}

export default defineTrick({
  name: "@gan/batchnorm",
  description: "Inserts batch norm after the hidden layers of D and/or G, skipping D's first and both last layers, as in DCGAN (ganhacks #4).",
  options,
  rewrite(plan, { options }) {
    const batchnorm: Layer = {
      type: "batchnorm",
      momentum: compileTimeNumber(options.momentum, "momentum"),
      epsilon: compileTimeNumber(options.epsilon, "epsilon"),
    };
    const editor = new PlanEditor(plan, "@gan/batchnorm");
    for (const network of selectNetworks(options.networks)) {
      // In network order, so that plan.rewrites reads top to bottom; each layer is found again
      // by its path now, as the insertions before it move it.
      for (const layer of hiddenWeightLayers(editor.layers(network), network)) {
        if (!isWeightLayer(layer)) continue;
        const path = editor.pathOf(network, layer)!;
        const index = path[path.length - 1] as number;
        const list = path.slice(0, -1);
        const layers = editor.layers(network, list);
        if (alreadyNormalised(layers, index)) continue;
        const at = (offset: number) => [...list, index + offset];
        const activation = layer.activation && layer.activation.kind !== "linear" ? layer.activation : undefined;
        const name = describeLayer(layer);
        if (options.position === "before-activation" && activation) {
          const { activation: _moved, ...linear } = layer;
          editor.replace(network, path, linear, `${name} -> ${describeLayer(linear)}: its ${activation.kind} moves after the batchnorm`);
          editor.insert(network, at(1), batchnorm, `batchnorm after ${describeLayer(linear)}`);
          editor.insert(network, at(2), { type: "activation", activation }, `${describeLayer({ type: "activation", activation })} after the batchnorm`);
        } else {
          // After the activation: behind a standalone activation layer if one follows.
          const next = layers[index + 1];
          editor.insert(network, at(options.position === "after-activation" && next?.type === "activation" ? 2 : 1), batchnorm, `batchnorm after ${name}`);
        }
      }
    }
    return editor.result();
  },
});
