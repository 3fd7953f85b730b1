/**
 * The metrics of a finished run, measured on samples of its final generator (generator/,
 * which holds @gan/ema's averaged weights when the run used it), or of a checkpoint's (the
 * newest when the run did not finish, or the one asked for: `best`, a step) with its tricks'
 * states restored, so that it is again the generator the run sampled from (sampleRun):
 *
 * - 2-D Gaussian mixtures (ring, grid): modes captured, fraction of high-quality samples and
 *   reverse KL, with the PacGAN definitions (@gan/metrics' mixtureMetrics), the means and the
 *   standard deviation taken from the run's own plan.
 * - MNIST-shaped images ([28, 28, 1]): the Fréchet distance in the feature space of the
 *   project's MNIST classifier against the test split, the floor (as many training images
 *   against the test split) and the classifier score (the Inception Score analogue), with
 *   KID, precision, recall, density and coverage on the same features;
 * - other images: the same feature metrics on a feature network the user names (--features);
 * - vectors (points, tabular rows): the same metrics on the raw vectors.
 * (feature-evaluation.ts chooses the features and the reference set.)
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "@gan/core";
import { RUN_FILES, appendRunLog, type RejectionSamplingOptions, type RejectionSamplingStats, mixtureMeans, mixtureStd, readJsonInputSync, readRunPlan, sampleRun, type RunInfo } from "@gan/core/runtime";
import { classifierPredictions, classifierScore, classifierStatistics, frechetDistance, loadMnist, mixtureMetrics, mnistReferenceStatistics, MNIST_PIXELS } from "@gan/metrics";
import type { BackendName, Plan } from "@gan/plan";
import { writeFileAtomic } from "../files.js";
import {
  clipPixels,
  featureExtractor,
  featureFigures,
  featureFigureValues,
  type FeatureFigures,
  type FeaturesChoice,
  featureSpace,
  referenceSet,
  toNativeRange,
} from "./feature-evaluation.js";
import { formatEvalLine } from "./format-eval.js";

export const EVAL_FILE = "eval.json";
/** Bumped when the meaning of a field of eval.json changes. */
export const EVAL_VERSION = 1;

/** PacGAN and VEEGAN draw 2,500 samples from a mixture generator. */
export const MIXTURE_SAMPLES = 2500;
/** 10,000 images, the size of MNIST's test split: the usual sample size of FID on MNIST (and of vectors). */
export const IMAGE_SAMPLES = 10_000;
/** Density and coverage's k = 5 nearest neighbours need 6 vectors a set. */
export const MIN_FEATURE_SAMPLES = 6;

export interface MixtureEvaluation {
  kind: "mixture";
  /** ring or grid */
  data: "ring" | "grid";
  modes: number;
  totalModes: number;
  /** Fraction (0..1) of samples within 3 standard deviations of their nearest mean. */
  highQuality: number;
  /** KL(histogram of high-quality samples over modes || uniform); null when no sample is high quality. */
  reverseKL: number | null;
  /** High-quality samples per mode, in the order of the plan's means. */
  counts: number[];
  means: [number, number][];
  std: number;
}

export interface MnistEvaluation {
  kind: "mnist";
  /** Fréchet distance of the samples to the MNIST test split in the classifier's feature space (figures.fd). */
  frechetDistance: number;
  /** The same distance for `samples` MNIST training images: what a perfect generator would score. */
  frechetFloor: number;
  /** exp(E KL(p(y|x) || p(y))) of the samples with the classifier's p(y|x); 10 at most. */
  classifierScore: number;
  /** Generated pixels outside [0, 1] that were clipped before the classifier saw them. */
  clippedPixels: number;
  /**
   * A class-conditional run on MNIST's labels (`condition classes`): the share of samples,
   * drawn for uniform classes, whose most probable class by the classifier is the class asked for.
   */
  classMatch?: number;
  /** KID, precision, recall, density and coverage (and the distance again) on the classifier's features; absent from eval.json files of gan before them. */
  figures?: FeatureFigures;
}

/** Images measured with a named feature network, or vectors measured as they are. */
export interface FeatureEvaluation {
  kind: "features";
  figures: FeatureFigures;
  /** Generated pixels outside [0, 1] clipped before the feature network saw them (0 for vectors). */
  clippedPixels: number;
}

export type Evaluation = MixtureEvaluation | MnistEvaluation | FeatureEvaluation;

export interface EvalReport {
  evalVersion: number;
  name: string;
  planHash: string | null;
  /** Training steps behind the weights measured. */
  steps: number | null;
  /**
   * Relative to the run directory: generator, or a checkpoint (checkpoints/step-NNNNNN,
   * checkpoints/best; its generator/ with its tricks' states). eval.json files of gan before
   * checkpoints' trick states were read name checkpoints/step-NNNNNN/generator: raw weights.
   */
  weightsFrom: string;
  /** True when the weights are @gan/ema's average. */
  ema: boolean;
  samples: number;
  seed: number;
  backend: string;
  metrics: Evaluation;
  /**
   * Present when the samples measured are those discriminator rejection sampling kept
   * (`--drs`, or @gan/drs in the spec): its options, and the candidates it examined.
   */
  rejectionSampling?: RejectionSamplingStats;
  createdAt: string;
  seconds: number;
}

export interface EvaluateOptions {
  /** Samples to draw (default: 2,500 for mixtures, 10,000 for images). */
  count?: number;
  /** Seed of the latent vectors (default 0). */
  seed?: number;
  backend?: BackendName;
  /** Where the run's trick packages are resolved from. */
  tricksFrom?: string;
  /** A checkpoint to measure instead of the final generator: `best`, a step, or `step-NNNNNN`. */
  checkpoint?: string;
  /** A feature network for images (default: the one the spec's eval block names; needed for images other than 28x28x1). */
  features?: FeaturesChoice;
  /** Discriminator rejection sampling (`--drs`); absent: as the run's spec says. */
  rejectionSampling?: RejectionSamplingOptions;
  warn?(message: string): void;
}

export type EvaluationKind = Evaluation["kind"];

/**
 * What kind of evaluation a plan's data allows (with the features named, by default those of the
 * spec's eval block), or why none.
 */
export function evaluationKind(plan: Plan, features: FeaturesChoice | undefined = plan.train.eval?.features): { kind: EvaluationKind } | { kind: undefined; reason: string } {
  const data = plan.data;
  if ((data.kind === "ring" || data.kind === "grid") && features === undefined) return { kind: "mixture" };
  const space = featureSpace(plan, features);
  if (space.space === undefined) return { kind: undefined, reason: space.reason };
  return { kind: space.space === "mnist-classifier" ? "mnist" : "features" };
}

function readRunInfo(runDir: string): RunInfo | undefined {
  const file = path.join(runDir, RUN_FILES.run);
  if (!existsSync(file)) return undefined;
  try {
    return readJsonInputSync(file, "run.json") as RunInfo;
  } catch {
    return undefined;
  }
}


export async function evaluateRun(runDir: string, options: EvaluateOptions = {}): Promise<EvalReport> {
  const started = performance.now();
  // The kind is checked first, so that an unsupported run fails before the generator is loaded.
  const plan = readRunPlan(runDir);
  // Without --features, the network the spec's eval block names measures the run (an emoji run: its classifier).
  const features = options.features ?? plan.train.eval?.features;
  const kind = evaluationKind(plan, features);
  if (kind.kind === undefined) throw new UserError(`${runDir}: ${kind.reason}`);

  const count = options.count ?? (kind.kind === "mixture" ? MIXTURE_SAMPLES : IMAGE_SAMPLES);
  // k-nearest-neighbour radii with k = 5 (density and coverage) need 6 vectors in each set.
  if (kind.kind !== "mixture" && count < MIN_FEATURE_SAMPLES) throw new UserError(`feature metrics need at least ${MIN_FEATURE_SAMPLES} samples, got -n ${count}`);
  const seed = options.seed ?? 0;
  const samples = await sampleRun(runDir, {
    count,
    seed,
    backend: options.backend ?? "auto",
    ...(options.tricksFrom !== undefined ? { tricksFrom: options.tricksFrom } : {}),
    ...(options.checkpoint !== undefined ? { checkpoint: options.checkpoint } : {}),
    ...(options.rejectionSampling !== undefined ? { rejectionSampling: options.rejectionSampling } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  });
  const info = readRunInfo(runDir);
  const metrics =
    kind.kind === "mixture"
      ? mixtureEvaluation(samples.plan, samples.values)
      : kind.kind === "mnist"
        ? await mnistEvaluation(samples.plan, samples.values, count, samples.classes)
        : await featureEvaluation(samples.plan, samples.values, count, seed, features);
  return {
    evalVersion: EVAL_VERSION,
    name: plan.name,
    planHash: info?.planHash ?? null,
    // A checkpoint's step is its manifest's (checkpoints/best has no step in its name); generator/'s the run's.
    steps: samples.checkpointStep ?? info?.stepsCompleted ?? null,
    weightsFrom: path.relative(runDir, samples.weightsFrom) || ".",
    ema: plan.tricks.some((use) => use.package === "@gan/ema"),
    samples: count,
    seed,
    backend: samples.backend.name,
    metrics,
    ...(samples.rejectionSampling !== undefined ? { rejectionSampling: samples.rejectionSampling } : {}),
    createdAt: new Date().toISOString(),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

export function mixtureEvaluation(plan: Plan, values: Float32Array): MixtureEvaluation {
  const data = plan.data;
  if (data.kind !== "ring" && data.kind !== "grid") throw new Error(`mixtureEvaluation: data '${data.kind}' is not a mixture`);
  const means = mixtureMeans(data);
  const std = mixtureStd(data);
  const result = mixtureMetrics(toNativeRange(plan, values), means, std);
  return {
    kind: "mixture",
    data: data.kind,
    modes: result.modes,
    totalModes: result.totalModes,
    highQuality: result.highQuality,
    reverseKL: Number.isNaN(result.reverseKL) ? null : result.reverseKL,
    counts: result.counts,
    means,
    std,
  };
}

export async function mnistEvaluation(plan: Plan, values: Float32Array, count: number, classes?: Int32Array): Promise<MnistEvaluation> {
  const pixels = toNativeRange(plan, values);
  const clippedPixels = clipPixels(pixels);
  const figures = await featureFigures(await featureExtractor("mnist-classifier", undefined), await referenceSet(plan, "mnist-classifier", count, 0), pixels, count, plan.data.shape);
  const test = await mnistReferenceStatistics("test");
  const train = loadMnist("train");
  const floorCount = Math.min(count, train.count);
  // The same number of real images as generated ones: the distance's bias depends on n.
  const floor = frechetDistance(await classifierStatistics(train.images.subarray(0, floorCount * MNIST_PIXELS), floorCount), test);
  return {
    kind: "mnist",
    frechetDistance: figures.fd,
    frechetFloor: floor,
    classifierScore: await classifierScore(pixels),
    clippedPixels,
    ...(classes !== undefined && plan.data.kind === "mnist" && { classMatch: await classMatch(pixels, classes) }),
    figures,
  };
}

/** The share of `images` (pixels in [0, 1]) that the MNIST classifier puts in the class each was generated for. */
export async function classMatch(images: Float32Array, classes: Int32Array): Promise<number> {
  const predicted = await classifierPredictions(images, classes.length);
  let matches = 0;
  for (let i = 0; i < classes.length; i++) if (predicted[i] === classes[i]) matches++;
  return matches / classes.length;
}

/** Images on a named feature network, or vectors as they are, against the run's own data. */
export async function featureEvaluation(plan: Plan, values: Float32Array, count: number, seed: number, features: FeaturesChoice | undefined): Promise<FeatureEvaluation> {
  const space = featureSpace(plan, features);
  if (space.space === undefined) throw new UserError(space.reason);
  const extractor = await featureExtractor(space.space, features);
  const generated = toNativeRange(plan, values);
  const clippedPixels = space.space === "raw" ? 0 : clipPixels(generated);
  const reference = await referenceSet(plan, space.space, count, seed);
  return { kind: "features", figures: await featureFigures(extractor, reference, generated, count, plan.data.shape), clippedPixels };
}

/** Writes eval.json into the run directory, through a temporary file and a rename. */
export function writeEvalReport(runDir: string, report: EvalReport): string {
  const file = path.join(runDir, EVAL_FILE);
  try {
    writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    throw new UserError(`${file}: cannot write the evaluation (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return file;
}

/**
 * What `gan eval` and the end of `gan train` do: evaluate the run, write its eval.json and
 * add the one-line result to its log.txt. Returns the report and the eval.json written.
 */
export async function evaluateAndRecord(runDir: string, options: EvaluateOptions = {}): Promise<{ report: EvalReport; file: string }> {
  const report = await evaluateRun(runDir, options);
  const file = writeEvalReport(runDir, report);
  appendRunLog(runDir, `eval: ${formatEvalLine(report)}, ${report.weightsFrom} at step ${report.steps ?? "?"}, seed ${report.seed}`);
  return { report, file };
}

/** eval.json of a run, when it has one that this version of gan can read. */
export function readEvalReport(runDir: string): EvalReport | undefined {
  const file = path.join(runDir, EVAL_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const report = readJsonInputSync(file, "eval.json") as EvalReport;
    return report.evalVersion === EVAL_VERSION ? report : undefined;
  } catch {
    return undefined;
  }
}

/** The metrics as flat named numbers, in the order tables show them. */
export function metricValues(metrics: Evaluation): [name: string, value: number | null][] {
  if (metrics.kind === "mixture") {
    return [
      ["modes", metrics.modes],
      ["high_quality_pct", metrics.highQuality * 100],
      ["reverse_kl", metrics.reverseKL],
    ];
  }
  if (metrics.kind === "mnist") {
    if (metrics.figures === undefined) {
      return [
        ["fd@mnist-classifier", metrics.frechetDistance],
        ["fd_floor@mnist-classifier", metrics.frechetFloor],
        ["classifier_score", metrics.classifierScore],
      ];
    }
    const [fd, ...others] = featureFigureValues(metrics.figures);
    return [fd!, [`fd_floor@${metrics.figures.features.id}`, metrics.frechetFloor], ["classifier_score", metrics.classifierScore], ...others];
  }
  return featureFigureValues(metrics.figures);
}
