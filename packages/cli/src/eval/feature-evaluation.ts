/**
 * The feature metrics of `gan eval` for data other than 2-D mixtures: which feature
 * extractor measures a run's data, what it is compared with, and the figures, each of
 * which names the features it was computed on.
 *
 * - 28x28x1 images: the project's MNIST classifier, against the MNIST test split;
 * - other images ([height, width, channels]): the tfjs model named with --features, against
 *   as many examples of the run's own data; refused without one;
 * - vectors (points, tabular rows): the raw vectors, against the run's own data.
 */
import { UserError } from "@gan/core";
import { createRng, invertRange, openDataSource } from "@gan/core/runtime";
import {
  type FeatureExtractor,
  FeatureExtractorError,
  type FeatureMatrix,
  type FeatureMetricName,
  featureMetrics,
  type FeatureMetrics,
  featureNetworkExtractor,
  FEATURES_HINT,
  type KidResult,
  loadMnist,
  mnistClassifierExtractor,
  MNIST_PIXELS,
  rawExtractor,
} from "@gan/metrics";
import type { EvalFeatures, Plan } from "@gan/plan";

/** A feature network named by the user: --features, --features-layer, --features-range, or the spec's eval block. */
export type FeaturesChoice = EvalFeatures;

export interface FeatureFigures {
  /** The feature space: `id` names every figure in tables (fd@id), `description` says what it is. */
  features: { id: string; description: string; dimension: number };
  /** What the samples were compared with. */
  reference: { description: string; count: number };
  /** Fréchet distance (FID only on Inception-v3 features). */
  fd: number;
  kid: KidResult;
  precision: number;
  recall: number;
  precisionRecallK: number;
  density: number;
  coverage: number;
  densityCoverageK: number;
}

export type FeatureSpace = "mnist-classifier" | "model" | "raw";

const isImageShape = (shape: readonly number[]): boolean => shape.length === 3;
const isMnistShape = (shape: readonly number[]): boolean => shape.length === 3 && shape[0] === 28 && shape[1] === 28 && shape[2] === 1;

/** Which features measure a plan's data, or why none can. */
export function featureSpace(plan: Plan, choice: FeaturesChoice | undefined): { space: FeatureSpace } | { space: undefined; reason: string } {
  const shape = plan.data.shape;
  if (choice !== undefined) {
    if (!isImageShape(shape)) return { space: undefined, reason: `--features takes images; this run's data is '${plan.data.kind}' of shape [${shape.join(", ")}], measured on its raw vectors without it` };
    return { space: "model" };
  }
  if (isMnistShape(shape)) return { space: "mnist-classifier" };
  if (isImageShape(shape)) {
    return { space: undefined, reason: `this run's data is '${plan.data.kind}' images of shape [${shape.join(", ")}], and image metrics need a feature network: ${FEATURES_HINT}` };
  }
  return { space: "raw" };
}

export async function featureExtractor(space: FeatureSpace, choice: FeaturesChoice | undefined): Promise<FeatureExtractor> {
  if (space === "mnist-classifier") return mnistClassifierExtractor();
  if (space === "raw") return rawExtractor();
  try {
    return await featureNetworkExtractor(choice!);
  } catch (error) {
    throw asUserError(error);
  }
}

/** A feature extractor's refusal (a missing layer, a model that cannot take the images) is the user's to fix. */
function asUserError(error: unknown): unknown {
  return error instanceof FeatureExtractorError ? new UserError(error.message) : error;
}

/** Generated values back in the data's own range (the generator works in plan.data.range). */
export function toNativeRange(plan: Plan, values: Float32Array): Float32Array {
  const { nativeRange, range } = plan.data;
  if (nativeRange === null || range === null) return values;
  const map = invertRange(nativeRange, range);
  return values.map((value) => map.apply(value));
}

/**
 * Clips pixels outside [0, 1] (and NaN) in place and counts them. A generator without a
 * bounded output activation can step outside; feature networks see what a PNG of the sample
 * would show.
 */
export function clipPixels(pixels: Float32Array): number {
  let clipped = 0;
  for (let i = 0; i < pixels.length; i++) {
    const value = pixels[i]!;
    if (value < 0 || value > 1 || Number.isNaN(value)) {
      clipped++;
      pixels[i] = value > 1 ? 1 : 0;
    }
  }
  return clipped;
}

export interface ReferenceSet {
  values: Float32Array;
  n: number;
  description: string;
}

/**
 * One set for the life of the process, so that its features (and the k-NN radii that
 * @gan/metrics caches per feature matrix) are computed once however often runs are measured.
 */
let mnistTest: ReferenceSet | undefined;
const referenceFeatures = new WeakMap<ReferenceSet, Map<string, Promise<FeatureMatrix>>>();

function featuresOfReference(extractor: FeatureExtractor, reference: ReferenceSet, shape: readonly number[]): Promise<FeatureMatrix> {
  const byExtractor = referenceFeatures.get(reference) ?? new Map<string, Promise<FeatureMatrix>>();
  referenceFeatures.set(reference, byExtractor);
  let features = byExtractor.get(extractor.description);
  if (features === undefined) {
    features = extractor.extract(reference.values, reference.n, shape);
    byExtractor.set(extractor.description, features);
    features.catch(() => byExtractor.delete(extractor.description));
  }
  return features;
}

/**
 * The real examples the samples are compared with, in the data's own range: the MNIST test
 * split for the classifier (as the MNIST figures have always been), else up to `count`
 * examples of the run's data, drawn with `seed`.
 */
export async function referenceSet(plan: Plan, space: FeatureSpace, count: number, seed: number): Promise<ReferenceSet> {
  if (space === "mnist-classifier") {
    if (mnistTest === undefined) {
      const test = loadMnist("test");
      mnistTest = { values: test.images.subarray(0, test.count * MNIST_PIXELS), n: test.count, description: `the MNIST test split (${test.count.toLocaleString("en")} images)` };
    }
    return mnistTest;
  }
  const source = await openDataSource(plan.data, { rng: createRng(seed).split("eval-reference") });
  const n = Math.min(count, source.size ?? count);
  const values = toNativeRange(plan, source.nextBatch(n));
  return { values, n, description: `${n.toLocaleString("en")} examples of ${source.describe()}` };
}

/** The chosen feature metrics (default all) of generated examples (in the data's own range) against the reference. */
export async function compareFeatures(extractor: FeatureExtractor, reference: ReferenceSet, generated: Float32Array, n: number, shape: readonly number[], metrics?: readonly FeatureMetricName[]): Promise<FeatureMetrics> {
  let real: FeatureMatrix;
  let fake: FeatureMatrix;
  try {
    real = await featuresOfReference(extractor, reference, shape);
    fake = await extractor.extract(generated, n, shape);
  } catch (error) {
    throw asUserError(error);
  }
  return featureMetrics(real, fake, metrics === undefined ? {} : { metrics });
}

/** Every feature metric of generated examples (in the data's own range) against the reference. */
export async function featureFigures(extractor: FeatureExtractor, reference: ReferenceSet, generated: Float32Array, n: number, shape: readonly number[]): Promise<FeatureFigures> {
  const metrics = await compareFeatures(extractor, reference, generated, n, shape);
  return {
    features: { id: extractor.id, description: extractor.description, dimension: metrics.dimension },
    reference: { description: reference.description, count: reference.n },
    fd: metrics.fd!,
    kid: metrics.kid!,
    precision: metrics.precision!,
    recall: metrics.recall!,
    precisionRecallK: metrics.precisionRecallK!,
    density: metrics.density!,
    coverage: metrics.coverage!,
    densityCoverageK: metrics.densityCoverageK!,
  };
}

/** The figures as flat named numbers, each name tagged with the features (`kid@mnist-classifier`). */
export function featureFigureValues(figures: FeatureFigures): [name: string, value: number][] {
  const tag = `@${figures.features.id}`;
  return [
    [`fd${tag}`, figures.fd],
    [`kid${tag}`, figures.kid.mean],
    [`precision${tag}`, figures.precision],
    [`recall${tag}`, figures.recall],
    [`density${tag}`, figures.density],
    [`coverage${tag}`, figures.coverage],
  ];
}
