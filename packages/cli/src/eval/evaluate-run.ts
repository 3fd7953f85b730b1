/**
 * The metrics of a finished run, measured on samples of its final generator (generator/,
 * which holds @gan/ema's averaged weights when the run used it; the newest checkpoint's
 * generator when the run did not finish):
 *
 * - 2-D Gaussian mixtures (ring, grid): modes captured, fraction of high-quality samples and
 *   reverse KL, with the PacGAN definitions (@gan/metrics' mixtureMetrics), the means and the
 *   standard deviation taken from the run's own plan.
 * - MNIST-shaped images ([28, 28, 1]): the Fréchet distance in the feature space of the
 *   project's MNIST classifier against the test split, the floor (as many training images
 *   against the test split) and the classifier score (the Inception Score analogue).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { RUN_FILES, UserError, appendRunLog, invertRange, mixtureMeans, mixtureStd, readJsonInputSync, readRunPlan, sampleRun, type RunInfo } from "@gan/core";
import {
  classifierFrechetDistance,
  classifierScore,
  frechetDistance,
  loadMnist,
  mixtureMetrics,
  mnistReferenceStatistics,
  MNIST_PIXELS,
  classifierStatistics,
} from "@gan/metrics";
import type { BackendName, Plan } from "@gan/plan";
import { writeFileAtomic } from "../files.js";
import { formatEvalLine } from "./format-eval.js";

export const EVAL_FILE = "eval.json";
/** Bumped when the meaning of a field of eval.json changes. */
export const EVAL_VERSION = 1;

/** PacGAN and VEEGAN draw 2,500 samples from a mixture generator. */
export const MIXTURE_SAMPLES = 2500;
/** 10,000 images, the size of MNIST's test split: the usual sample size of FID on MNIST. */
export const IMAGE_SAMPLES = 10_000;

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
  /** Fréchet distance of the samples to the MNIST test split in the classifier's feature space. */
  frechetDistance: number;
  /** The same distance for `samples` MNIST training images: what a perfect generator would score. */
  frechetFloor: number;
  /** exp(E KL(p(y|x) || p(y))) of the samples with the classifier's p(y|x); 10 at most. */
  classifierScore: number;
  /** Generated pixels outside [0, 1] that were clipped before the classifier saw them. */
  clippedPixels: number;
}

export type Evaluation = MixtureEvaluation | MnistEvaluation;

export interface EvalReport {
  evalVersion: number;
  name: string;
  planHash: string | null;
  /** Training steps behind the weights measured. */
  steps: number | null;
  /** Relative to the run directory: generator, or checkpoints/step-NNNNNN/generator. */
  weightsFrom: string;
  /** True when the weights are @gan/ema's average. */
  ema: boolean;
  samples: number;
  seed: number;
  backend: string;
  metrics: Evaluation;
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
  warn?(message: string): void;
}

/** What kind of evaluation a plan's data allows, or why none. */
export function evaluationKind(plan: Plan): { kind: "mixture" | "mnist" } | { kind: undefined; reason: string } {
  const data = plan.data;
  if (data.kind === "ring" || data.kind === "grid") return { kind: "mixture" };
  const shape = data.shape;
  if (shape.length === 3 && shape[0] === 28 && shape[1] === 28 && shape[2] === 1) return { kind: "mnist" };
  return {
    kind: undefined,
    reason: `gan eval measures 2-D ring and grid mixtures and 28x28x1 (MNIST-shaped) images; this run's data is '${data.kind}' of shape [${shape.join(", ")}]`,
  };
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

/** Steps behind a weights directory: the run's when it is generator/, the checkpoint's otherwise. */
function stepsOf(weightsFrom: string, info: RunInfo | undefined): number | null {
  const match = /step-(\d+)/.exec(weightsFrom);
  if (match) return Number(match[1]);
  return info?.stepsCompleted ?? null;
}

export async function evaluateRun(runDir: string, options: EvaluateOptions = {}): Promise<EvalReport> {
  const started = performance.now();
  // The kind is checked first, so that an unsupported run fails before the generator is loaded.
  const plan = readRunPlan(runDir);
  const kind = evaluationKind(plan);
  if (kind.kind === undefined) throw new UserError(`${runDir}: ${kind.reason}`);

  const count = options.count ?? (kind.kind === "mixture" ? MIXTURE_SAMPLES : IMAGE_SAMPLES);
  if (kind.kind === "mnist" && count < 2) throw new UserError(`a Fréchet distance needs at least 2 samples, got -n ${count}`);
  const seed = options.seed ?? 0;
  const samples = await sampleRun(runDir, {
    count,
    seed,
    backend: options.backend ?? "auto",
    ...(options.tricksFrom !== undefined ? { tricksFrom: options.tricksFrom } : {}),
    ...(options.warn ? { warn: options.warn } : {}),
  });
  const info = readRunInfo(runDir);
  const metrics = kind.kind === "mixture" ? mixtureEvaluation(samples.plan, samples.values) : await mnistEvaluation(samples.plan, samples.values, count);
  return {
    evalVersion: EVAL_VERSION,
    name: plan.name,
    planHash: info?.planHash ?? null,
    steps: stepsOf(path.relative(runDir, samples.weightsFrom), info),
    weightsFrom: path.relative(runDir, samples.weightsFrom) || ".",
    ema: plan.tricks.some((use) => use.package === "@gan/ema"),
    samples: count,
    seed,
    backend: samples.backend.name,
    metrics,
    createdAt: new Date().toISOString(),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** Generated values back in the data's own range (the generator works in plan.data.range). */
function toNativeRange(plan: Plan, values: Float32Array): Float32Array {
  const { nativeRange, range } = plan.data;
  if (nativeRange === null || range === null) return values;
  const map = invertRange(nativeRange, range);
  return values.map((value) => map.apply(value));
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

export async function mnistEvaluation(plan: Plan, values: Float32Array, count: number): Promise<MnistEvaluation> {
  const pixels = toNativeRange(plan, values);
  // A generator without a bounded output activation can step outside [0, 1]; the classifier
  // was trained on [0, 1] pixels, so it sees what a PNG of the sample would show.
  let clippedPixels = 0;
  for (let i = 0; i < pixels.length; i++) {
    const value = pixels[i]!;
    if (value < 0 || value > 1 || Number.isNaN(value)) {
      clippedPixels++;
      pixels[i] = value > 1 ? 1 : 0;
    }
  }
  const test = await mnistReferenceStatistics("test");
  const distance = await classifierFrechetDistance(pixels, test);
  const train = loadMnist("train");
  const floorCount = Math.min(count, train.count);
  // The same number of real images as generated ones: the distance's bias depends on n.
  const floor = frechetDistance(await classifierStatistics(train.images.subarray(0, floorCount * MNIST_PIXELS), floorCount), test);
  return {
    kind: "mnist",
    frechetDistance: distance,
    frechetFloor: floor,
    classifierScore: await classifierScore(pixels),
    clippedPixels,
  };
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
  return [
    ["frechet_distance", metrics.frechetDistance],
    ["frechet_floor", metrics.frechetFloor],
    ["classifier_score", metrics.classifierScore],
  ];
}
