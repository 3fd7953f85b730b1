/**
 * Drawing samples from a finished (or interrupted) run: what `gan sample` and `gan eval` call.
 *
 * The generator is rebuilt from the run's plan and given the weights of generator/ (the
 * final generator, which is already the sampling generator: @gan/ema's average when the run
 * used it), or, when the run did not finish or a checkpoint is asked for (`best`, a step),
 * the generator that checkpoint samples from (checkpoint-sampling.ts: its trick states
 * restored, so @gan/ema's average again, not the raw weights of its generator/). Rebuilding
 * from the plan rather than from model.json's topology means trick layers need no class
 * registry, only the trick package.
 *
 * With discriminator rejection sampling (`--drs`, or `use "@gan/drs"` in the run's spec) the
 * samples are those DRS keeps (rejection-sampling.ts), and the weights always come from a
 * checkpoint: generator/ holds no discriminator. A finished run's newest checkpoint is the one
 * written at its last step, whose sampling generator is the one saved in generator/.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { tf, type tfl } from "../tfjs.js";
import type { BackendName, Plan } from "@gan/plan";
import { selectBackend, type SelectedBackend } from "../backend/select-backend.js";
import { UserError } from "../errors.js";
import { sampleLatent } from "../loop/latent.js";
import { readTensorSync } from "../loop/tensor-reads.js";
import { applyDiscriminator, applyGenerator, buildGenerator, classTensor, sampleClasses } from "../model/conditional.js";
import { createRng, type Rng } from "../random.js";
import type { Trick } from "../trick/define-trick.js";
import { loadTrickModule } from "../trick/load.js";
import { findLatestCheckpoint, findNamedCheckpoint, type FindCheckpointOptions } from "./checkpoint.js";
import { restoreCheckpointForSampling } from "./checkpoint-sampling.js";
import { withCalibratedDiscriminator } from "./discriminator-calibration.js";
import { loadWeightsInto } from "./model-io.js";
import { CANDIDATE_BATCH, REJECTION_SAMPLING_TRICK, checkRejectionSamplingPlan, rejectionSample, type RejectionSamplingOptions, type RejectionSamplingStats } from "./rejection-sampling.js";
import { trainingHash } from "./resumable.js";
import { RUN_FILES, readRunPlan } from "./run-dir.js";

export interface SampleRunOptions {
  /** How many samples. */
  count: number;
  /** Seed of the latent vectors (default 0: the same samples every time). */
  seed?: number;
  backend?: BackendName;
  /** The plan's trick modules, aligned with plan.tricks; loaded from `tricksFrom` when absent. */
  tricks?: readonly Trick[];
  tricksFrom?: string;
  /**
   * A checkpoint to sample from instead of the final generator: `best`, a step (`500`) or a
   * checkpoint directory's name (`step-000500`). Absent: generator/, else the newest checkpoint.
   */
  checkpoint?: string;
  /** Hears why a checkpoint was used or skipped. */
  warn?(message: string): void;
  /**
   * For a conditional run: one class (its index, or its name as the data names it) for every
   * sample, or "all": `count` samples of each class, class after class. Absent: uniform classes.
   */
  classes?: string;
  /**
   * Discriminator rejection sampling with these options (`--drs`); absent: as the run's spec
   * says (@gan/drs), else none.
   */
  rejectionSampling?: RejectionSamplingOptions;
}

/** What `classes` asked for, resolved against the run's classes. */
export type ClassRequest = { kind: "one"; class: number } | { kind: "all" };

export interface RunSamples {
  /** count * prod(shape) values, sample after sample, in the plan's data range. */
  values: Float32Array;
  count: number;
  /** One sample's shape ([2] for 2-D data, [h, w, c] for images). */
  shape: number[];
  /** The class each sample was generated for, in a conditional run. */
  classes?: Int32Array;
  /** Samples per row of a picture: `count` with `classes: "all"` (one row per class). */
  columns?: number;
  plan: Plan;
  /** The directory whose weights were used: generator/, or a checkpoint's directory. */
  weightsFrom: string;
  /** The checkpoint's step when the weights came from one; undefined for generator/. */
  checkpointStep?: number;
  backend: SelectedBackend;
  /** What discriminator rejection sampling kept and examined, when the samples were drawn with it. */
  rejectionSampling?: RejectionSamplingStats;
}

/** Where the samples come from: the final generator/ or a verified checkpoint. */
export type WeightsSource = { kind: "final"; dir: string } | { kind: "checkpoint"; dir: string; step: number };

/**
 * Where the run's generator is: `checkpoint` when named, else generator/, else the newest
 * valid checkpoint (one written for another plan than `options.trainingHash`'s is refused).
 * `withDiscriminator`: D is needed too (rejection sampling), so never generator/.
 */
export function generatorSource(runDir: string, checkpoint: string | undefined, options: FindCheckpointOptions & { withDiscriminator?: boolean } = {}): WeightsSource {
  const checkpoints = path.join(runDir, RUN_FILES.checkpoints);
  if (checkpoint !== undefined) {
    const found = findNamedCheckpoint(checkpoints, checkpoint, options.trainingHash);
    return { kind: "checkpoint", dir: found.dir, step: found.manifest.step };
  }
  const final = path.join(runDir, RUN_FILES.generator);
  const finished = existsSync(path.join(final, "model.json"));
  if (finished && !options.withDiscriminator) return { kind: "final", dir: final };
  const latest = findLatestCheckpoint(checkpoints, options);
  if (!latest) {
    if (finished) throw new UserError(`${runDir} has no valid checkpoint: discriminator rejection sampling needs the discriminator, which only checkpoints hold`);
    throw new UserError(`${runDir} has no trained generator yet: no generator/ and no valid checkpoint`);
  }
  if (!finished) options.warn?.(`the run did not finish: using the generator of checkpoint ${path.basename(latest.dir)}`);
  return { kind: "checkpoint", dir: latest.dir, step: latest.manifest.step };
}

/**
 * The trick modules needed: generator/ needs only those of the generator's trick layers; a
 * checkpoint needs every trick of the plan, whose states say which generator it samples from.
 */
async function planTricks(plan: Plan, source: WeightsSource, options: SampleRunOptions): Promise<Trick[]> {
  if (options.tricks) return [...options.tricks];
  const fromDir = options.tricksFrom ?? process.cwd();
  const names =
    source.kind === "checkpoint"
      ? plan.tricks.map((use) => use.package)
      : [...new Set(plan.networks.generator.layers.flatMap((layer) => (layer.type === "trick" ? [layer.trick] : [])))];
  return Promise.all(names.map((name) => loadTrickModule(name, fromDir)));
}

/** The generator to draw from (and from a checkpoint, its discriminator and the spec's rejection sampling), and how to free them. */
async function samplingGenerator(
  plan: Plan,
  source: WeightsSource,
  tricks: readonly Trick[],
  warn: ((message: string) => void) | undefined,
): Promise<{ generator: tfl.LayersModel; discriminator?: tfl.LayersModel; rejectionSampling?: RejectionSamplingOptions; dispose(): void }> {
  if (source.kind === "checkpoint") return restoreCheckpointForSampling(plan, source.dir, source.step, tricks, warn);
  const generator = buildGenerator(plan, { seed: plan.train.seed, tricks });
  try {
    await loadWeightsInto(generator, source.dir);
  } catch (error) {
    generator.dispose();
    throw error;
  }
  // generator/ was saved from the sampling generator (a trick's, if any): its weights are drawn from as they are.
  return { generator, dispose: () => generator.dispose() };
}

export async function sampleRun(runDir: string, options: SampleRunOptions): Promise<RunSamples> {
  if (!Number.isInteger(options.count) || options.count < 1) throw new UserError(`the number of samples must be a positive integer, got ${options.count}`);
  const plan = readRunPlan(runDir);
  // A class the run does not have is named before any weights are read.
  const request = options.classes === undefined ? undefined : resolveClassRequest(plan, options.classes);
  const withDiscriminator = options.rejectionSampling !== undefined || plan.tricks.some((use) => use.package === REJECTION_SAMPLING_TRICK);
  if (withDiscriminator) checkRejectionSamplingPlan(plan);
  const source = generatorSource(runDir, options.checkpoint, { ...(options.warn ? { warn: options.warn } : {}), trainingHash: trainingHash(plan), withDiscriminator });
  const backend = await selectBackend(options.backend ?? "auto");
  const sampling = await samplingGenerator(plan, source, await planTricks(plan, source, options), options.warn);
  try {
    const count = request?.kind === "all" ? options.count * plan.condition!.classes : options.count;
    const rejection = options.rejectionSampling ?? sampling.rejectionSampling;
    const drawn =
      rejection !== undefined && sampling.discriminator !== undefined
        ? await drawRejectionSamples(sampling.generator, sampling.discriminator, plan, count, options.seed ?? 0, rejection)
        : generateSamples(sampling.generator, plan, count, options.seed ?? 0, request);
    const { values } = drawn;
    const classes = "classes" in drawn ? drawn.classes : undefined;
    return {
      values,
      count,
      shape: plan.data.shape,
      plan,
      weightsFrom: source.dir,
      ...(source.kind === "checkpoint" && { checkpointStep: source.step }),
      backend,
      ...(classes && { classes }),
      ...(request?.kind === "all" && { columns: options.count }),
      ...("stats" in drawn && { rejectionSampling: drawn.stats }),
    };
  } finally {
    sampling.dispose();
  }
}

/** `--class 3`, `--class cat`, `--class all` against a run's classes; a UserError for an unconditional run or an unknown class. */
export function resolveClassRequest(plan: Plan, text: string): ClassRequest {
  const condition = plan.condition;
  const names = plan.data.kind === "mnist" || plan.data.kind === "idx" || plan.data.kind === "images" ? plan.data.classes?.names : undefined;
  if (condition === undefined || names === undefined) throw new UserError(`the run ${plan.name} is not conditional: a class can be asked of a spec with 'condition classes'`);
  if (text === "all") return { kind: "all" };
  const byName = names.indexOf(text);
  if (byName >= 0) return { kind: "one", class: byName };
  const index = /^\d+$/.test(text) ? Number(text) : NaN;
  if (index < condition.classes) return { kind: "one", class: index };
  const shown = names.length <= 12 ? names.join(", ") : `${names.slice(0, 12).join(", ")}, ...`;
  throw new UserError(`the run ${plan.name} has no class '${text}': its ${condition.classes} classes are ${shown} (a name, an index from 0 to ${condition.classes - 1}, or all)`);
}

/**
 * The classes of `count` samples in a conditional run: as `request` says (every sample one
 * class, or class after class in equal runs), else uniform from `rng`; undefined unconditioned.
 */
function classesFor(plan: Plan, count: number, request: ClassRequest | undefined, rng: Rng): Int32Array | undefined {
  const condition = plan.condition;
  if (condition === undefined) return undefined;
  if (request?.kind === "one") return new Int32Array(count).fill(request.class);
  if (request?.kind === "all") return Int32Array.from({ length: count }, (_, i) => Math.floor((i * condition.classes) / count));
  return sampleClasses(count, condition.classes, rng);
}

/**
 * `count` samples of `generator` (inference mode) from the latent vectors of `seed`: the samples
 * `gan sample` and `gan eval` draw, and the evaluation during training too, so that an eval
 * line and `gan eval` of the same weights measure the same samples.
 */
export function generateSamples(generator: tfl.LayersModel, plan: Plan, count: number, seed: number, request?: ClassRequest): { values: Float32Array; classes?: Int32Array } {
  const rng = createRng(seed).split("gan-sample");
  const latent = sampleLatent(plan.latent, count, rng);
  const classes = classesFor(plan, count, request, rng);
  // In chunks: a large -n must not need one huge batch in memory at once.
  const perSample = plan.data.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(count * perSample);
  const chunk = 1024;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const output = tf.tidy(() => {
      const z = tf.tensor2d(latent.subarray(start * plan.latent.size, (start + n) * plan.latent.size), [n, plan.latent.size]);
      return applyGenerator(generator, z, classes && classTensor(classes.subarray(start, start + n)), false);
    });
    try {
      values.set(readTensorSync(output), start * perSample);
    } finally {
      output.dispose();
    }
  }
  return classes ? { values, classes } : { values };
}

/**
 * `count` samples that discriminator rejection sampling keeps (rejection-sampling.ts) of
 * `generator`'s, scored by `discriminator` (both in inference mode). The candidates come from
 * the latent stream of `seed` that generateSamples draws from, so that the samples kept are a
 * subsequence of the samples drawn without DRS (without packs); the burn-in and the
 * acceptance tests have streams of their own. Candidates are drawn in whole training batches
 * (about 1,000 samples at a time), which a packing D (@gan/pack) can always cut into packs.
 */
export async function drawRejectionSamples(
  generator: tfl.LayersModel,
  discriminator: tfl.LayersModel,
  plan: Plan,
  count: number,
  seed: number,
  options: RejectionSamplingOptions,
): Promise<{ values: Float32Array; stats: RejectionSamplingStats }> {
  checkRejectionSamplingPlan(plan);
  const root = createRng(seed);
  if (options.calibrationSteps === 0) return drawWith(generator, discriminator, plan, count, root, options);
  // D is trained further with G frozen, on streams of its own, and set back after the draw.
  const calibration = { steps: options.calibrationSteps, rate: options.calibrationRate, finalRate: options.calibrationFinalRate, batch: options.calibrationBatch };
  return withCalibratedDiscriminator(plan, generator, discriminator, calibration, root.split("gan-drs-calibrate"), () => drawWith(generator, discriminator, plan, count, root, options));
}

function drawWith(
  generator: tfl.LayersModel,
  discriminator: tfl.LayersModel,
  plan: Plan,
  count: number,
  root: Rng,
  options: RejectionSamplingOptions,
): { values: Float32Array; stats: RejectionSamplingStats } {
  const candidates = root.split("gan-sample");
  const burnIn = root.split("gan-drs-burn-in");
  const perSample = plan.data.shape.reduce((a, b) => a * b, 1);
  const draw = (n: number, phase: "burn-in" | "candidates") => {
    // The burn-in draws from its own stream, so that it does not shift the candidates'.
    const latent = sampleLatent(plan.latent, n, phase === "burn-in" ? burnIn : candidates);
    const [x, logits] = tf.tidy(() => {
      const samples = applyGenerator(generator, tf.tensor2d(latent, [n, plan.latent.size]), undefined, false);
      return [samples, applyDiscriminator(discriminator, plan, samples, undefined, false).logits];
    });
    try {
      if (logits.size < 1 || n % logits.size !== 0) {
        throw new UserError(`discriminator rejection sampling needs one logit of D per sample or per pack of samples: D gave ${logits.size} for ${n} samples`);
      }
      return { values: readTensorSync(x), logits: readTensorSync(logits) };
    } finally {
      x.dispose();
      logits.dispose();
    }
  };
  const batch = plan.train.batch * Math.max(1, Math.round(CANDIDATE_BATCH / plan.train.batch));
  return rejectionSample(draw, count, perSample, options, root.split("gan-drs-accept"), batch);
}
