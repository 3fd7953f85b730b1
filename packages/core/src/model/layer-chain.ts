/**
 * A sequential model of dense layers applied layer by layer, without tfjs-layers' graph
 * executor in between.
 *
 * `model.apply(x)` on a tfjs-layers Sequential goes through the model's own Layer.apply, its
 * Container.call and `execute`, which looks up a cached topological sort by a key it builds
 * from the tensors' names, fills a FeedDict and walks the graph, before calling each layer's
 * `apply` on `[x]` with the same kwargs. For a chain of dense layers that bookkeeping is
 * all that differs from calling those `apply`s in turn inside a tidy, as Container.call
 * does: the same layers get the same inputs and kwargs, so the same kernels run and the
 * numbers are the same bit for bit. It also leaves V8 one large function fewer to compile
 * during a run's first steps (`execute` was optimised twice in the ring's warm-up).
 *
 * Only layers that pass nothing but their output to the next one are chained: dense layers
 * and leaky ReLU (masks, multiple inputs, classes, state kept between calls all keep
 * tfjs-layers' executor). Anything else, or a functional model, keeps `model.apply`.
 */
import { tf, tfl } from "../tfjs.js";

/** tfjs-layers' class names of the layers a chain may hold. */
const CHAINABLE = new Set(["Dense", "LeakyReLU"]);

/** Each model's chain, or null for a model that is not one; built on the first apply. */
const chains = new WeakMap<tfl.LayersModel, tfl.layers.Layer[] | null>();

function chainOf(model: tfl.LayersModel): tfl.layers.Layer[] | null {
  let chain = chains.get(model);
  if (chain === undefined) {
    // The layers after the input layer, in order (Sequential's `layers` lists the input layer first).
    const layers = model instanceof tfl.Sequential ? model.layers.filter((layer) => layer.getClassName() !== "InputLayer") : [];
    chain = layers.length > 0 && layers.every((layer) => CHAINABLE.has(layer.getClassName())) ? layers : null;
    chains.set(model, chain);
  }
  return chain;
}

let chainsOn = true;

/** Turns the chains on or off (off: every model through `model.apply`); returns the setting before. For benchmarks. */
export function setLayerChains(on: boolean): boolean {
  const before = chainsOn;
  chainsOn = on;
  return before;
}

/** `model.apply(input, kwargs)`, layer by layer for a chain of dense layers (above). */
export function applyModel(model: tfl.LayersModel, input: tf.Tensor | tf.Tensor[], kwargs: { training: boolean }): tf.Tensor | tf.Tensor[] {
  const chain = !chainsOn || Array.isArray(input) ? null : chainOf(model);
  if (chain === null) return model.apply(input, kwargs) as tf.Tensor | tf.Tensor[];
  return tf.tidy(() => {
    let x = input as tf.Tensor;
    // As tfjs-layers' executor calls each layer: on a list of one input, the first output kept.
    for (const layer of chain) x = firstOf(layer.apply([x], kwargs) as tf.Tensor | tf.Tensor[]);
    return x;
  });
}

const firstOf = (output: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(output) ? output[0]! : output);
