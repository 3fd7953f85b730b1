/**
 * The runtime half of each layer kind: how a plan layer becomes tfjs-layers layers. The
 * pure half (schema, syntax, shape) is the kind's definition in @gan/plan's layer-kinds/;
 * `satisfies` below makes a kind without a builder a type error. A kind whose layer needs a
 * class of its own keeps the class in a file beside this one (seeded-dropout.ts) or in layers/.
 *
 * A builder names its layers from `context.name` (`g0_dense`: checkpoints store weights by
 * name) and seeds its initialisers with `context.seed`, so the same plan gives the same
 * names and initial weights in every process and on every backend.
 */
import type { Activation, BlockLayerType, FlatLayer, FlatLayerType, LayerOf, NetworkName } from "@gan/plan";
import { tf, tfl } from "../tfjs.js";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";
import type { Trick } from "../trick/define-trick.js";
import { SelfAttention } from "./layers/attention.js";
import { ClassAffine } from "./layers/class-affine.js";
import { denseWithTapeKernel } from "./layers/dense-kernel.js";
import { embeddingLayer } from "./layers/embedding.js";
import { Normalization } from "./layers/normalization.js";
import { PixelShuffle } from "./layers/pixel-shuffle.js";
import { upsampleLayer } from "./layers/upsample.js";
import { SeededDropout } from "./seeded-dropout.js";

export interface LayerBuildContext {
  /** `g0_dense`: the layer's place and type, the name of its (first) tfjs layer. */
  name: string;
  /** `g0`: the layer's place, for layers named otherwise (a trick's layer). */
  place: string;
  network: NetworkName;
  /** The layer's position in its network (of the block that holds it), for messages. */
  index: number;
  /** The seed of its initialisers, from the run's seed and the layer's place (`layerSeed`). */
  seed: number;
  /** Its input shape, without the batch dimension. */
  inputShape: number[];
  /** Trick modules that may provide `trick` layers (the run's tricks). */
  tricks: readonly Trick[];
  /** The stream dropout masks are drawn from (a function: the loop may swap streams on restore). */
  dropoutRng: (() => Rng) | undefined;
  /** The number of classes of a conditional network (`condition classes`); undefined otherwise. */
  classes?: number | undefined;
}

export type LayerBuilder<T extends FlatLayerType> = (layer: LayerOf<T>, context: LayerBuildContext) => tfl.layers.Layer[];

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

function convArgs(layer: LayerOf<"conv" | "deconv">, { name, seed }: LayerBuildContext) {
  return {
    filters: layer.filters,
    kernelSize: layer.kernel,
    strides: layer.stride,
    padding: layer.padding,
    activation: fusedActivation(layer.activation),
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    name,
  };
}

function poolArgs(layer: LayerOf<"maxpool" | "avgpool">, { name }: LayerBuildContext) {
  // As in Keras, a pool without a stride moves by its own size.
  return { poolSize: layer.size, strides: layer.stride ?? layer.size, padding: layer.padding, name };
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

function trickLayer(layer: LayerOf<"trick">, context: LayerBuildContext): tfl.layers.Layer {
  const { network, index, tricks } = context;
  const trick = tricks.find((candidate) => candidate.name === layer.trick);
  const where = `layer ${index + 1} of the ${network} (trick layer '${layer.name}')`;
  if (!trick) throw new UserError(`${where} comes from trick '${layer.trick}', which this run has not loaded: add 'use "${layer.trick}"' to the spec`);
  const factory = trick.layers?.[layer.name];
  if (!factory) throw new UserError(`${where}: trick '${layer.trick}' provides no layer named '${layer.name}'`);
  try {
    return factory(layer.options, { tf, layers: tfl, network, index, name: `${context.place}_${sanitize(layer.name)}`, inputShape: context.inputShape, seed: context.seed });
  } catch (error) {
    throw new UserError(`${where}: trick '${layer.trick}' failed to build it: ${(error as Error).message}`);
  }
}

export const LAYER_BUILDERS = {
  dense: (layer, { name, seed }) => [
    denseWithTapeKernel(tfl.layers.dense({ units: layer.units, activation: fusedActivation(layer.activation), kernelInitializer: tfl.initializers.glorotUniform({ seed }), name })),
    ...unfusedActivation(layer.activation, name),
  ],
  conv: (layer, context) => [tfl.layers.conv2d(convArgs(layer, context)), ...unfusedActivation(layer.activation, context.name)],
  deconv: (layer, context) => [tfl.layers.conv2dTranspose(convArgs(layer, context)), ...unfusedActivation(layer.activation, context.name)],
  reshape: (layer, { name }) => [tfl.layers.reshape({ targetShape: layer.shape, name })],
  flatten: (_layer, { name }) => [tfl.layers.flatten({ name })],
  batchnorm: (layer, { name, classes, network, index }) => {
    if (layer.affine !== "class") return [tfl.layers.batchNormalization({ momentum: layer.momentum, epsilon: layer.epsilon, name })];
    if (classes === undefined) throw new UserError(`layer ${index + 1} of the ${network} (batchnorm affine class) needs the class: add 'condition classes' to the spec`);
    // Conditional batch norm: the batch's statistics as batch norm keeps them, then gamma and beta
    // by class. Its own gamma and beta stay 1 and 0 (a frozen layer: its moving averages still
    // follow the batches); `center: false, scale: false` would be the plain way, but tfjs-layers
    // 4.22 reads the missing gamma in training mode.
    return [
      tfl.layers.batchNormalization({ momentum: layer.momentum, epsilon: layer.epsilon, trainable: false, name }),
      new ClassAffine({ name: `${name}_class_affine`, classes }),
    ];
  },
  maxpool: (layer, context) => [tfl.layers.maxPooling2d(poolArgs(layer, context))],
  avgpool: (layer, context) => [tfl.layers.averagePooling2d(poolArgs(layer, context))],
  globalavgpool: (_layer, { name }) => [tfl.layers.globalAveragePooling2d({ name })],
  upsample: (layer, { name }) => [upsampleLayer({ name, factor: layer.factor, interpolation: layer.mode })],
  pixelshuffle: (layer, { name }) => [new PixelShuffle({ name, factor: layer.factor })],
  instancenorm: (layer, { name }) => [new Normalization({ name, kind: "instancenorm", epsilon: layer.epsilon })],
  layernorm: (layer, { name }) => [new Normalization({ name, kind: "layernorm", epsilon: layer.epsilon })],
  attention: (_layer, { name, seed }) => [new SelfAttention({ name, seed })],
  embedding: (layer, { name, seed }) => [embeddingLayer({ name, classes: layer.classes, dim: layer.dim, seed })],
  dropout: (layer, { name, dropoutRng }) => [dropoutRng ? new SeededDropout({ rate: layer.rate, name }, dropoutRng) : tfl.layers.dropout({ rate: layer.rate, name })],
  activation: (layer, { name }) => activationLayers(layer.activation, name),
  trick: (layer, context) => [trickLayer(layer, context)],
} satisfies { [K in FlatLayerType]: LayerBuilder<K> };

/** The tfjs layers of one flat plan layer, by its kind's builder. */
export function buildLayer(layer: FlatLayer, context: LayerBuildContext): tfl.layers.Layer[] {
  return (LAYER_BUILDERS[layer.type] as LayerBuilder<FlatLayerType>)(layer as never, context);
}

/**
 * The layer that merges the outputs of a block's lists (in the order of the block kind's
 * `lists`), named `context.name` (`g2_residual`): a residual block adds its layers' output
 * to its shortcut's (or its input), `add` sums its branches, `concat` joins them along the
 * channels.
 */
export const MERGE_BUILDERS = {
  residual: (_layer, { name }) => tfl.layers.add({ name }),
  add: (_layer, { name }) => tfl.layers.add({ name }),
  concat: (_layer, { name }) => tfl.layers.concatenate({ name, axis: -1 }),
} satisfies { [K in BlockLayerType]: (layer: LayerOf<K>, context: LayerBuildContext) => tfl.layers.Layer };
