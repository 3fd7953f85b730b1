/**
 * What training a plan needs in memory, estimated from its shapes before anything is built:
 * so that `gan check` can refuse a 30000x30000 dense layer or a batch of ten million with the
 * figure, where `gan train` would die of heap exhaustion or with a backend's stack trace.
 *
 * The estimate is a floor, in float32 (4 bytes a value):
 * - every parameter is held as its weight, its gradient and the optimizer's slots (Adam's two
 *   moments; one for momentum SGD and RMSprop, two for RMSprop with momentum);
 * - every tensor a layer produces on a batch is held for the backward pass, with its gradient
 *   (a dense or conv layer makes three: the product, the bias sum and the activation): the
 *   generator's once, the discriminator's twice (a real and a fake batch each step).
 * Tricks' own layers and the backends' workspace come on top.
 */
import { layerKind } from "./layer-kinds/index.js";
import { layerLists } from "./layer-tree.js";
import type { Layer, Network, NetworkName, Optimizer, Plan } from "./schema.js";
import { shapeSize } from "./shapes.js";

const BYTES_PER_VALUE = 4;

/** What one layer takes in a training step. */
export interface LayerMemory {
  network: NetworkName;
  /** Index of the layer in its network. */
  index: number;
  parameters: number;
  /** Its parameters with their gradients and optimizer state, and its activations with theirs. */
  bytes: number;
}

export interface MemoryEstimate {
  /** Trainable parameters of both networks. */
  parameters: number;
  /** Parameters with their gradients and optimizer slots, in bytes. */
  parameterBytes: number;
  /** Activations of one training step with their gradients, in bytes. */
  activationBytes: number;
  totalBytes: number;
  /** The layer that takes the most (undefined for networks without layers). */
  largestLayer?: LayerMemory;
}

/** "1.5 GiB": sizes in messages, in the binary units `--memory-budget` takes. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  if (value >= 1024) return `${bytes.toExponential(2)} bytes`;
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/** Trainable values of a layer, given its input shape (tfjs-layers' counts; batchnorm's moving statistics included). */
export function layerParameters(layer: Layer, input: readonly number[]): number {
  return layerKind(layer.type).parameters?.(layer as never, input) ?? 0;
}

/** Slots an optimizer keeps per parameter. */
export function optimizerSlots(optimizer: Optimizer): number {
  switch (optimizer.kind) {
    case "adam":
      return 2;
    case "sgd":
      return optimizer.momentum > 0 ? 1 : 0;
    case "rmsprop":
      return optimizer.momentum > 0 ? 2 : 1;
  }
}

/** Values a layer keeps per example for the backward pass, given its output shape. */
export function layerActivations(layer: Layer, output: readonly number[]): number {
  const kind = layerKind(layer.type);
  return kind.activations ? kind.activations(layer as never, output) : shapeSize(output);
}

/** A layer's parameters and activation values per example, with those of the layers a block holds. */
function layerCost(layer: Layer, input: readonly number[]): { parameters: number; activations: number } {
  let parameters = layerParameters(layer, input);
  let activations = layerActivations(layer, layer.outputShape ?? input);
  // Each list of a block starts from the block's input.
  for (const list of layerLists(layer)) {
    let shape = input;
    for (const nested of list.layers) {
      const cost = layerCost(nested, shape);
      parameters += cost.parameters;
      activations += cost.activations;
      shape = nested.outputShape ?? shape;
    }
  }
  return { parameters, activations };
}

interface NetworkMemory {
  parameters: number;
  parameterBytes: number;
  activationBytes: number;
  layers: LayerMemory[];
}

/**
 * What a network takes: `bytesPerParameter` with its gradient and optimizer state,
 * `bytesPerActivation` for a value one example leaves for the backward pass, over the batches
 * the network sees in a step.
 */
function networkMemory(name: NetworkName, network: Network, bytesPerParameter: number, bytesPerActivation: number): NetworkMemory {
  let input: readonly number[] = network.inputShape;
  const out: NetworkMemory = { parameters: 0, parameterBytes: 0, activationBytes: shapeSize(input) * bytesPerActivation, layers: [] };
  for (const [index, layer] of network.layers.entries()) {
    const { parameters, activations } = layerCost(layer, input);
    // Shapes are inferred by the time a plan is validated; a layer without one keeps its input's.
    input = layer.outputShape ?? input;
    const parameterBytes = parameters * bytesPerParameter;
    const activationBytes = activations * bytesPerActivation;
    out.parameters += parameters;
    out.parameterBytes += parameterBytes;
    out.activationBytes += activationBytes;
    out.layers.push({ network: name, index, parameters, bytes: parameterBytes + activationBytes });
  }
  return out;
}

/** The memory one training step of `plan` needs at least; its layers must have their shapes inferred. */
export function estimateTrainingMemory(plan: Plan): MemoryEstimate {
  const bytesPerParameter = (optimizer: Optimizer) => BYTES_PER_VALUE * (2 + optimizerSlots(optimizer));
  // A value and its gradient, for each example of a batch: the generator sees one batch a
  // step, the discriminator a real and a fake one.
  const bytesPerActivation = (batches: number) => 2 * BYTES_PER_VALUE * plan.train.batch * batches;
  const networks = [
    networkMemory("generator", plan.networks.generator, bytesPerParameter(plan.optimizers.generator), bytesPerActivation(1)),
    networkMemory("discriminator", plan.networks.discriminator, bytesPerParameter(plan.optimizers.discriminator), bytesPerActivation(2)),
  ];
  const sum = (key: "parameters" | "parameterBytes" | "activationBytes") => networks.reduce((total, network) => total + network[key], 0);
  const largestLayer = networks
    .flatMap((network) => network.layers)
    .reduce<LayerMemory | undefined>((largest, layer) => (largest === undefined || layer.bytes > largest.bytes ? layer : largest), undefined);
  const parameterBytes = sum("parameterBytes");
  const activationBytes = sum("activationBytes");
  return {
    parameters: sum("parameters"),
    parameterBytes,
    activationBytes,
    totalBytes: parameterBytes + activationBytes,
    ...(largestLayer && { largestLayer }),
  };
}

/** A batch size GAN papers train with: when the budget fits it, a larger batch is what does not fit. */
const USUAL_BATCH = 256;

/** What makes a plan too large for a memory budget, with the figures in words. */
export interface MemoryOverBudget {
  estimate: MemoryEstimate;
  /** "training needs at least 13.5 GiB, more than the memory budget of 4 GiB (900,360,067 parameters: ...)". */
  summary: string;
  /** The batch when a usual one (256) would fit; otherwise the layer that takes the most. */
  blame: { kind: "batch" } | { kind: "layer"; layer: LayerMemory };
}

/** Undefined when training `plan` fits in `budget` bytes; else what is too large. */
export function overMemoryBudget(plan: Plan, budget: number): MemoryOverBudget | undefined {
  const estimate = estimateTrainingMemory(plan);
  if (estimate.totalBytes <= budget) return undefined;
  const summary =
    `training needs at least ${formatBytes(estimate.totalBytes)}, more than the memory budget of ${formatBytes(budget)} ` +
    `(${estimate.parameters.toLocaleString("en-US")} parameters: ${formatBytes(estimate.parameterBytes)} with their gradients and optimizer state; ` +
    `activations of a batch of ${plan.train.batch.toLocaleString("en-US")}: ${formatBytes(estimate.activationBytes)})`;
  const withUsualBatch = estimateTrainingMemory({ ...plan, train: { ...plan.train, batch: Math.min(plan.train.batch, USUAL_BATCH) } });
  const layer = estimate.largestLayer;
  const blame = layer !== undefined && withUsualBatch.totalBytes > budget ? ({ kind: "layer", layer } as const) : ({ kind: "batch" } as const);
  return { estimate, summary, blame };
}

/** What to change, after `overMemoryBudget`'s summary; `layerName` says which layer ("this layer"). */
export function memoryAdvice(over: MemoryOverBudget, layerName: string): string {
  const raise = "or raise the budget with --memory-budget or GAN_MEMORY_BUDGET";
  if (over.blame.kind === "batch") return `use a smaller batch, ${raise}`;
  const { bytes, parameters } = over.blame.layer;
  return `${layerName} alone takes ${formatBytes(bytes)} (${parameters.toLocaleString("en-US")} parameters): make it smaller, ${raise}`;
}
