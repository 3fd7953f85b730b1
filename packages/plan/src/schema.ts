/**
 * The plan: the JSON contract between the `.gan` language and the runtime.
 *
 * Every type here is derived from a zod schema, and the JSON Schema published with the
 * package is generated from the same schemas (see json-schema.ts), so the three can
 * never drift apart. Objects are strict: a plan with an unknown field is refused with
 * the field's path, which is what makes `gan train plan.json` safe to feed by hand.
 */
import { z } from "zod";
import { ConditionSchema } from "./condition.js";
import { DataSchema } from "./data/index.js";
import { LayerSchema, type LayerOf } from "./layer-kinds/index.js";
import { LossSchema } from "./losses.js";
import {
  finite,
  JsonValueSchema,
  nonNegativeInt,
  positiveInt,
  shape,
  SourceLocationSchema,
  type JsonValue,
  type SourceLocation,
} from "./primitives.js";

export { JsonValueSchema, SourceLocationSchema, type JsonValue, type SourceLocation };
export * from "./data/index.js";
export { CONDITION_HEADS, ConditionSchema, generatorInputSize, type Condition, type ConditionHead } from "./condition.js";

export const PLAN_VERSION = 1 as const;

// ---------------------------------------------------------------------------
// Schedules: numbers that change over training. `start` defaults to 0; before
// `start` a schedule holds its first value, after `end` its last one.
// ---------------------------------------------------------------------------

export const LinearScheduleSchema = z.strictObject({
  schedule: z.literal("linear"),
  from: finite,
  to: finite,
  start: nonNegativeInt.default(0),
  end: nonNegativeInt,
});
export const CosineScheduleSchema = z.strictObject({
  schedule: z.literal("cosine"),
  from: finite,
  to: finite,
  start: nonNegativeInt.default(0),
  end: nonNegativeInt,
});
/** Piecewise constant: `initial`, then each change's value from its step on (changes sorted by `at`). */
export const StepScheduleSchema = z.strictObject({
  schedule: z.literal("step"),
  initial: finite,
  changes: z.array(z.strictObject({ at: nonNegativeInt, value: finite })).min(1),
});
export const ScheduleSchema = z.discriminatedUnion("schedule", [
  LinearScheduleSchema,
  CosineScheduleSchema,
  StepScheduleSchema,
]);
export type LinearSchedule = z.infer<typeof LinearScheduleSchema>;
export type CosineSchedule = z.infer<typeof CosineScheduleSchema>;
export type StepSchedule = z.infer<typeof StepScheduleSchema>;
export type Schedule = z.infer<typeof ScheduleSchema>;

/** A number, or a schedule that yields a number at each step. */
export const SchedulableSchema = z.union([finite, ScheduleSchema]);
export type Schedulable = z.infer<typeof SchedulableSchema>;

/** Every number a schedule can yield, with its path in the schedule object (a number yields itself). */
function schedulableValues(value: Schedulable): { path: (string | number)[]; value: number }[] {
  if (typeof value === "number") return [{ path: [], value }];
  if (value.schedule === "step") {
    return [{ path: ["initial"], value: value.initial }, ...value.changes.map((change, i) => ({ path: ["changes", i, "value"], value: change.value }))];
  }
  return [
    { path: ["from"], value: value.from },
    { path: ["to"], value: value.to },
  ];
}

/**
 * A learning rate: a number or schedule that never goes below 0 (a negative rate climbs the
 * loss it should descend). 0 is allowed: a schedule may decay to it, or a network be frozen.
 */
export const LearningRateSchema = SchedulableSchema.superRefine((value, context) => {
  for (const yielded of schedulableValues(value)) {
    if (yielded.value >= 0) continue;
    context.addIssue({ code: "too_small", origin: "number", minimum: 0, inclusive: true, input: yielded.value, path: yielded.path });
  }
});

// ---------------------------------------------------------------------------
// Layers: each kind is defined once in layer-kinds/ (see its index.ts); the union and the
// types below are derived from those definitions.
// ---------------------------------------------------------------------------

export * from "./layer-kinds/index.js";
export type DenseLayer = LayerOf<"dense">;
export type ConvLayer = LayerOf<"conv">;
export type DeconvLayer = LayerOf<"deconv">;
export type ReshapeLayer = LayerOf<"reshape">;
export type FlattenLayer = LayerOf<"flatten">;
export type BatchNormLayer = LayerOf<"batchnorm">;
export type PoolLayer = LayerOf<"maxpool"> | LayerOf<"avgpool">;
export type DropoutLayer = LayerOf<"dropout">;
export type ActivationLayer = LayerOf<"activation">;
export type TrickLayer = LayerOf<"trick">;

export const NetworkSchema = z.strictObject({
  inputShape: shape.min(1),
  layers: z.array(LayerSchema).min(1),
  /** Output shape of the last layer, written by shape inference. */
  outputShape: shape.optional(),
});
export type Network = z.infer<typeof NetworkSchema>;
export type NetworkName = "generator" | "discriminator";
export const NETWORK_NAMES = ["generator", "discriminator"] as const satisfies readonly NetworkName[];

// ---------------------------------------------------------------------------
// Data: one module per kind in data/, the union and DATA_KINDS derived in data/index.ts.
// ---------------------------------------------------------------------------

export const LatentSchema = z.strictObject({
  size: positiveInt,
  distribution: z.enum(["normal", "uniform"]).default("normal"),
});
export type Latent = z.infer<typeof LatentSchema>;


export const AdamSchema = z.strictObject({
  kind: z.literal("adam"),
  lr: LearningRateSchema.default(2e-4),
  beta1: finite.min(0).lt(1).default(0.5),
  beta2: finite.min(0).lt(1).default(0.999),
  epsilon: finite.gt(0).default(1e-8),
});
export const SgdSchema = z.strictObject({
  kind: z.literal("sgd"),
  lr: LearningRateSchema.default(1e-2),
  momentum: finite.min(0).lt(1).default(0),
});
export const RmspropSchema = z.strictObject({
  kind: z.literal("rmsprop"),
  lr: LearningRateSchema.default(5e-5),
  decay: finite.min(0).lt(1).default(0.9),
  momentum: finite.min(0).lt(1).default(0),
  epsilon: finite.gt(0).default(1e-7),
});
export const OptimizerSchema = z.discriminatedUnion("kind", [AdamSchema, SgdSchema, RmspropSchema]);
export type Optimizer = z.infer<typeof OptimizerSchema>;
export type OptimizerKind = Optimizer["kind"];
export const OPTIMIZER_KINDS = ["adam", "sgd", "rmsprop"] as const satisfies readonly OptimizerKind[];

export const BACKENDS = ["auto", "tensorflow", "blas", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Checkpoints a run keeps by default: the newest, and two to fall back to when it is damaged
 * or when a NaN rolls the run back.
 */
export const DEFAULT_KEEP_CHECKPOINTS = 3;

/**
 * What `eval every` can measure during a run, by the kind of evaluation the data has: the 2-D
 * mixtures' mode coverage (PacGAN's definitions); for 28x28x1 images, the Fréchet distance
 * and the classifier score in the features of the project's MNIST classifier; and for images
 * with a feature network named in the eval block (`features: "emoji-classifier"` or a tfjs
 * model.json), the feature metrics of `gan eval` in that network's features.
 */
export const EVAL_METRICS = {
  mixture: ["modes", "high_quality", "reverse_kl"],
  mnist: ["fid", "classifier_score"],
  features: ["fd", "kid", "precision", "recall", "density", "coverage"],
} as const;
export type EvaluationKind = keyof typeof EVAL_METRICS;
export type EvalMetric = (typeof EVAL_METRICS)[EvaluationKind][number];
export const ALL_EVAL_METRICS = [...EVAL_METRICS.mixture, ...EVAL_METRICS.mnist, ...EVAL_METRICS.features] as const;
/** Which way is better, for `keep best` and `stop when ... stalls`. */
export const EVAL_METRIC_BETTER: Record<EvalMetric, "higher" | "lower"> = {
  modes: "higher",
  high_quality: "higher",
  reverse_kl: "lower",
  fid: "lower",
  classifier_score: "higher",
  fd: "lower",
  kid: "lower",
  precision: "higher",
  recall: "higher",
  density: "higher",
  coverage: "higher",
};

/** How a metric is named in charts (a feature metric's chart adds the features it was computed on). */
export const EVAL_METRIC_TITLES: Record<EvalMetric, string> = {
  modes: "modes captured",
  high_quality: "high-quality samples, %",
  reverse_kl: "reverse KL",
  fid: "Fréchet distance (MNIST classifier features)",
  classifier_score: "classifier score",
  fd: "Fréchet distance",
  kid: "KID",
  precision: "precision (k = 3)",
  recall: "recall (k = 3)",
  density: "density (k = 5)",
  coverage: "coverage (k = 5)",
};

/**
 * The feature networks that ship with @gan/metrics, named by a word in `features: "..."` and
 * `gan eval --features` instead of a path (anything else is a tfjs model.json).
 */
export const BUILTIN_FEATURE_NETWORKS = ["emoji-classifier"] as const;
export const isBuiltinFeatureNetwork = (model: string): boolean => (BUILTIN_FEATURE_NETWORKS as readonly string[]).includes(model);

/**
 * The name of a feature space in metric names (`fd@<id>`): a built-in network's word, else the
 * folder of the model.json (`inception-v3`), with the layer read when one is named
 * (`inception-v3:pool_3`). Give a model path absolute, so that `./model.json` names its folder.
 */
export function featuresIdOf(features: { model: string; layer?: string | undefined }): string {
  const parts = features.model.split(/[\\/]/).filter((part) => part !== "");
  const name = isBuiltinFeatureNetwork(features.model) ? features.model : (parts.at(-2) ?? features.model);
  return features.layer === undefined ? name : `${name}:${features.layer}`;
}

/** The keys of the metrics whose features do not depend on the spec. */
const FIXED_EVAL_METRIC_KEYS: Record<(typeof EVAL_METRICS)["mixture" | "mnist"][number], string> = {
  modes: "modes",
  high_quality: "high_quality_pct",
  reverse_kl: "reverse_kl",
  fid: "fd@mnist-classifier",
  classifier_score: "classifier_score",
};

/**
 * The name of each metric in metrics.jsonl (after `eval_`), eval.json's tables and TensorBoard:
 * the names `gan eval` gives them, so that a Fréchet distance says whose features it was
 * computed on (`fd@mnist-classifier`, `fd@emoji-classifier`, `kid@inception-v3:pool_3`).
 */
export function evalMetricKey(metric: EvalMetric, evaluation: { features?: { model: string; layer?: string | undefined } | undefined } | undefined): string {
  if ((EVAL_METRICS.features as readonly string[]).includes(metric)) {
    if (evaluation?.features === undefined) throw new Error(`eval metric '${metric}' needs the features of the eval block`);
    return `${metric}@${featuresIdOf(evaluation.features)}`;
  }
  return FIXED_EVAL_METRIC_KEYS[metric as keyof typeof FIXED_EVAL_METRIC_KEYS];
}

/**
 * The kind of evaluation `data` has, or undefined (no metric for it yet): a feature network in
 * the eval block makes images of any shape measurable on its features.
 */
export function evaluationKindOf(data: { kind: string; shape: readonly number[] }, evaluation?: { features?: unknown }): EvaluationKind | undefined {
  if (data.kind === "ring" || data.kind === "grid") return "mixture";
  if (data.shape.length !== 3) return undefined;
  if (evaluation?.features !== undefined) return "features";
  const [height, width, channels] = data.shape;
  return height === 28 && width === 28 && channels === 1 ? "mnist" : undefined;
}

/** `features: ..., featuresLayer: ..., featuresRange: [lo, hi]` of an eval block: the network whose features are measured. */
export const EvalFeaturesSchema = z.strictObject({
  /** A built-in network (BUILTIN_FEATURE_NETWORKS) or the absolute path of a tfjs model.json. */
  model: z.string().min(1),
  /** The layer (layers model) or node (graph model) read; default the model's output (a built-in network's feature layer). */
  layer: z.string().min(1).optional(),
  /** The pixel range the network expects; default [0, 1]. */
  inputRange: z.tuple([z.number(), z.number()]).optional(),
});
export type EvalFeatures = z.infer<typeof EvalFeaturesSchema>;

/** `eval every N { metrics: [...], samples: N, features: "..." }`: metrics computed during training. */
export const TrainEvalSchema = z.strictObject({
  every: positiveInt,
  /** The data's metrics to compute (written to metrics.jsonl as eval_<metric>); absent: all of them. */
  metrics: z.array(z.enum(ALL_EVAL_METRICS)).min(1).optional(),
  /** Samples drawn per evaluation (default: gan eval's, 2,500 for mixtures, 10,000 for images). */
  samples: positiveInt.optional(),
  /** The feature network of image metrics (needed for images other than 28x28x1 MNIST). */
  features: EvalFeaturesSchema.optional(),
});
export type TrainEval = z.infer<typeof TrainEvalSchema>;

export const TrainSchema = z.strictObject({
  steps: positiveInt,
  batch: positiveInt.default(64),
  seed: nonNegativeInt.default(0),
  /** Write a sample grid / scatter plot every N steps (0: only at the end). */
  sampleEvery: nonNegativeInt.default(0),
  /** Write a checkpoint every N steps (0: only at the end). */
  checkpointEvery: nonNegativeInt.default(0),
  /** Keep the newest N checkpoints of the run and delete older ones (0: keep them all). */
  keepCheckpoints: nonNegativeInt.default(DEFAULT_KEEP_CHECKPOINTS),
  /** Append a line to metrics.jsonl every N steps. */
  logEvery: positiveInt.default(10),
  backend: z.enum(BACKENDS).default("auto"),
  eval: TrainEvalSchema.optional(),
  /** `keep best fid`: checkpoints/best holds the checkpoint of the best evaluation of this metric. */
  keepBest: z.enum(ALL_EVAL_METRICS).optional(),
  /** `stop when fid stalls for 5 evals`: the run ends once this many evaluations in a row are no better than the best. */
  stopWhenStalls: z.strictObject({ metric: z.enum(ALL_EVAL_METRICS), evals: positiveInt }).optional(),
});
export type Train = z.infer<typeof TrainSchema>;

// ---------------------------------------------------------------------------
// Tricks and what they changed.
// ---------------------------------------------------------------------------

/** Steps in [from, until) during which a trick is active; either bound may be absent. */
export const WindowSchema = z.strictObject({ from: nonNegativeInt.optional(), until: nonNegativeInt.optional() });
export type Window = z.infer<typeof WindowSchema>;

export const TrickUseSchema = z.strictObject({
  /** The package name as written in `use "..."`. */
  package: z.string().min(1),
  /** The version of the package that was resolved at compile time. */
  version: z.string().min(1),
  /** Options validated against the trick's schema, defaults filled in. */
  options: z.record(z.string(), JsonValueSchema),
  window: WindowSchema.default({}),
  source: SourceLocationSchema.optional(),
});
export type TrickUse = z.infer<typeof TrickUseSchema>;

/** One change a trick's rewrite hook made to a network, as shown to the user. */
export const RewriteSchema = z.strictObject({
  trick: z.string().min(1),
  network: z.enum(NETWORK_NAMES).nullable(),
  /**
   * Index of the changed layer in the network after the rewrite, or of the block that holds
   * it (null for non-layer changes).
   */
  index: nonNegativeInt.nullable(),
  /** For a layer inside a block: its path below the network's layers, `[2, "layers", 0]` (absent for a layer of the network itself). */
  path: z.array(z.union([z.string().min(1), nonNegativeInt])).min(2).optional(),
  action: z.enum(["replace", "insert", "remove", "data", "other"]),
  description: z.string().min(1),
  before: LayerSchema.nullable().optional(),
  after: LayerSchema.nullable().optional(),
});
export type Rewrite = z.infer<typeof RewriteSchema>;

export const PlanSchema = z.strictObject({
  planVersion: z.literal(PLAN_VERSION),
  name: z.string().min(1),
  source: z.strictObject({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  data: DataSchema,
  latent: LatentSchema,
  /** `condition classes`: G and D take a class label (condition.ts); absent for an unconditional GAN. */
  condition: ConditionSchema.optional(),
  networks: z.strictObject({ generator: NetworkSchema, discriminator: NetworkSchema }),
  loss: LossSchema,
  optimizers: z.strictObject({ generator: OptimizerSchema, discriminator: OptimizerSchema }),
  train: TrainSchema,
  tricks: z.array(TrickUseSchema),
  rewrites: z.array(RewriteSchema),
});
export type Plan = z.infer<typeof PlanSchema>;
/** A plan as it may be written by hand: defaults not yet filled in. */
export type PlanInput = z.input<typeof PlanSchema>;
