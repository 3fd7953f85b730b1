/**
 * @gan/core/runtime: what trains a plan, for the `gan` command and programs that train (the
 * trick API is the main entry, `@gan/core`). Loading trick packages for the compiler and the
 * run, input files, data sources, losses, optimizers, backends and their setup, networks, the
 * training loop and its hook bus, runs (directories, checkpoints, samples, metrics) and their
 * outputs.
 */
// Loading trick packages, for the compiler (createCompileHost) and the run.
export {
  TrickLoadError,
  createCompileHost,
  installedTricks,
  loadTrickModule,
  resolveTrick,
  toLoadedTrick,
  type CompileHostOptions,
  type InstalledTrickInfo,
  type ResolvedTrick,
} from "./trick/load.js";
export { projectRoot } from "./trick/resolve-package.js";
export { validateTrickOptions } from "./trick/options.js";
// Files the user names (specs, plans, data): bounded reads whose errors name the file.
export { isInside } from "./paths.js";
export {
  FileError,
  displayPath,
  readInputFile,
  readInputFileSync,
  readInputTextSync,
  readInputLines,
  readInputLinesSync,
  readJsonInputSync,
  MAX_JSON_BYTES,
  MAX_SPEC_BYTES,
  type InputFileOptions,
  type InputLine,
  type InputLinesOptions,
} from "./input-file.js";
// Seeded random numbers, data sources, losses, optimizers and run outputs.
export { createRng, rngFromState, type Rng, type RngState } from "./random.js";
export {
  DataError,
  DataOptionError,
  imageCacheDir,
  decodeImage,
  parseColour,
  openDataSource,
  readDataShape,
  mixtureMeans,
  mixtureStd,
  mnistFiles,
  createRangeMap,
  invertRange,
  type DataSource,
  type DataSourceOptions,
  type DataBatch,
  type DecodedImage,
  type ImageDecodeOptions,
  type MixtureData,
  type Range,
  type RangeMap,
} from "./data/index.js";
export {
  BUILTIN_LOSS_IMPLEMENTATIONS,
  discriminatorAccuracy,
  discriminatorLoss,
  generatorLoss,
  resolveLoss,
  type RunLoss,
} from "./losses/index.js";
export {
  createOptimizer,
  type ScheduledOptimizer,
  type OptimizerState,
  type OptimizerStateJson,
} from "./optimizers.js";
/** The fused optimizer kernel's name (benchmarks take it away to measure tfjs's optimizer beside it). */
export { FUSED_OPTIMIZER } from "./fused-optimizer.js";
export { DENSE_KERNEL, DENSE_KERNEL_WITHOUT_SIMD, DENSE_RELU_GRADIENT_KERNEL } from "./model/layers/dense-kernel.js";
export { BINARY_KERNEL } from "./host-kernels.js";
/** Whether dense chains skip tfjs-layers' executor (benchmarks turn it off to measure the executor beside it). */
export { setLayerChains, setLeakyReluFusion } from "./model/layer-chain.js";
export { SIGMOID_CROSS_ENTROPY } from "./losses/logistic-kernels.js";
/** The NaN watch kernel's name (likewise). */
export { NUMERIC_HEALTH } from "./loop/numeric-health.js";
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
// The training runtime: backends, networks, the loop, runs and their directories.
export { selectBackend, TENSORFLOW_MISSING, type SelectedBackend, type ResolvedBackendName } from "./backend/select-backend.js";
export { buildNetwork, layerSeed, trainableVariables, type BuildNetworkOptions } from "./model/build-network.js";
export { HookBus, TrickHookError, type TrickCheckpoint } from "./trick/bus.js";
export { Trainer, type TrainerOptions, type LoopState } from "./loop/trainer.js";
export { NonFiniteError } from "./loop/numeric-health.js";
export { sampleLatent } from "./loop/latent.js";
export { tensorReadCount } from "./loop/tensor-reads.js";
export { train, applyOverrides, type TrainOptions, type TrainResult, type MetricsLine } from "./run/train.js";
export { acceptanceProbabilities, rejectionSample, REJECTION_SAMPLING_DEFAULTS, type RejectionSamplingOptions, type RejectionSamplingStats } from "./run/rejection-sampling.js";
export { calibrateDiscriminator, type CalibrationOptions, type CalibrationStats } from "./run/discriminator-calibration.js";
export { sampleRun, generateSamples, drawRejectionSamples, generatorSource, type WeightsSource, type SampleRunOptions, type RunSamples } from "./run/sample-run.js";
export type { InitNetworks } from "./run/init-from.js";
export { BEST_CHECKPOINT, EVAL_KEY_PREFIX, EVAL_SECONDS_KEY, evalKey, type TrainingEvaluator } from "./run/train-evaluation.js";
export { fileModelIO, saveModel, loadWeightsInto } from "./run/model-io.js";
export {
  writeCheckpoint,
  checkpointName,
  restoreCheckpoint,
  findLatestCheckpoint,
  verifyCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  type CheckpointManifest,
  type FindCheckpointOptions,
} from "./run/checkpoint.js";
// Judging a run's logged values: the live warnings of `gan train` and `gan doctor` share these.
export { EXPLOSION_DEFAULTS, WINNING_DEFAULTS, judgeDiscriminator, mean, median } from "./run/training-monitor.js";
export { RUN_FILES, appendRunLog, readPlanFile, readRunPlan, type RunInfo } from "./run/run-dir.js";
export { trainingHash } from "./run/resumable.js";
export { REAL_SAMPLES_FILE, renderSamples, sampleKind, type SampleKind } from "./run/samples.js";
export { EVENT_TYPE, maskedCrc32c, pngGeometry, readTfRecords, TensorBoardWriter, tfRecord } from "./output/tensorboard.js";
export type { ProgressStream } from "./run/progress.js";
