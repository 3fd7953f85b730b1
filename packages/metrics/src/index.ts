export { gridMeans, HIGH_QUALITY_STDS, mixtureMetrics, type MixtureMetrics, reverseKLToUniform, ringMeans } from "./mixture.js";
export { type FeatureStatistics, featureStatistics, frechetDistance, type GaussianStatistics } from "./frechet.js";
export { sqrtSymmetricPsd, symmetricEigen, type SymmetricEigen } from "./symmetric-eigen.js";
export { inceptionScoreFromProbabilities } from "./inception-score.js";
export {
  buildClassifier,
  FEATURE_DIMENSION,
  FEATURE_LAYER,
  MNIST_CLASSES,
  MNIST_PIXELS,
  MNIST_SIDE,
  PROBABILITY_LAYER,
} from "./classifier-model.js";
export {
  classifierDirectory,
  classifierFeatures,
  classifierFrechetDistance,
  type ClassifierOptions,
  classifierOutputs,
  type ClassifierOutputs,
  classifierPredictions,
  classifierScore,
  classifierStatistics,
  loadClassifier,
  mnistReferenceStatistics,
  type ReferenceOptions,
} from "./classifier.js";
export { loadMnist, mnistDataDirectory, type MnistSplit, type MnistSplitName, parseIdxImages, parseIdxLabels } from "./mnist-idx.js";
export { checkWeightFiles, loadLayersModelFromDirectory, type ModelFormat, modelLayerNames, readModelFiles, readModelJson, saveLayersModel } from "./model-files.js";
export { buildEmojiClassifier, EMOJI_CLASSIFIER_ID, EMOJI_CLASSIFIER_SIDE, emojiClassifierDirectory } from "./emoji-classifier.js";
export { checkFeatureNetwork, featureNetworkExtractor } from "./feature-networks.js";
export { type FeatureMatrix, featureMatrix, forEachDotBlock, forEachSquaredDistanceBlock, selectRows } from "./feature-matrix.js";
export { KID_SUBSET_SIZE, KID_SUBSETS, kernelInceptionDistance, type KidOptions, type KidResult, polynomialMmd } from "./kid.js";
export {
  DENSITY_COVERAGE_K,
  densityCoverage,
  type DensityCoverage,
  neighbourMetrics,
  type NeighbourMetrics,
  nearestNeighbourRadii,
  PRECISION_RECALL_K,
  precisionRecall,
  type PrecisionRecall,
} from "./prdc.js";
export { FEATURE_METRICS, type FeatureMetricName, type FeatureMetrics, featureMetrics, type FeatureMetricsOptions } from "./feature-metrics.js";
export {
  type FeatureExtractor,
  FeatureExtractorError,
  FEATURES_HINT,
  loadModelExtractor,
  mnistClassifierExtractor,
  type ModelExtractorOptions,
  rawExtractor,
} from "./feature-extractor.js";
export { chooseWithoutReplacement, uniformSource } from "./seeded-random.js";
