import * as tfl from "@tensorflow/tfjs-layers";

/** MNIST image geometry the classifier takes: [n, 28, 28, 1], pixels in [0, 1]. */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;

/** Name of the penultimate layer, whose activations are the features of the Fréchet distance. */
export const FEATURE_LAYER = "features";
export const FEATURE_DIMENSION = 128;
export const PROBABILITY_LAYER = "probabilities";

/**
 * The project's MNIST classifier: two stride-2 5x5 convolutions, a 128-unit feature layer,
 * a softmax. Strided convolutions instead of max pooling because MaxPoolGrad dominated a
 * training step on the wasm backend (measured: more than convolutions and their gradients
 * together). No dropout: tfjs-layers' Dropout draws the same mask at every step when given
 * a seed, and without one training is not reproducible.
 *
 * Every initializer takes its own seed derived from `seed`, so building the model twice
 * with one seed gives identical weights.
 */
export function buildClassifier(seed: number): tfl.Sequential {
  const init = (offset: number) => tfl.initializers.heNormal({ seed: seed * 100 + offset });
  const model = tfl.sequential({ name: "mnist_classifier" });
  model.add(tfl.layers.conv2d({ name: "conv1", inputShape: [MNIST_SIDE, MNIST_SIDE, 1], filters: 16, kernelSize: 5, strides: 2, padding: "same", activation: "relu", kernelInitializer: init(1) }));
  model.add(tfl.layers.conv2d({ name: "conv2", filters: 32, kernelSize: 5, strides: 2, padding: "same", activation: "relu", kernelInitializer: init(2) }));
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(tfl.layers.dense({ name: FEATURE_LAYER, units: FEATURE_DIMENSION, activation: "relu", kernelInitializer: init(3) }));
  model.add(tfl.layers.dense({ name: PROBABILITY_LAYER, units: MNIST_CLASSES, activation: "softmax", kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + 4 }) }));
  return model;
}
