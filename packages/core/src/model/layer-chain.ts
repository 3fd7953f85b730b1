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
 *
 * A linear dense layer followed by a leaky ReLU layer (how the layer builders make `dense N
 * leakyrelu`) runs as one GanDense call with the activation inside (dense-kernel.ts's
 * `withLeakyRelu`): one kernel and one SIMD pass instead of the product, wasm's LeakyRelu and,
 * in the gradient, Greater, Multiply and Select; the same numbers bit for bit.
 */
import { tf, tfl } from "../tfjs.js";
import { withLeakyRelu } from "./layers/dense-kernel.js";

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
let leakyReluFused = true;

/** Turns the chains on or off (off: every model through `model.apply`); returns the setting before. For benchmarks. */
export function setLayerChains(on: boolean): boolean {
  const before = chainsOn;
  chainsOn = on;
  return before;
}

/** Turns the fusion of a dense layer and its leaky ReLU on or off (off: the two layers one after the other); returns the setting before. For benchmarks. */
export function setLeakyReluFusion(on: boolean): boolean {
  const before = leakyReluFused;
  leakyReluFused = on;
  return before;
}

/** `model.apply(input, kwargs)`, layer by layer for a chain of dense layers (above). */
export function applyModel(model: tfl.LayersModel, input: tf.Tensor | tf.Tensor[], kwargs: { training: boolean }): tf.Tensor | tf.Tensor[] {
  const chain = !chainsOn || Array.isArray(input) ? null : chainOf(model);
  if (chain === null) return model.apply(input, kwargs) as tf.Tensor | tf.Tensor[];
  return tf.tidy(() => {
    let x = input as tf.Tensor;
    for (let i = 0; i < chain.length; i++) {
      const layer = chain[i]!;
      const next = chain[i + 1];
      const fused = leakyReluFused && next?.getClassName() === "LeakyReLU" ? withLeakyRelu(layer, x, (next as unknown as { alpha: number }).alpha, kwargs) : undefined;
      if (fused !== undefined) {
        x = fused;
        i++;
        continue;
      }
      // As tfjs-layers' executor calls each layer: on a list of one input, the first output kept.
      x = firstOf(layer.apply([x], kwargs) as tf.Tensor | tf.Tensor[]);
    }
    return x;
  });
}

const firstOf = (output: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(output) ? output[0]! : output);
