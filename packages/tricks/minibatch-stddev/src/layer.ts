/**
 * The tfjs-layers layer behind `@gan/minibatch-stddev`. Its class is made from the run's own
 * tfjs-layers (the context hands it over), once per tfjs-layers instance, and registered for
 * serialisation so that models holding it can be saved and copied.
 */
import type { Tensor, TrickLayerContext } from "@gan/core";

type Layers = TrickLayerContext["layers"];
type Tf = TrickLayerContext["tf"];
type LayerInstance = InstanceType<Layers["layers"]["Layer"]>;

/** Below float32 resolution of any real spread; keeps sqrt differentiable at 0, as ProGAN does. */
const EPSILON = 1e-8;

/**
 * The statistic, for a batch x of shape [batch, ...features]: samples i and i + M, i + 2M, ...
 * form a group (M = batch / group); per group, the standard deviation of each feature across
 * its samples, averaged over the features; appended to each sample of the group as a
 * constant last channel.
 */
export function appendStddev(tf: Tf, x: Tensor, groupSize: number): Tensor {
  return tf.tidy(() => {
    const [batch, ...features] = x.shape as number[];
    const group = Math.min(groupSize, batch!);
    if (batch! % group !== 0) {
      throw new Error(`the batch of ${batch} samples cannot be split into groups of ${group}: use a batch size that is a multiple of ${group}`);
    }
    const groups = batch! / group;
    const grouped = tf.reshape(x, [group, groups, ...features]);
    const centred = tf.sub(grouped, tf.mean(grouped, 0, true));
    const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), 0), EPSILON)); // [groups, ...features]
    const perGroup = tf.mean(std, features.map((_, i) => i + 1)); // [groups]
    // Sample s belongs to group s mod `groups`: tile the per-group values `group` times.
    const perSample = tf.tile(perGroup, [group]); // [batch]
    const spatial = features.slice(0, -1);
    const channel = tf.reshape(perSample, [batch!, ...spatial.map(() => 1), 1]);
    const constantMap = spatial.length === 0 ? channel : tf.tile(channel, [1, ...spatial, 1]);
    return tf.concat([x, constantMap], -1);
  });
}

const classes = new WeakMap<Layers, new (args: { name: string; group: number }) => LayerInstance>();

function layerClass(tf: Tf, layers: Layers) {
  let cls = classes.get(layers);
  if (cls) return cls;
  class MinibatchStddev extends layers.layers.Layer {
    static readonly className = "MinibatchStddev";
    readonly group: number;
    constructor(args: { name: string; group: number }) {
      super({ name: args.name });
      this.group = args.group;
    }
    override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
      return [...shape.slice(0, -1), (shape.at(-1) ?? 0) + 1];
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return appendStddev(tf, Array.isArray(inputs) ? inputs[0]! : inputs, this.group);
    }
    override getConfig() {
      return { ...super.getConfig(), group: this.group };
    }
  }
  tf.serialization.registerClass(MinibatchStddev as never);
  cls = MinibatchStddev as never;
  classes.set(layers, cls!);
  return cls!;
}

export function minibatchStddevLayer(context: TrickLayerContext, group: number): LayerInstance {
  return new (layerClass(context.tf, context.layers))({ name: context.name, group });
}
