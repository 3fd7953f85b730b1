/**
 * Checkpoints: everything a run needs to continue exactly where it stopped.
 *
 * checkpoints/step-000500/
 *   generator/model.json, generator/weights.bin        tfjs LayersModel format
 *   discriminator/model.json, discriminator/weights.bin
 *   optimizers.json, optimizers.bin                    the optimizers' slots (Adam's moments...)
 *   tricks.json, tricks.bin                            each trick's state and random stream
 *   state.json                                         step, the loop's random streams, the data source
 *   manifest.json                                      written last: the sha256 of every other file
 *
 * A checkpoint is written into a temporary directory and renamed into place, so a crash
 * (even `kill -9`) leaves either the whole new checkpoint or none of it. On resume, every
 * file is checked against the manifest; a checkpoint that fails is skipped, with a warning,
 * for the one before it.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { tf } from "../tfjs.js";
import type { JsonValue } from "@gan/plan";
import type { LoopState, Trainer } from "../loop/trainer.js";
import type { RunNetworks } from "../loop/run-networks.js";
import type { TrickCheckpoint } from "../trick/bus.js";
import { UserError } from "../errors.js";
import { readRunFileBytes, sha256, sha256OfFile, syncDirectory, writeFileDurable, writeJsonDurable } from "./files.js";
import type { NamedTensor, OptimizerStateJson } from "../optimizers.js";
import { decodeTensors, encodeTensors, loadWeightsInto, saveModel } from "./model-io.js";
import { trainingHash } from "./resumable.js";
import { readJsonInputSync } from "../input-file.js";
import { isInside } from "../paths.js";

export const CHECKPOINT_FORMAT = "gan-checkpoint";
export const CHECKPOINT_VERSION = 1;
const MANIFEST = "manifest.json";
const NAME_PATTERN = /^step-(\d{6,})$/;
/** checkpoints/best, written by `keep best`: never listed as a step checkpoint, so never pruned by `keep N` nor resumed from. */
export const BEST_CHECKPOINT = "best";

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  step: number;
  /** planHash of the plan the run had when the checkpoint was written. */
  planHash: string;
  /**
   * trainingHash of that plan: what the checkpoint's state depends on (see resumable.ts).
   * Absent in checkpoints of gan 0.1 and earlier, which are not checked.
   */
  trainingHash?: string;
  createdAt: string;
  /** Path (relative to the checkpoint, with "/") to sha256. */
  files: Record<string, string>;
}

interface TensorGroupJson {
  specs: tf.io.WeightsManifestEntry[];
}

interface OptimizerJson extends TensorGroupJson {
  state: OptimizerStateJson;
}

interface OptimizersJson {
  generator: OptimizerJson;
  discriminator: OptimizerJson;
  /** Byte length of the generator's part of optimizers.bin; the discriminator's follows. */
  generatorBytes: number;
}

interface TricksJson {
  tricks: { index: number; package: string; rng: TrickCheckpoint["rng"]; json?: JsonValue; tensors?: TensorGroupJson; offset?: number; bytes?: number }[];
}

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, "0")}`;
}

function listFiles(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name), relative));
    else files.push(relative);
  }
  return files.sort();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Encodes an optimizer state's slot tensors, then frees them (saveState's tensors are the caller's). */
async function encodeAndFree(tensors: NamedTensor[]): ReturnType<typeof encodeTensors> {
  try {
    return await encodeTensors(tensors);
  } finally {
    tf.dispose(tensors.map(({ tensor }) => tensor));
  }
}

/**
 * Writes the trainer's whole state as checkpoints/step-NNNNNN (atomically); returns its path.
 * An existing checkpoint of the same step is replaced. `name` writes it under another name
 * (`best`, which listCheckpoints, pruning and resuming never see).
 */
export async function writeCheckpoint(checkpointsDir: string, trainer: Trainer, planHash: string, name: string = checkpointName(trainer.step)): Promise<string> {
  mkdirSync(checkpointsDir, { recursive: true });
  const finalDir = path.join(checkpointsDir, name);
  const temporary = path.join(checkpointsDir, `.tmp-${name}-${process.pid}`);
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { recursive: true });

  await saveModel(trainer.generator, path.join(temporary, "generator"));
  await saveModel(trainer.discriminator, path.join(temporary, "discriminator"));

  const generatorState = await trainer.generatorOptimizer.saveState();
  const discriminatorState = await trainer.discriminatorOptimizer.saveState();
  const generatorSlots = await encodeAndFree(generatorState.tensors);
  const discriminatorSlots = await encodeAndFree(discriminatorState.tensors);
  const optimizers: OptimizersJson = {
    generator: { state: generatorState.json, specs: generatorSlots.specs },
    discriminator: { state: discriminatorState.json, specs: discriminatorSlots.specs },
    generatorBytes: generatorSlots.data.byteLength,
  };
  writeJsonDurable(path.join(temporary, "optimizers.json"), optimizers);
  writeFileDurable(path.join(temporary, "optimizers.bin"), concat([generatorSlots.data, discriminatorSlots.data]));

  const tricks: TricksJson = { tricks: [] };
  const trickBlobs: Uint8Array[] = [];
  let offset = 0;
  for (const saved of trainer.trickStates()) {
    const entry: TricksJson["tricks"][number] = { index: saved.index, package: saved.package, rng: saved.rng };
    if (saved.state?.json !== undefined) entry.json = saved.state.json;
    const named = Object.entries(saved.state?.tensors ?? {}).map(([tensorName, tensor]) => ({ name: tensorName, tensor }));
    if (named.length > 0) {
      const encoded = await encodeTensors(named);
      entry.tensors = { specs: encoded.specs };
      entry.offset = offset;
      entry.bytes = encoded.data.byteLength;
      offset += encoded.data.byteLength;
      trickBlobs.push(encoded.data);
    }
    tricks.tricks.push(entry);
  }
  writeJsonDurable(path.join(temporary, "tricks.json"), tricks);
  writeFileDurable(path.join(temporary, "tricks.bin"), concat(trickBlobs));

  writeJsonDurable(path.join(temporary, "state.json"), trainer.loopState());

  const files: Record<string, string> = {};
  for (const file of listFiles(temporary)) files[file] = sha256OfFile(path.join(temporary, ...file.split("/")));
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    step: trainer.step,
    planHash,
    trainingHash: trainingHash(trainer.plan),
    createdAt: new Date().toISOString(),
    files,
  };
  writeJsonDurable(path.join(temporary, MANIFEST), manifest);
  syncDirectory(temporary);

  if (existsSync(finalDir)) {
    // A directory cannot be renamed onto a non-empty one: move the old one aside first. A
    // crash between the two renames leaves a valid older checkpoint, never a broken one.
    const old = path.join(checkpointsDir, `.old-${name}-${process.pid}`);
    rmSync(old, { recursive: true, force: true });
    renameSync(finalDir, old);
    renameSync(temporary, finalDir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(temporary, finalDir);
  }
  syncDirectory(checkpointsDir);
  return finalDir;
}

/** Why a checkpoint cannot be used, or its manifest. */
export function verifyCheckpoint(dir: string): { ok: true; manifest: CheckpointManifest } | { ok: false; reason: string } {
  let manifest: CheckpointManifest;
  const manifestFile = path.join(dir, MANIFEST);
  if (!existsSync(manifestFile)) return { ok: false, reason: "it has no manifest.json" };
  try {
    manifest = readJsonInputSync(manifestFile, "checkpoint manifest") as CheckpointManifest;
  } catch (error) {
    return { ok: false, reason: `its manifest.json is unreadable (${(error as Error).message})` };
  }
  if (manifest.format !== CHECKPOINT_FORMAT || typeof manifest.files !== "object" || manifest.files === null) {
    return { ok: false, reason: "its manifest.json is not a gan checkpoint manifest" };
  }
  if (manifest.version > CHECKPOINT_VERSION) {
    return { ok: false, reason: `it was written by a newer gan (checkpoint format ${manifest.version})` };
  }
  for (const [file, hash] of Object.entries(manifest.files)) {
    const full = path.join(dir, ...file.split("/"));
    // A manifest from elsewhere may name any path: only files of this checkpoint are read.
    if (!isInside(dir, full)) return { ok: false, reason: `its manifest.json names ${JSON.stringify(file)}, outside the checkpoint` };
    if (!existsSync(full)) return { ok: false, reason: `${file} is missing` };
    let bytes: Uint8Array;
    try {
      bytes = readRunFileBytes(full);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    if (sha256(bytes) !== hash) return { ok: false, reason: `${file} does not match its sha256 in the manifest` };
  }
  return { ok: true, manifest };
}

/** Checkpoint directories of a run, newest first. */
export function listCheckpoints(checkpointsDir: string): { step: number; dir: string }[] {
  if (!existsSync(checkpointsDir)) return [];
  return readdirSync(checkpointsDir)
    .map((entry) => ({ match: NAME_PATTERN.exec(entry), dir: path.join(checkpointsDir, entry) }))
    .filter((item): item is { match: RegExpExecArray; dir: string } => item.match !== null && statSync(item.dir).isDirectory())
    .map((item) => ({ step: Number(item.match[1]), dir: item.dir }))
    .sort((a, b) => b.step - a.step);
}

export interface FindCheckpointOptions {
  /** Hears about each newer checkpoint skipped as damaged, and which step is used instead. */
  warn?(message: string): void;
  /**
   * The trainingHash of the run's plan: a checkpoint written for another plan (copied from
   * another run) is refused with a UserError rather than loaded.
   */
  trainingHash?: string;
}

/**
 * The newest checkpoint whose files match their manifest. Undefined when the run has no
 * usable checkpoint.
 */
export function findLatestCheckpoint(checkpointsDir: string, options: FindCheckpointOptions = {}): { dir: string; manifest: CheckpointManifest } | undefined {
  const damaged: string[] = [];
  let found: { dir: string; manifest: CheckpointManifest } | undefined;
  for (const candidate of listCheckpoints(checkpointsDir)) {
    const verified = verifyCheckpoint(candidate.dir);
    if (verified.ok) {
      found = { dir: candidate.dir, manifest: verified.manifest };
      break;
    }
    damaged.push(`checkpoint ${path.basename(candidate.dir)} is damaged (${verified.reason})`);
  }
  const fallback = found ? `falling back to step ${found.manifest.step}` : "no valid checkpoint before it";
  for (const message of damaged) options.warn?.(`${message}; ${fallback}`);
  if (found) checkTrainingHash(found.dir, found.manifest, options.trainingHash);
  return found;
}

/** A checkpoint written for another plan (copied from another run) is refused rather than loaded. */
function checkTrainingHash(dir: string, manifest: CheckpointManifest, expected: string | undefined): void {
  if (expected !== undefined && manifest.trainingHash !== undefined && manifest.trainingHash !== expected) {
    throw new UserError(
      `${dir} was written for another plan than this run's plan.json (its trainingHash differs): ` +
        `a checkpoint copied from another run cannot be loaded into this one`,
    );
  }
}

/**
 * One checkpoint of a run by name: `best` (keep best), a step (`500`) or a directory name
 * (`step-000500`). A UserError names what is wrong: a checkpoint that does not exist (with
 * the ones that do), a damaged one, one written for another plan than `trainingHash`'s.
 */
export function findNamedCheckpoint(checkpointsDir: string, name: string, trainingHash?: string): { dir: string; manifest: CheckpointManifest } {
  const dirName = /^\d+$/.test(name) ? checkpointName(Number(name)) : name;
  const dir = path.join(checkpointsDir, dirName);
  // Only a checkpoint's own name: not a path that leads elsewhere.
  if (!(dirName === BEST_CHECKPOINT || NAME_PATTERN.test(dirName)) || !existsSync(dir)) {
    const existing = [
      ...(existsSync(path.join(checkpointsDir, BEST_CHECKPOINT)) ? [BEST_CHECKPOINT] : []),
      ...listCheckpoints(checkpointsDir)
        .reverse()
        .map((checkpoint) => path.basename(checkpoint.dir)),
    ];
    throw new UserError(
      `${checkpointsDir} has no checkpoint '${name}': ` +
        (existing.length === 0 ? "the run has no checkpoints" : `its checkpoints are ${existing.join(", ")} (a name, or a step such as ${existing.at(-1)!.replace(/^step-0*(?=\d)/, "")})`),
    );
  }
  const verified = verifyCheckpoint(dir);
  if (!verified.ok) throw new UserError(`checkpoint ${dir} cannot be used: ${verified.reason}`);
  checkTrainingHash(dir, verified.manifest, trainingHash);
  return { dir, manifest: verified.manifest };
}

/** Deletes all but the newest `keep` checkpoints (0: keeps them all). */
export function pruneCheckpoints(checkpointsDir: string, keep: number): void {
  if (keep === 0) return;
  for (const old of listCheckpoints(checkpointsDir).slice(keep)) rmSync(old.dir, { recursive: true, force: true });
}

function slice(bytes: Uint8Array, start: number, length: number): Uint8Array {
  return bytes.subarray(start, start + length);
}

function namedList(map: tf.NamedTensorMap, specs: tf.io.WeightsManifestEntry[]): NamedTensor[] {
  // Optimizer slots are positional: keep the order in which they were saved.
  return specs.map((spec) => ({ name: spec.name, tensor: map[spec.name]! }));
}

/**
 * Restores a trainer (built from the same plan) from a verified checkpoint directory: its
 * networks and tricks as a sampler restores them, then what only training needs (the
 * optimizers' slots, the loop's random streams and the data source's place).
 */
export async function restoreCheckpoint(dir: string, trainer: Trainer): Promise<void> {
  const loopState = readJsonInputSync(path.join(dir, "state.json"), "checkpoint file") as LoopState;
  await restoreNetworksAndTricks(dir, loopState.step, trainer);

  const optimizers = readJsonInputSync(path.join(dir, "optimizers.json"), "checkpoint file") as OptimizersJson;
  const optimizerBytes = readRunFileBytes(path.join(dir, "optimizers.bin"));
  const generatorBytes = slice(optimizerBytes, 0, optimizers.generatorBytes);
  const discriminatorBytes = optimizerBytes.subarray(optimizers.generatorBytes);
  const optimizersBin = path.join(dir, "optimizers.bin");
  const generatorSlots = decodeTensors(generatorBytes, optimizers.generator.specs, optimizersBin);
  const discriminatorSlots = decodeTensors(discriminatorBytes, optimizers.discriminator.specs, optimizersBin);
  try {
    await trainer.generatorOptimizer.restoreState({
      json: optimizers.generator.state,
      tensors: namedList(generatorSlots, optimizers.generator.specs),
    });
    await trainer.discriminatorOptimizer.restoreState({
      json: optimizers.discriminator.state,
      tensors: namedList(discriminatorSlots, optimizers.discriminator.specs),
    });
  } finally {
    for (const tensor of [...Object.values(generatorSlots), ...Object.values(discriminatorSlots)]) tensor.dispose();
  }

  trainer.restoreLoopState(loopState);
}

/**
 * Gives `networks` (built from the checkpoint's plan: a trainer's, or a sampler's from
 * buildRunNetworks) the checkpoint's weights and its tricks' states, the bus standing at the
 * checkpoint's `step`. The one definition of what a checkpoint's models are, for a resumed
 * trainer and for `gan sample` / `gan eval` of a checkpoint: a trick's state can decide which
 * generator samples are drawn from (@gan/ema's average, kept in tricks.bin, not in generator/).
 *
 * The step is set before the states are restored, so that a trick restoring its state sees
 * the checkpoint's step (its window, its schedules), as it will when the next step runs.
 */
export async function restoreNetworksAndTricks(dir: string, step: number, networks: RunNetworks): Promise<void> {
  await loadWeightsInto(networks.generator, path.join(dir, "generator"));
  await loadWeightsInto(networks.discriminator, path.join(dir, "discriminator"));
  networks.bus.setStep(step);
  withTrickStates(dir, (states) => networks.bus.restoreStates(states));
}

/**
 * Reads a checkpoint's tricks.json and tricks.bin and hands the tricks' states to `restore`
 * (which copies what it keeps); their tensors are freed afterwards.
 */
function withTrickStates(dir: string, restore: (states: TrickCheckpoint[]) => void): void {
  const tricks = readJsonInputSync(path.join(dir, "tricks.json"), "checkpoint file") as TricksJson;
  const trickBytes = readRunFileBytes(path.join(dir, "tricks.bin"));
  const toDispose: tf.Tensor[] = [];
  try {
    const states: TrickCheckpoint[] = tricks.tricks.map((entry) => {
      const saved: TrickCheckpoint = { index: entry.index, package: entry.package, rng: entry.rng };
      let tensors: Record<string, tf.Tensor> | undefined;
      if (entry.tensors && entry.offset !== undefined && entry.bytes !== undefined) {
        tensors = decodeTensors(slice(trickBytes, entry.offset, entry.bytes), entry.tensors.specs, path.join(dir, "tricks.bin"));
        toDispose.push(...Object.values(tensors));
      }
      if (entry.json !== undefined || tensors) {
        saved.state = {};
        if (entry.json !== undefined) saved.state.json = entry.json;
        if (tensors) saved.state.tensors = tensors;
      }
      return saved;
    });
    restore(states);
  } finally {
    for (const tensor of toDispose) tensor.dispose();
  }
}

/** Reads a checkpoint's step without verifying it (for messages). */
export function checkpointStep(dir: string): number {
  const match = NAME_PATTERN.exec(path.basename(dir));
  if (!match) throw new UserError(`${dir} is not a checkpoint directory (expected a name like step-000500)`);
  return Number(match[1]);
}
