/**
 * Builds the generator and the discriminator of a plan as tfjs-layers sequential models.
 *
 * Layer names are fixed by position ("g0_dense", "d3_conv"): checkpoints store weights by
 * name, and the same plan must give the same names in every process. Every initialiser gets
 * a seed derived from the run's seed, the network and the layer's position, so the same seed
 * gives the same weights on every backend (tfjs draws seeded initial values in JavaScript).
 */
import { tf, tfl } from "../tfjs.js";
import type { Activation, Layer, Network, NetworkName, TrickLayer } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";
import type { Trick } from "../trick/define-trick.js";
import { SeededDropout } from "./seeded-dropout.js";

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

function activationLayers(activation: Activation | undefined, name: string): tfl.layers.Layer[] {
  if (!activation || activation.kind === "linear") return [];
  if (activation.kind === "leakyrelu") return [tfl.layers.leakyReLU({ alpha: activation.alpha, name: `${name}_leakyrelu` })];
  return [tfl.layers.activation({ activation: activation.kind, name: `${name}_${activation.kind}` })];
}

/** What a dense or conv layer cannot apply itself: leaky ReLU, as a layer of its own. */
function unfusedActivation(activation: Activation | undefined, name: string): tfl.layers.Layer[] {
  return activation?.kind === "leakyrelu" ? activationLayers(activation, name) : [];
}

/** The activation a dense or conv layer can apply itself; leaky ReLU needs its own layer. */
function fusedActivation(activation: Activation | undefined): "relu" | "tanh" | "sigmoid" | "linear" {
  if (!activation || activation.kind === "leakyrelu") return "linear";
  return activation.kind;
}

function trickLayer(
  layer: TrickLayer,
  network: NetworkName,
  index: number,
  name: string,
  inputShape: number[],
  seed: number,
  tricks: readonly Trick[],
): tfl.layers.Layer {
  const trick = tricks.find((candidate) => candidate.name === layer.trick);
  const where = `layer ${index + 1} of the ${network} (trick layer '${layer.name}')`;
  if (!trick) throw new UserError(`${where} comes from trick '${layer.trick}', which this run has not loaded: add 'use "${layer.trick}"' to the spec`);
  const factory = trick.layers?.[layer.name];
  if (!factory) throw new UserError(`${where}: trick '${layer.trick}' provides no layer named '${layer.name}'`);
  try {
    return factory(layer.options, { tf, layers: tfl, network, index, name, inputShape, seed });
  } catch (error) {
    throw new UserError(`${where}: trick '${layer.trick}' failed to build it: ${(error as Error).message}`);
  }
}

function planLayerToTfjs(
  layer: Layer,
  network: NetworkName,
  index: number,
  inputShape: number[],
  options: BuildNetworkOptions,
): tfl.layers.Layer[] {
  const name = `${PREFIX[network]}${index}_${layer.type}`;
  const seed = layerSeed(options.seed, network, index);
  const kernelInitializer = tfl.initializers.glorotUniform({ seed });
  switch (layer.type) {
    case "dense":
      return [
        tfl.layers.dense({ units: layer.units, activation: fusedActivation(layer.activation), kernelInitializer, name }),
        ...unfusedActivation(layer.activation, name),
      ];
    case "conv":
    case "deconv": {
      const args = {
        filters: layer.filters,
        kernelSize: layer.kernel,
        strides: layer.stride,
        padding: layer.padding,
        activation: fusedActivation(layer.activation),
        kernelInitializer,
        name,
      };
      const conv = layer.type === "conv" ? tfl.layers.conv2d(args) : tfl.layers.conv2dTranspose(args);
      return [conv, ...unfusedActivation(layer.activation, name)];
    }
    case "reshape":
      return [tfl.layers.reshape({ targetShape: layer.shape, name })];
    case "flatten":
      return [tfl.layers.flatten({ name })];
    case "batchnorm":
      return [tfl.layers.batchNormalization({ momentum: layer.momentum, epsilon: layer.epsilon, name })];
    case "maxpool":
    case "avgpool": {
      const args = { poolSize: layer.size, strides: layer.stride ?? layer.size, padding: layer.padding, name };
      return [layer.type === "maxpool" ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args)];
    }
    case "dropout": {
      const rng = options.dropoutRng;
      if (!rng) return [tfl.layers.dropout({ rate: layer.rate, name })];
      return [new SeededDropout({ rate: layer.rate, name }, rng)];
    }
    case "activation":
      return activationLayers(layer.activation, name);
    case "trick":
      return [trickLayer(layer, network, index, `${PREFIX[network]}${index}_${sanitize(layer.name)}`, inputShape, seed, options.tricks ?? [])];
  }
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** A sequential tfjs-layers model for one network of the plan. */
export function buildNetwork(network: Network, name: NetworkName, options: BuildNetworkOptions): tfl.Sequential {
  const model = tfl.sequential({ name });
  model.add(tfl.layers.inputLayer({ inputShape: network.inputShape, name: `${PREFIX[name]}_input` }));
  network.layers.forEach((layer, index) => {
    const inputShape = (model.outputs[0]!.shape as (number | null)[]).slice(1) as number[];
    for (const tfjsLayer of planLayerToTfjs(layer, name, index, inputShape, options)) {
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
