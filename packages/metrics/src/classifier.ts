import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { FEATURE_DIMENSION, FEATURE_LAYER, MNIST_CLASSES, MNIST_PIXELS } from "./classifier-model.js";
import { type FeatureStatistics, featureStatistics, frechetDistance, type GaussianStatistics } from "./frechet.js";
import { inceptionScoreFromProbabilities } from "./inception-score.js";
import { loadMnist, type MnistSplitName } from "./mnist-idx.js";
import { loadLayersModelFromDirectory } from "./model-files.js";

/**
 * The committed MNIST classifier and the metrics in its feature space. The functions run
 * on whichever TensorFlow.js backend is active; select one (wasm is fastest in Node)
 * before calling them.
 */

/** Where the committed weights live: packages/metrics/classifier/ (from src/ or dist/). */
export function classifierDirectory(): string {
  return fileURLToPath(new URL("../classifier/", import.meta.url));
}

const INFERENCE_BATCH = 500;
/** Pixels this far outside [0, 1] mean the caller forgot to rescale, not float noise. */
const PIXEL_SLACK = 1e-3;

const loaded = new Map<string, Promise<tfl.LayersModel>>();

/** The committed classifier (model.json + weights.bin), loaded once per directory. */
export function loadClassifier(directory: string = classifierDirectory()): Promise<tfl.LayersModel> {
  let model = loaded.get(directory);
  if (model === undefined) {
    model = loadLayersModelFromDirectory(directory);
    loaded.set(directory, model);
    model.catch(() => loaded.delete(directory));
  }
  return model;
}

export interface ClassifierOptions {
  /** A classifier of the same architecture to use instead of the committed one. */
  model?: tfl.LayersModel;
}

export interface ClassifierOutputs {
  /** n x 128 penultimate-layer activations. */
  features: Float32Array;
  /** n x 10 class probabilities. */
  probabilities: Float32Array;
}

const twoHeaded = new WeakMap<tfl.LayersModel, tfl.LayersModel>();

/** A model with the same weights that returns the feature layer and the softmax in one pass. */
function featuresAndProbabilities(model: tfl.LayersModel): tfl.LayersModel {
  let both = twoHeaded.get(model);
  if (both === undefined) {
    const features = model.getLayer(FEATURE_LAYER).output as tfl.SymbolicTensor;
    both = tfl.model({ inputs: model.inputs, outputs: [features, model.outputs[0]!] });
    twoHeaded.set(model, both);
  }
  return both;
}

/** Features and class probabilities of n images [n, 28, 28, 1] with pixels in [0, 1]. */
export async function classifierOutputs(images: Float32Array, n: number, options: ClassifierOptions = {}): Promise<ClassifierOutputs> {
  checkImages(images, n);
  const model = featuresAndProbabilities(options.model ?? (await loadClassifier()));
  const features = new Float32Array(n * FEATURE_DIMENSION);
  const probabilities = new Float32Array(n * MNIST_CLASSES);
  for (let start = 0; start < n; start += INFERENCE_BATCH) {
    const count = Math.min(INFERENCE_BATCH, n - start);
    const [featureTensor, probabilityTensor] = tf.tidy(() => {
      const batch = tf.tensor4d(images.subarray(start * MNIST_PIXELS, (start + count) * MNIST_PIXELS), [count, 28, 28, 1]);
      return model.predict(batch) as tf.Tensor[];
    }) as [tf.Tensor, tf.Tensor];
    features.set(await featureTensor.data(), start * FEATURE_DIMENSION);
    probabilities.set(await probabilityTensor.data(), start * MNIST_CLASSES);
    featureTensor.dispose();
    probabilityTensor.dispose();
  }
  return { features, probabilities };
}

/** Penultimate-layer activations (n x 128, row after row) of n images [n, 28, 28, 1] in [0, 1]. */
export async function classifierFeatures(images: Float32Array, n: number, options: ClassifierOptions = {}): Promise<Float32Array> {
  return (await classifierOutputs(images, n, options)).features;
}

/** The most probable class of each image. */
export async function classifierPredictions(images: Float32Array, n: number, options: ClassifierOptions = {}): Promise<Uint8Array> {
  const { probabilities } = await classifierOutputs(images, n, options);
  const classes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < MNIST_CLASSES; c++) if (probabilities[i * MNIST_CLASSES + c]! > probabilities[i * MNIST_CLASSES + best]!) best = c;
    classes[i] = best;
  }
  return classes;
}

/** Mean and covariance of the classifier features of n images. */
export async function classifierStatistics(images: Float32Array, n: number = imageCount(images), options: ClassifierOptions = {}): Promise<FeatureStatistics> {
  return featureStatistics(await classifierFeatures(images, n, options), n, FEATURE_DIMENSION);
}

export interface ReferenceOptions extends ClassifierOptions {
  /** Use the first `count` images of the split (default: all of it). */
  count?: number;
}

const referenceCache = new Map<string, Promise<FeatureStatistics>>();

/**
 * Classifier-feature statistics of an MNIST split (train: 60,000 images, test: 10,000),
 * computed on first use and kept in memory for the life of the process.
 */
export function mnistReferenceStatistics(split: MnistSplitName, options: ReferenceOptions = {}): Promise<FeatureStatistics> {
  const key = `${split}:${options.count ?? "all"}`;
  const cacheable = options.model === undefined;
  const cached = cacheable ? referenceCache.get(key) : undefined;
  if (cached !== undefined) return cached;
  const computed = (async () => {
    const data = loadMnist(split);
    const count = options.count ?? data.count;
    if (!Number.isInteger(count) || count < 2 || count > data.count) {
      throw new Error(`mnistReferenceStatistics: count must be an integer from 2 to ${data.count} for the ${split} split, got ${count}`);
    }
    return classifierStatistics(data.images.subarray(0, count * MNIST_PIXELS), count, options);
  })();
  if (cacheable) {
    referenceCache.set(key, computed);
    computed.catch(() => referenceCache.delete(key));
  }
  return computed;
}

/**
 * Fréchet distance in the classifier's feature space ("FID" with the project's MNIST
 * classifier in place of Inception) between generated images [n, 28, 28, 1] in [0, 1]
 * and a reference: an MNIST split by name, precomputed statistics, or other images.
 */
export async function classifierFrechetDistance(
  generated: Float32Array,
  reference: MnistSplitName | GaussianStatistics | Float32Array,
  options: ClassifierOptions = {},
): Promise<number> {
  const generatedStatistics = await classifierStatistics(generated, imageCount(generated), options);
  const referenceStatistics =
    typeof reference === "string"
      ? await mnistReferenceStatistics(reference, options)
      : reference instanceof Float32Array
        ? await classifierStatistics(reference, imageCount(reference), options)
        : reference;
  return frechetDistance(generatedStatistics, referenceStatistics);
}

/** The Inception Score analogue, exp(E_x KL(p(y|x) || p(y))), with the MNIST classifier's p(y|x). */
export async function classifierScore(images: Float32Array, options: ClassifierOptions = {}): Promise<number> {
  const n = imageCount(images);
  const { probabilities } = await classifierOutputs(images, n, options);
  return inceptionScoreFromProbabilities(probabilities, n, MNIST_CLASSES);
}

function imageCount(images: Float32Array): number {
  if (images.length === 0 || images.length % MNIST_PIXELS !== 0) {
    throw new Error(`classifier input: ${images.length} values is not a whole, non-zero number of 28x28 images (${MNIST_PIXELS} values each)`);
  }
  return images.length / MNIST_PIXELS;
}

function checkImages(images: Float32Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`classifier input: n must be a positive integer, got ${n}`);
  if (images.length !== n * MNIST_PIXELS) {
    throw new Error(`classifier input: expected n*28*28 = ${n * MNIST_PIXELS} values for n=${n} images, got ${images.length}`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < images.length; i++) {
    const value = images[i]!;
    if (Number.isNaN(value)) throw new Error(`classifier input: image ${Math.floor(i / MNIST_PIXELS)} contains NaN`);
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min < -PIXEL_SLACK || max > 1 + PIXEL_SLACK) {
    const hint = min < -PIXEL_SLACK ? "; map tanh outputs x to (x + 1) / 2 first" : "";
    throw new Error(`classifier input: pixels must lie in [0, 1], got values from ${min} to ${max}${hint}`);
  }
}
