import { fileURLToPath } from "node:url";
import * as tfl from "@tensorflow/tfjs-layers";
import { FEATURE_DIMENSION, FEATURE_LAYER, PROBABILITY_LAYER } from "./classifier-model.js";

/**
 * The project's emoji classifier: a feature network for the Noto emoji set of
 * examples/emoji.gan, trained by scripts/train-emoji-classifier.ts to tell the emoji.json
 * categories apart ("Smileys & Emotion", "Flags", ...), and committed in emoji-classifier/.
 * Its 128-unit `features` layer is what `fd@emoji-classifier` and the other feature metrics
 * of an emoji run compare.
 */
export const EMOJI_CLASSIFIER_ID = "emoji-classifier";
/** The classifier sees 32x32 RGB images in [0, 1], transparency composited onto white (as examples/emoji.gan reads them). */
export const EMOJI_CLASSIFIER_SIDE = 32;

/** packages/metrics/emoji-classifier/ (from src/ or dist/). */
export function emojiClassifierDirectory(): string {
  return fileURLToPath(new URL("../emoji-classifier/", import.meta.url));
}

/**
 * Three stride-2 3x3 convolutions (32x32 -> 4x4), the 128-unit feature layer, a softmax over
 * the categories. Strided convolutions and no dropout, for the reasons the MNIST classifier
 * gives (classifier-model.ts): speed on wasm, and seeded initializers that make the same seed
 * give the same weights.
 */
export function buildEmojiClassifier(seed: number, classes: number): tfl.Sequential {
  const init = (offset: number) => tfl.initializers.heNormal({ seed: seed * 100 + offset });
  const model = tfl.sequential({ name: "emoji_classifier" });
  const side = EMOJI_CLASSIFIER_SIDE;
  model.add(tfl.layers.conv2d({ name: "conv1", inputShape: [side, side, 3], filters: 32, kernelSize: 3, strides: 2, padding: "same", activation: "relu", kernelInitializer: init(1) }));
  model.add(tfl.layers.conv2d({ name: "conv2", filters: 64, kernelSize: 3, strides: 2, padding: "same", activation: "relu", kernelInitializer: init(2) }));
  model.add(tfl.layers.conv2d({ name: "conv3", filters: 128, kernelSize: 3, strides: 2, padding: "same", activation: "relu", kernelInitializer: init(3) }));
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(tfl.layers.dense({ name: FEATURE_LAYER, units: FEATURE_DIMENSION, activation: "relu", kernelInitializer: init(4) }));
  model.add(tfl.layers.dense({ name: PROBABILITY_LAYER, units: classes, activation: "softmax", kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + 5 }) }));
  return model;
}
