/**
 * Builds the generator and the discriminator of a plan as tfjs-layers sequential models.
 *
 * Layer names are fixed by position ("g0_dense", "d3_conv"): checkpoints store weights by
 * name, and the same plan must give the same names in every process. Every initialiser gets
 * a seed derived from the run's seed, the network and the layer's position, so the same seed
 * gives the same weights on every backend (tfjs draws seeded initial values in JavaScript).
 */
import { tf, tfl } from "../tfjs.js";
import type { Network, NetworkName } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";
import type { Trick } from "../trick/define-trick.js";
import { buildLayer, type LayerBuildContext } from "./layer-builders.js";

export interface BuildNetworkOptions {
  /** The run's seed. */
  seed: number;
  /** Trick modules that may provide `trick` layers (the run's tricks). */
  tricks?: readonly Trick[];
  /** The stream dropout masks are drawn from (a function: the loop may swap streams on restore). */
  dropoutRng?: () => Rng;
}

const PREFIX: Record<NetworkName, string> = { generator: "g", discriminator: "d" };

/** A 32-bit seed for one layer, mixed from the run's seed and the layer's place. */
export function layerSeed(seed: number, network: NetworkName, index: number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0) ^ Math.floor(seed / 4294967296);
  for (const char of `${network}:${index}`) {
    h ^= char.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % 2147483647;
}

/** A sequential tfjs-layers model for one network of the plan. */
export function buildNetwork(network: Network, name: NetworkName, options: BuildNetworkOptions): tfl.Sequential {
  const model = tfl.sequential({ name });
  model.add(tfl.layers.inputLayer({ inputShape: network.inputShape, name: `${PREFIX[name]}_input` }));
  network.layers.forEach((layer, index) => {
    const inputShape = (model.outputs[0]!.shape as (number | null)[]).slice(1) as number[];
    const place = `${PREFIX[name]}${index}`;
    const context: LayerBuildContext = {
      name: `${place}_${layer.type}`,
      place,
      network: name,
      index,
      seed: layerSeed(options.seed, name, index),
      inputShape,
      tricks: options.tricks ?? [],
      dropoutRng: options.dropoutRng,
    };
    for (const tfjsLayer of buildLayer(layer, context)) {
      try {
        model.add(tfjsLayer);
      } catch (error) {
        throw new UserError(`layer ${index + 1} of the ${name} (${layer.type}) cannot take input of shape [${inputShape.join(", ")}]: ${(error as Error).message}`);
      }
    }
  });
  return model;
}

/** The model's trainable variables, in a stable order (the order optimizers see them in). */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}
