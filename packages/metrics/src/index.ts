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
export { loadLayersModelFromDirectory, saveLayersModel } from "./model-files.js";
