/**
 * @gan/pack: PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative
 * adversarial networks"). The discriminator judges packs of m samples, all real or all
 * generated, concatenated along the feature axis (2-D points: D's input is 2m wide; images:
 * the channels of the m samples follow one another), with one label per pack; a batch of B
 * samples gives D B / m packs. A generator that collapses onto few modes makes packs whose
 * members are too alike, which D can tell from packs of real samples: packing penalises mode
 * collapse (the paper's section 4).
 *
 * The packing is D's first layer (a trick layer in the plan), so D's first weight layer
 * takes m times as many inputs, as in the paper, and everything that applies D (the losses,
 * @gan/gp's penalty) sees packs: @gan/gp draws one interpolation weight and takes one gradient
 * norm per pack.
 */
import { PlanEditor, compileTimeNumber, defineTrick, z, type Labels, type Layer, type TrickLayerContext } from "@gan/core";
import { TRICK_NAME, packLayer, packedShape } from "./layer.js";

export { pack, packedShape } from "./layer.js";

const options = z.object({
  m: z.number().int().min(1).default(2).describe("samples per pack (PacGAN2: 2; 1 leaves D as it is)"),
});

/** Tricks that give D one target per sample, which packs (one label per pack) cannot take. */
const PER_SAMPLE_LABELS = ["@gan/label-noise"];

export default defineTrick({
  name: TRICK_NAME,
  description: "PacGAN: D judges packs of m samples concatenated along the feature axis, one label per pack (Lin et al. 2018).",
  options,
  // After the other tricks: its labels hook must see the labels every other trick made.
  order: "post",
  rewrite(plan, { options }) {
    const m = compileTimeNumber(options.m, "m");
    if (m === 1) return { plan, rewrites: [] };
    const batch = plan.train.batch;
    if (batch % m !== 0) {
      throw new Error(`the batch of ${batch} samples cannot be cut into packs of ${m}: use a batch size that is a multiple of ${m} (train { batch ... })`);
    }
    const perSample = plan.tricks.find((use) => PER_SAMPLE_LABELS.includes(use.package));
    if (perSample) {
      throw new Error(`${perSample.package} gives D one label per sample, but packs of ${m} samples have one label each: use @gan/label-smoothing, or remove one of the two`);
    }
    if (plan.condition) {
      // D's class head (projection or auxiliary classifier) takes one class per sample, and a
      // pack of m samples would mix m classes under one logit.
      throw new Error(
        `D judges packs of ${m} samples, but this plan is conditional (condition classes): its class head takes one class per sample, not per pack; remove @gan/pack or the condition`,
      );
    }
    const editor = new PlanEditor(plan, TRICK_NAME);
    const layer: Layer = { type: "trick", trick: TRICK_NAME, name: "pack", options: { m } };
    editor.insert("discriminator", 0, layer, `packs of ${m} samples concatenated along the last axis: D judges ${batch / m} packs per batch`);
    return editor.result();
  },
  layerShape(layer, inputShape) {
    return packedShape(inputShape, Number(layer.options?.["m"] ?? 2));
  },
  layers: {
    pack: (layerOptions, context: TrickLayerContext) => packLayer(context, Number(layerOptions["m"] ?? 2)),
  },
  setup({ options, plan }) {
    const m = compileTimeNumber(options.m, "m");
    const packs = plan.train.batch / m;
    return {
      labels(labels: Labels): Labels {
        // A per-sample target tensor would broadcast against D's per-pack outputs without an error.
        for (const [side, label] of Object.entries(labels)) {
          if (typeof label !== "number" && label.size !== 1 && label.size !== packs) {
            throw new Error(
              `the ${side} labels have ${label.size} values, but D judges ${packs} packs of ${m} samples (one label per pack): a trick before ${TRICK_NAME} gives one label per sample`,
            );
          }
        }
        return labels;
      },
    };
  },
});
