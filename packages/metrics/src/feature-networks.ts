import path from "node:path";
import { featuresIdOf, isBuiltinFeatureNetwork, type EvalFeatures, type FeatureNetworkResult } from "@gan/plan";
import { FEATURE_DIMENSION, FEATURE_LAYER } from "./classifier-model.js";
import { EMOJI_CLASSIFIER_ID, emojiClassifierDirectory } from "./emoji-classifier.js";
import { type FeatureExtractor, loadModelExtractor } from "./feature-extractor.js";
import { checkWeightFiles, modelLayerNames, noLayerMessage, readModelJson } from "./model-files.js";

/**
 * Feature networks named the way users name them: `features: "..."` in a spec's eval block
 * and `gan eval --features ...` take a built-in network's word ("emoji-classifier") or the
 * path of a tfjs model.json, with the layer to read and the pixel range it expects.
 */

interface BuiltinNetwork {
  modelPath: string;
  /** The layer read unless the user names another. */
  layer: string;
  description: string;
}

const BUILTINS: Record<string, () => BuiltinNetwork> = {
  [EMOJI_CLASSIFIER_ID]: () => ({
    modelPath: path.join(emojiClassifierDirectory(), "model.json"),
    layer: FEATURE_LAYER,
    description: `the project's emoji classifier (emoji.json's categories; layer '${FEATURE_LAYER}', ${FEATURE_DIMENSION}-d)`,
  }),
};

/** The model.json, layer and name of the features a choice stands for. */
function resolve(choice: EvalFeatures): { modelPath: string; layer: string | undefined; id: string; description?: string } {
  if (isBuiltinFeatureNetwork(choice.model)) {
    const builtin = BUILTINS[choice.model]!();
    return { modelPath: builtin.modelPath, layer: choice.layer ?? builtin.layer, id: featuresIdOf(choice), ...(choice.layer === undefined && { description: builtin.description }) };
  }
  const modelPath = path.resolve(choice.model);
  return { modelPath, layer: choice.layer, id: featuresIdOf({ ...choice, model: modelPath }) };
}

/** The extractor of a named feature network (a FeatureExtractorError says what is wrong with it). */
export function featureNetworkExtractor(choice: EvalFeatures): Promise<FeatureExtractor> {
  const { modelPath, layer, id, description } = resolve(choice);
  return loadModelExtractor(modelPath, { id, ...(layer !== undefined && { layer }), ...(choice.inputRange !== undefined && { inputRange: choice.inputRange }), ...(description !== undefined && { description }) });
}

/**
 * Whether a named feature network can be read and has the layer named, from its model.json
 * alone (the weights are only checked to be there): what `gan check` says of a spec's
 * `features` before a run starts.
 */
export function checkFeatureNetwork(choice: EvalFeatures): FeatureNetworkResult {
  const { modelPath, layer } = resolve(choice);
  let file: ReturnType<typeof readModelJson>;
  try {
    file = readModelJson(modelPath);
    checkWeightFiles(file, modelPath);
  } catch (error) {
    return { ok: false, message: (error as Error).message, part: "model" };
  }
  const names = modelLayerNames(file);
  if (layer !== undefined && !names.includes(layer)) return { ok: false, message: noLayerMessage(modelPath, layer, names, file.format), part: "layer" };
  return { ok: true };
}

