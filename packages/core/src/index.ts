// The trick API: what every trick package imports.
export { defineTrick, isTrick, z, type Trick, type TrickDefinition, type RewriteContext } from "./trick/define-trick.js";
export type * from "./trick/hooks.js";
// Loading tricks, for the compiler and the runtime.
export {
  CORE_VERSION,
  TrickLoadError,
  createCompileHost,
  installedTricks,
  loadTrickModule,
  resolveTrick,
  toLoadedTrick,
  type InstalledTrickInfo,
  type ResolvedTrick,
} from "./trick/load.js";
export { validateTrickOptions } from "./trick/options.js";
export { UserError, UsageError, isUserError } from "./errors.js";
// Compile-time rewrite helpers for tricks, and the plan types tricks read and write.
export {
  PlanEditor,
  WEIGHT_LAYER_TYPES,
  compileTimeNumber,
  describeLayer,
  isWeightLayer,
  mapLayers,
  selectNetworks,
  weightLayerIndices,
  type WeightLayer,
} from "./trick/rewrite-helpers.js";
export type {
  Activation,
  ActivationKind,
  Data,
  JsonValue,
  Layer,
  LayerType,
  Network,
  NetworkName,
  Plan,
  Rewrite,
  RewriteResult,
  Schedulable,
  Schedule,
  TrickLayer,
  TrickUse,
} from "@gan/plan";
// Model helpers for runtime tricks (EMA's sampling copy of G), and a harness to test hooks.
export { cloneModel, copyWeights } from "./trick/model-helpers.js";
export { createTrickHarness, type LoggedScalar, type TrickHarness, type TrickHarnessOptions } from "./trick/trick-harness.js";
// TensorFlow.js types a trick's hooks deal in (tricks use the run's `tf`, never their own copy).
export type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "@tensorflow/tfjs-core";
export type { LayersModel } from "@tensorflow/tfjs-layers";
// Seeded random numbers, data sources, losses, optimizers and run outputs.
export { createRng, rngFromState, type Rng, type RngState } from "./random.js";
export {
  DataError,
  openDataSource,
  readDataShape,
  mixtureMeans,
  mixtureStd,
  mnistFiles,
  createRangeMap,
  invertRange,
  type DataSource,
  type DataSourceOptions,
  type DataShapeResult,
  type MixtureData,
  type Range,
  type RangeMap,
} from "./data/index.js";
export { discriminatorLoss, generatorLoss, sigmoidCrossEntropy, type LossLabels } from "./losses.js";
export {
  createOptimizer,
  type ScheduledOptimizer,
  type OptimizerState,
  type OptimizerStateJson,
} from "./optimizers.js";
export {
  encodePng,
  imageGrid,
  imageGridLayout,
  scatterPlot,
  defaultExtent,
  encodeNpy,
  writeNpy,
  toCsv,
  formatFloat32,
  type Extent,
  type ScatterPlotOptions,
} from "./output/index.js";
