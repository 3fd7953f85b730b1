/**
 * Helpers for tricks that work on a run's models between updates: copying a network (EMA
 * keeps a second generator to sample from), reading and writing its weights by name.
 *
 * They use @gan/core's own tfjs-layers, so a trick never imports a copy of its own, whose
 * classes would not be the run's.
 */
import { tf, tfl } from "../tfjs.js";

/**
 * A new model with the architecture and the current weights of `model` (weights copied, not
 * shared). Its layers are rebuilt from their configs, so a trick layer must be registered
 * with `tf.serialization.registerClass` to be copied (it must be for a saved model to load,
 * too). Dispose the copy with `model.dispose()` when done.
 */
export function cloneModel(model: tfl.LayersModel): tfl.LayersModel {
  let copy: tfl.LayersModel;
  try {
    const config = model.getConfig() as unknown as tf.serialization.ConfigDict;
    const cls = model.constructor as tf.serialization.SerializableConstructor<tfl.LayersModel>;
    // A graph (a network with blocks) is rebuilt by LayersModel's own fromConfig.
    const fromConfig = model instanceof tfl.Sequential ? tfl.Sequential.fromConfig : tfl.LayersModel.fromConfig;
    copy = fromConfig(cls, config) as tfl.LayersModel;
  } catch (error) {
    throw new Error(`cannot copy the ${model.name} model: ${(error as Error).message}`);
  }
  copyWeights(model, copy);
  return copy;
}

/** Sets the weights of `to` to (copies of) those of `from`, which must have the same architecture. */
export function copyWeights(from: tfl.LayersModel, to: tfl.LayersModel): void {
  const weights = from.getWeights();
  if (weights.length !== to.weights.length) {
    throw new Error(`cannot copy the weights of ${from.name} (${weights.length} tensors) into ${to.name} (${to.weights.length})`);
  }
  to.setWeights(weights);
}
