/**
 * Builds the generator and the discriminator of a plan as tfjs-layers models: sequential
 * for a list of layers, a graph (the functional API) for a network with blocks.
 *
 * Layer names are fixed by position ("g0_dense", "d3_conv"; "g2_0_conv", "g2_s0_conv" inside
 * the residual block g2, "g3_b1_0_conv" in the second branch of g3): checkpoints store weights by
 * name, and the same plan must give the same names in every process. Every initialiser gets
 * a seed derived from the run's seed, the network and the layer's position, so the same seed
 * gives the same weights on every backend (tfjs draws seeded initial values in JavaScript).
 */
import { tf, tfl } from "../tfjs.js";
import { blockOf, type BlockLayerType, type FlatLayer, type Layer, type Network, type NetworkName } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";
import type { Trick } from "../trick/define-trick.js";
import { buildLayer, MERGE_BUILDERS, type LayerBuildContext } from "./layer-builders.js";
import { takesClasses } from "./layers/class-affine.js";

export interface BuildNetworkOptions {
  /** The run's seed. */
  seed: number;
  /** Trick modules that may provide `trick` layers (the run's tricks). */
  tricks?: readonly Trick[];
  /** The stream dropout masks are drawn from (a function: the loop may swap streams on restore). */
  dropoutRng?: () => Rng;
}

export const PREFIX: Record<NetworkName, string> = { generator: "g", discriminator: "d" };

/**
 * A 32-bit seed for one layer, mixed from the run's seed and the layer's place: its index in
 * the network, or for a layer inside a block its place below it ("2_0", "2_s0", "3_b1_0").
 */
export function layerSeed(seed: number, network: NetworkName, place: number | string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0) ^ Math.floor(seed / 4294967296);
  for (const char of `${network}:${place}`) {
    h ^= char.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) % 2147483647;
}

/** What builds one network: its name, the run's options, and for a conditional network its classes. */
export interface NetworkBuild {
  network: NetworkName;
  options: BuildNetworkOptions;
  /** The class input and the number of classes, for the layers that take the class (conditional.ts). */
  classes?: { input: tfl.SymbolicTensor; count: number };
}

/**
 * The context of the layer at `place` (`2`, `2_s0`: its position, and inside a block the
 * list's tag and position), named `g2_dense`, `g2_s0_conv`, seeded from its place.
 */
export function layerContext(build: NetworkBuild, place: string, type: string, index: number, inputShape: number[]): LayerBuildContext {
  const prefixed = `${PREFIX[build.network]}${place}`;
  return {
    name: `${prefixed}_${type}`,
    place: prefixed,
    network: build.network,
    index,
    // A top-level layer's place is its index: its seed is the one it had before blocks existed.
    seed: layerSeed(build.options.seed, build.network, place),
    inputShape,
    tricks: build.options.tricks ?? [],
    dropoutRng: build.options.dropoutRng,
    classes: build.classes?.count,
  };
}

function cannotTake(build: NetworkBuild, index: number, layer: Layer, inputShape: number[], error: unknown): UserError {
  return new UserError(`layer ${index + 1} of the ${build.network} (${layer.type}) cannot take input of shape [${inputShape.join(", ")}]: ${(error as Error).message}`);
}

/**
 * The tfjs layers of a network. A network without blocks is a sequential model, as it always
 * was (the names, seeds and weights of its layers are those of older checkpoints); one with
 * blocks is a graph built with the functional API.
 */
export function buildNetwork(network: Network, name: NetworkName, options: BuildNetworkOptions): tfl.LayersModel {
  const build: NetworkBuild = { network: name, options };
  if (network.layers.some((layer) => blockOf(layer.type) !== undefined)) return buildGraph(network, build);
  const model = tfl.sequential({ name });
  model.add(tfl.layers.inputLayer({ inputShape: network.inputShape, name: `${PREFIX[name]}_input` }));
  network.layers.forEach((layer, index) => {
    const inputShape = (model.outputs[0]!.shape as (number | null)[]).slice(1) as number[];
    const context = layerContext(build, String(index), layer.type, index, inputShape);
    for (const tfjsLayer of buildLayer(layer as FlatLayer, context)) {
      try {
        model.add(tfjsLayer);
      } catch (error) {
        throw cannotTake(build, index, layer, inputShape, error);
      }
    }
  });
  return model;
}

function buildGraph(network: Network, build: NetworkBuild): tfl.LayersModel {
  const input = tfl.input({ shape: network.inputShape, name: `${PREFIX[build.network]}_input` });
  const output = applyLayers(input, network.layers, "", undefined, build);
  return tfl.model({ inputs: input, outputs: output, name: build.network });
}

/**
 * Applies a list of layers to `x`: those of the network (`placePrefix` ""), or of a block's
 * list (`placePrefix` "2_s": the block's place and the list's tag). `top` is the index of the
 * network's layer that holds the list, for messages.
 */
export function applyLayers(x: tfl.SymbolicTensor, layers: readonly Layer[], placePrefix: string, top: number | undefined, build: NetworkBuild): tfl.SymbolicTensor {
  layers.forEach((layer, position) => {
    const place = `${placePrefix}${position}`;
    const index = top ?? position;
    const inputShape = x.shape.slice(1) as number[];
    const context = layerContext(build, place, layer.type, index, inputShape);
    try {
      const block = blockOf(layer.type);
      if (block !== undefined) {
        const outputs = block.lists(layer as never).map((list) => applyLayers(x, list.layers, `${place}_${list.tag}`, index, build));
        const merge = MERGE_BUILDERS[layer.type as BlockLayerType] as (layer: Layer, context: LayerBuildContext) => tfl.layers.Layer;
        x = merge(layer, context).apply(outputs) as tfl.SymbolicTensor;
        return;
      }
      for (const tfjsLayer of buildLayer(layer as FlatLayer, context)) {
        // The layer builder refused a class-conditional layer without classes already.
        x = (takesClasses(tfjsLayer) ? tfjsLayer.apply([x, build.classes!.input]) : tfjsLayer.apply(x)) as tfl.SymbolicTensor;
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw cannotTake(build, index, layer, inputShape, error);
    }
  });
  return x;
}

/** The model's trainable variables, in a stable order (the order optimizers see them in). */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}
