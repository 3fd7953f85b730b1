/**
 * @gan/minibatch-stddev: a layer in the discriminator that appends one feature, the average
 * standard deviation of the features across the samples of a group of the batch (ProGAN:
 * Karras et al. 2018, "Progressive Growing of GANs", section 3). A generator that collapses
 * onto few modes makes batches with a small spread, which the discriminator can now see.
 * The simplified form of minibatch discrimination (Salimans et al. 2016; ganhacks #15).
 *
 * The layer goes before the discriminator's last weight layer (before its flatten, if one
 * precedes it, so that on images the feature is a constant map appended as a channel). The
 * loop applies D to all-real and all-fake batches separately, so the statistic is that of
 * one distribution.
 */
import { PlanEditor, compileTimeNumber, defineTrick, isWeightLayer, z, type Layer, type TrickLayerContext } from "@gan/core";
import { minibatchStddevLayer } from "./layer.js";

const NAME = "@gan/minibatch-stddev";

const options = z.object({
  group: z.number().int().min(1).default(4).describe("samples per group the standard deviation is taken over (ProGAN: 4)"),
});

/** Where the layer goes in D: before the last weight layer, and before a flatten right in front of it. */
export function insertionIndex(layers: readonly Layer[]): number {
  let index = layers.length - 1;
  while (index >= 0 && !isWeightLayer(layers[index]!)) index--;
  if (index < 0) throw new Error("the discriminator has no dense or conv layer to put the minibatch stddev feature in front of");
  while (index > 0 && layers[index - 1]!.type === "flatten") index--;
  return index;
}

export default defineTrick({
  name: NAME,
  description: "Appends the minibatch standard deviation as a feature of D, before its last layer (ProGAN).",
  options,
  rewrite(plan, { options }) {
    const group = compileTimeNumber(options.group, "group");
    const editor = new PlanEditor(plan, NAME);
    const index = insertionIndex(editor.layers("discriminator"));
    const layer: Layer = { type: "trick", trick: NAME, name: "stddev", options: { group } };
    editor.insert("discriminator", index, layer, `minibatch stddev feature (groups of ${group}) before layer ${index + 1}`);
    return editor.result();
  },
  layerShape(_layer, inputShape) {
    // One more channel on images ([h, w, c + 1]), one more feature on vectors ([n + 1]).
    return [...inputShape.slice(0, -1), inputShape.at(-1)! + 1];
  },
  layers: {
    stddev: (layerOptions, context: TrickLayerContext) => minibatchStddevLayer(context, Number(layerOptions["group"] ?? 4)),
  },
});
