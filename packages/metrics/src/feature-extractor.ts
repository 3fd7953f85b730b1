import path from "node:path";
import { featuresIdOf } from "@gan/plan";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { classifierFeatures } from "./classifier.js";
import { FEATURE_DIMENSION, FEATURE_LAYER, MNIST_SIDE } from "./classifier-model.js";
import { type FeatureMatrix, featureMatrix } from "./feature-matrix.js";
import { noLayerMessage, readModelFiles } from "./model-files.js";

/**
 * A feature extractor maps examples (images in [0, 1], or vectors) to the feature vectors
 * that the Fréchet distance, KID and the k-NN metrics compare. Every figure names the
 * extractor it was computed with: a Fréchet distance is only "FID" on Inception-v3's pool
 * features, and figures on different features cannot be compared.
 */
export interface FeatureExtractor {
  /** Short name used in metric names and columns: "mnist-classifier", "raw", "inception:avg_pool". */
  id: string;
  /** One line for people: what network, which layer, how many dimensions. */
  description: string;
  /** Features of n examples of shape `shape`, example after example (pixels in [0, 1]). */
  extract(values: Float32Array, n: number, shape: readonly number[]): Promise<FeatureMatrix>;
}

/** The error for examples or a model that an extractor cannot take; the message says why. */
export class FeatureExtractorError extends Error {
  override name = "FeatureExtractorError";
}

const describeShape = (shape: readonly (number | null)[]): string => `[${shape.map((s) => s ?? "?").join(", ")}]`;
const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The project's MNIST classifier (packages/metrics/classifier), 128-d penultimate layer, for 28x28x1 images. */
export function mnistClassifierExtractor(): FeatureExtractor {
  return {
    id: "mnist-classifier",
    description: `the project's MNIST classifier (layer '${FEATURE_LAYER}', ${FEATURE_DIMENSION}-d)`,
    async extract(values, n, shape) {
      if (shape.length !== 3 || shape[0] !== MNIST_SIDE || shape[1] !== MNIST_SIDE || shape[2] !== 1) {
        throw new FeatureExtractorError(`the MNIST classifier takes 28x28x1 images, not examples of shape ${describeShape(shape)}`);
      }
      return featureMatrix(await classifierFeatures(values, n), n, FEATURE_DIMENSION);
    },
  };
}

/** The examples themselves as features: for points and tabular rows, where no network applies. */
export function rawExtractor(): FeatureExtractor {
  return {
    id: "raw",
    description: "the raw vectors (no feature network)",
    async extract(values, n, shape) {
      return featureMatrix(values, n, product(shape), "raw vectors");
    },
  };
}

export interface ModelExtractorOptions {
  /** The layer (layers model) or node (graph model) whose output is the feature vector; default the model's output. */
  layer?: string;
  /** The pixel range the model expects ([0, 1] default; Keras' Inception-v3 wants [-1, 1]). */
  inputRange?: readonly [number, number];
  /** Images a forward pass (default 50: Inception-v3 at 299x299 holds ~2 GB of activations for 50). */
  batchSize?: number;
  /** The name in metric names (default: the model's folder, and the layer: `inception-v3:pool_3`). */
  id?: string;
  /** The line that says what the features are (default: the path and the layer). */
  description?: string;
}

/**
 * A tfjs model the user converted (tensorflowjs_converter), read from its model.json and
 * weight files. Images are mapped from [0, 1] to `inputRange`, grey images repeated to
 * three channels when the model takes three, resized bilinearly to the model's input size
 * when it fixes one, and transposed for a channels-first (NCHW) graph such as an ONNX
 * export of pytorch-fid's Inception. Outputs of rank above 2 are flattened.
 */
export async function loadModelExtractor(modelPath: string, options: ModelExtractorOptions = {}): Promise<FeatureExtractor> {
  let read: ReturnType<typeof readModelFiles>;
  try {
    read = readModelFiles(modelPath);
  } catch (error) {
    throw new FeatureExtractorError((error as Error).message);
  }
  const runner = read.format === "layers-model" ? await layersRunner(modelPath, read.artifacts, options.layer) : await graphRunner(modelPath, read.artifacts, options.layer);
  const [low, high] = options.inputRange ?? [0, 1];
  const batchSize = options.batchSize ?? 50;
  return {
    id: options.id ?? featuresIdOf({ model: path.resolve(modelPath), layer: options.layer }),
    description: options.description ?? `${modelPath} (${read.format}, ${options.layer === undefined ? "its output" : `layer '${options.layer}'`})`,
    async extract(values, n, shape) {
      if (shape.length !== 3) throw new FeatureExtractorError(`${modelPath}: a feature network takes images [height, width, channels], not examples of shape ${describeShape(shape)}`);
      const [height, width, channels] = shape as [number, number, number];
      const prepare = inputPreparation(modelPath, runner.inputShape, channels);
      let features: Float32Array | undefined;
      let dimension = 0;
      for (let first = 0; first < n; first += batchSize) {
        const count = Math.min(batchSize, n - first);
        const output = tf.tidy(() => {
          const images = tf.tensor4d(values.subarray(first * height * width * channels, (first + count) * height * width * channels), [count, height, width, channels]);
          const input = prepare(tf.add(tf.mul(images, high - low), low));
          const result = runner.run(input);
          return tf.reshape(result, [count, -1]);
        });
        try {
          dimension = output.shape[1]!;
          features ??= new Float32Array(n * dimension);
          features.set((await output.data()) as Float32Array, first * dimension);
        } finally {
          output.dispose();
        }
      }
      return featureMatrix(features!, n, dimension, `features of ${modelPath}`);
    },
  };
}

interface ModelRunner {
  /** [batch, ...]: nulls where the model takes any size. */
  inputShape: (number | null)[];
  run(input: tf.Tensor4D): tf.Tensor;
}

async function layersRunner(modelPath: string, artifacts: tf.io.ModelArtifacts, layer: string | undefined): Promise<ModelRunner> {
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new FeatureExtractorError(`${modelPath}: tfjs cannot load this layers model: ${(error as Error).message}`);
  }
  let features = model;
  if (layer !== undefined) {
    const names = model.layers.map((l) => l.name);
    if (!names.includes(layer)) throw new FeatureExtractorError(noLayerMessage(modelPath, layer, names, "layers-model"));
    features = tfl.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tfl.SymbolicTensor });
  }
  if (model.inputs.length !== 1) throw new FeatureExtractorError(`${modelPath}: a feature network takes one input, this one takes ${model.inputs.length}`);
  return { inputShape: model.inputs[0]!.shape, run: (input) => features.predict(input) as tf.Tensor };
}

async function graphRunner(modelPath: string, artifacts: tf.io.ModelArtifacts, node: string | undefined): Promise<ModelRunner> {
  // tfjs-converter is loaded only for graph models: it is large, and most runs never need it.
  const converter = await import("@tensorflow/tfjs-converter");
  let model: Awaited<ReturnType<typeof converter.loadGraphModel>>;
  try {
    model = await converter.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new FeatureExtractorError(`${modelPath}: tfjs cannot load this graph model: ${(error as Error).message}`);
  }
  if (model.inputs.length !== 1) throw new FeatureExtractorError(`${modelPath}: a feature network takes one input, this one takes ${model.inputs.length}`);
  if (node !== undefined) {
    const nodes = Object.keys((model as unknown as { executor: { graph: { nodes: Record<string, unknown> } } }).executor.graph.nodes);
    if (!nodes.includes(node)) throw new FeatureExtractorError(noLayerMessage(modelPath, node, nodes, "graph-model"));
  }
  const inputShape = (model.inputs[0]!.shape ?? [null, null, null, null]).map((s) => (s === -1 ? null : s));
  return { inputShape, run: (input) => (node === undefined ? model.execute(input) : model.execute(input, node)) as tf.Tensor };
}

/** The steps from [n, h, w, c] images to what the model takes: channels, size, layout. */
function inputPreparation(modelPath: string, inputShape: (number | null)[], channels: number): (images: tf.Tensor4D) => tf.Tensor4D {
  if (inputShape.length !== 4) throw new FeatureExtractorError(`${modelPath}: a feature network takes images [batch, height, width, channels], this one takes ${describeShape(inputShape)}`);
  // An NCHW graph (ONNX exports) has 1 or 3 in place of the height and a non-channel count last.
  const channelsFirst = (inputShape[1] === 1 || inputShape[1] === 3) && inputShape[3] !== 1 && inputShape[3] !== 3;
  const [wantHeight, wantWidth, wantChannels] = channelsFirst ? [inputShape[2], inputShape[3], inputShape[1]] : [inputShape[1], inputShape[2], inputShape[3]];
  if (wantChannels !== null && wantChannels !== channels && !(channels === 1 && wantChannels === 3)) {
    throw new FeatureExtractorError(`${modelPath}: the model takes ${wantChannels}-channel images, the data has ${channels} channels`);
  }
  return (images) => {
    let x = images;
    if (channels === 1 && wantChannels === 3) x = tf.tile(x, [1, 1, 1, 3]);
    if ((wantHeight !== null && wantHeight !== x.shape[1]) || (wantWidth !== null && wantWidth !== x.shape[2])) {
      x = tf.image.resizeBilinear(x, [wantHeight ?? x.shape[1], wantWidth ?? x.shape[2]]);
    }
    return channelsFirst ? tf.transpose(x, [0, 3, 1, 2]) : x;
  };
}

/** For the error of images without a feature network: how to name one. */
export const FEATURES_HINT =
  "name a feature network with --features path/model.json (a tfjs model; --features-layer NAME picks the layer, default its output), e.g. Inception-v3 converted with tensorflowjs_converter as the @gan/metrics README explains, or --features emoji-classifier for the emoji set (or features: ... in the spec's eval block)";

