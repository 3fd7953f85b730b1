/**
 * `initFrom`: a new run that starts from the networks of another run's checkpoint, weights
 * only. The optimizers' moments, the tricks' state, the step count, the schedules and the
 * random streams all start afresh, as in any new run: what carries over is what G and D have
 * learned. This is what lets a run continue with a changed plan (a trick added, a learning
 * rate changed) where `resume` refuses any change that the checkpoint's state depends on.
 *
 * The networks must have the same weights, by name and shape: a trick that changes a
 * network's layers or input (@gan/pack's packed input, @gan/minibatch-stddev's extra feature)
 * cannot start from weights trained without it, and is refused before anything is written.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { tf, tfl } from "../tfjs.js";
import { UserError } from "../errors.js";
import type { Trainer } from "../loop/trainer.js";
import { readJsonInputSync } from "../input-file.js";
import { findLatestCheckpoint, verifyCheckpoint, type CheckpointManifest } from "./checkpoint.js";
import { MODEL_JSON, loadWeightsInto } from "./model-io.js";
import { RUN_FILES } from "./run-dir.js";

export interface InitCheckpoint {
  dir: string;
  manifest: CheckpointManifest;
}

/**
 * The checkpoint `from` names: a checkpoint directory (checkpoints/step-NNNNNN), or a run
 * directory, meaning its newest valid checkpoint.
 */
export function findInitCheckpoint(from: string, warn?: (message: string) => void): InitCheckpoint {
  const dir = path.resolve(from);
  if (!existsSync(dir)) throw new UserError(`--init-from ${from}: no such run or checkpoint directory`);
  if (existsSync(path.join(dir, "manifest.json"))) {
    const verified = verifyCheckpoint(dir);
    if (!verified.ok) throw new UserError(`--init-from ${from}: the checkpoint cannot be used: ${verified.reason}`);
    return { dir, manifest: verified.manifest };
  }
  const found = findLatestCheckpoint(path.join(dir, RUN_FILES.checkpoints), warn ? { warn } : {});
  if (!found) throw new UserError(`--init-from ${from}: neither a checkpoint (no manifest.json) nor a run directory with a valid checkpoint`);
  return found;
}

/** The first weight of `model` that the saved specs do not have with the same shape, in words; undefined when all fit. */
function weightMismatch(model: tfl.LayersModel, specs: readonly tf.io.WeightsManifestEntry[]): string | undefined {
  const saved = new Map(specs.map((spec) => [spec.name, spec.shape]));
  const wanted = model.weights.map((weight) => ({ name: weight.originalName, shape: weight.shape }));
  for (const { name, shape } of wanted) {
    const savedShape = saved.get(name);
    if (savedShape === undefined) return `it has no ${name}, which this plan's has (shape [${shape.join(", ")}])`;
    if (savedShape.join(",") !== shape.join(",")) return `its ${name} has shape [${savedShape.join(", ")}] where this plan's has [${shape.join(", ")}]`;
  }
  if (specs.length !== wanted.length) return `it has ${specs.length} weights where this plan's network has ${wanted.length}`;
  return undefined;
}

/** The networks a run may start from a checkpoint: both (the default), or G alone when D changes shape. */
export type InitNetworks = "both" | "generator";

/**
 * Loads G's and D's weights (or G's alone) from `checkpoint` into the trainer, after checking
 * that every weight is there with the shape this plan's networks have. With "generator", D
 * starts from its initialisation, as in a new run: what a trick that reshapes D (@gan/pack,
 * @gan/minibatch-stddev) needs to start from a trained generator.
 */
export async function loadInitWeights(checkpoint: InitCheckpoint, trainer: Trainer, networks: InitNetworks = "both"): Promise<void> {
  const models = [["generator", trainer.generator], ["discriminator", trainer.discriminator]] as const;
  for (const [network, model] of networks === "both" ? models : models.slice(0, 1)) {
    const modelDir = path.join(checkpoint.dir, network);
    const modelJson = readJsonInputSync(path.join(modelDir, MODEL_JSON), "model.json") as tf.io.ModelJSON;
    const specs = (modelJson.weightsManifest ?? []).flatMap((group) => group.weights);
    const mismatch = weightMismatch(model, specs);
    if (mismatch !== undefined) {
      throw new UserError(
        `--init-from ${checkpoint.dir}: the checkpoint's ${network} does not fit this plan's: ${mismatch} ` +
          `(a trick or a change that reshapes a network, such as @gan/pack or @gan/minibatch-stddev, cannot start from weights trained without it` +
          `${network === "discriminator" ? "; --init-networks generator starts G from the checkpoint and D afresh" : ""})`,
      );
    }
    await loadWeightsInto(model, modelDir);
  }
}
