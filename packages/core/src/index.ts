/**
 * @gan/core: what a trick package imports. The trick API (defineTrick and the hook types), the
 * rewrite helpers and plan types a compile-time rewrite works with, the loss types a loss in a
 * trick package implements, and the model helpers of runtime tricks. The runtime that trains a
 * plan (backends, the loop, runs; what `gan` uses) is `@gan/core/runtime`, and the harness a
 * trick's tests run it in is `@gan/core/testing`, as Langium keeps its test helpers in
 * `langium/test`: a trick imports neither.
 */
// The trick API: what every trick package imports.
export { defineTrick, isTrick, z, type Trick, type TrickDefinition, type RewriteContext } from "./trick/define-trick.js";
export type * from "./trick/hooks.js";
/** The version of this API, which a trick's `@gan/core` peer range names. */
export { CORE_VERSION } from "./trick/load.js";
// Errors with a one-line message for the user, as a trick reports a bad option or input.
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
  type LayerPlace,
  type WeightLayer,
} from "./trick/rewrite-helpers.js";
// Walking a network's layers into its blocks (residual, add, concat).
export { walkLayers, type LayerPath } from "@gan/plan";
// The loss kinds' declarations, for tricks that depend on what the run's loss is.
export { BUILTIN_LOSSES, LOSS_KINDS, builtinLoss, describeLoss, lossesWithTargets } from "@gan/plan";
export type {
  Activation,
  ActivationKind,
  Data,
  JsonValue,
  Layer,
  LayerType,
  Loss,
  LossDeclaration,
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
// A loss in a trick package: what it implements, and the cross-entropy the built-in losses use.
export {
  sigmoidCrossEntropy,
  type DiscriminatorLossInputs,
  type GeneratorLossInputs,
  type LossImplementation,
  type LossLabels,
  type TrickLossDefinition,
} from "./losses/index.js";
// Discriminator rejection sampling's options and checks, for @gan/drs (the algorithm is the runtime's).
export {
  REJECTION_SAMPLING_DEFAULTS,
  checkRejectionSamplingPlan,
  rejectionSamplingProblem,
  type RejectionSamplingOptions,
  type RejectionSamplingStats,
} from "./run/rejection-sampling.js";
// Model helpers for runtime tricks (EMA's sampling copy of G).
export { cloneModel, copyWeights } from "./trick/model-helpers.js";
// TensorFlow.js types a trick's hooks deal in (tricks use the run's `tf`, never their own copy).
export type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from "@tensorflow/tfjs-core";
export type { LayersModel } from "@tensorflow/tfjs-layers";
