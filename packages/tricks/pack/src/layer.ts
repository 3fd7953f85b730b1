/**
 * The tfjs-layers layer behind `@gan/pack`: the discriminator's first layer, which turns a
 * batch of samples into a batch of packs. Its class is made from the run's own tfjs-layers
 * (the context hands it over), once per tfjs-layers instance, and registered for
 * serialisation so that models holding it can be saved and copied.
 */
import type { Tensor, TrickLayerContext } from "@gan/core";

type Layers = TrickLayerContext["layers"];
type Tf = TrickLayerContext["tf"];
type LayerInstance = InstanceType<Layers["layers"]["Layer"]>;

export const TRICK_NAME = "@gan/pack";

/** The shape of a pack of m samples of shape `sample`: the last axis (features, channels) m times wider. */
export function packedShape<T extends number | null>(sample: readonly T[], m: number): T[] {
  const last = sample.at(-1);
  return [...sample.slice(0, -1), (last === null || last === undefined ? null : last * m) as T];
}

/**
 * Packs a batch x of shape [batch, ...features] into [batch / m, ...features with the last
 * axis m times wider]: the batch is cut into m consecutive chunks of n = batch / m samples
 * and the chunks are concatenated along the last axis, so pack p holds samples p, p + n, ...,
 * p + (m - 1) n, in that order. This is PacGAN's reference code (Lin et al. 2018), which
 * concatenates m separately drawn batches along the feature axis; for images the channels
 * of the m samples follow one another. Sample s lands in pack s mod n (the convention that
 * @gan/gp relies on to draw one interpolation weight and take one gradient norm per pack).
 */
export function pack(tf: Tf, x: Tensor, m: number): Tensor {
  if (m === 1) return x;
  const batch = x.shape[0]!;
  if (batch % m !== 0) {
    throw new Error(`${TRICK_NAME}: the discriminator got a batch of ${batch} samples, which cannot be cut into packs of ${m}: use a batch size that is a multiple of ${m}`);
  }
  return tf.tidy(() => tf.concat(tf.split(x, m, 0), -1));
}

const classes = new WeakMap<Layers, new (args: { name: string; m: number }) => LayerInstance>();

function layerClass(tf: Tf, layers: Layers) {
  let cls = classes.get(layers);
  if (cls) return cls;
  class Pack extends layers.layers.Layer {
    static readonly className = "Pack";
    readonly m: number;
    constructor(args: { name: string; m: number }) {
      super({ name: args.name });
      this.m = args.m;
    }
    override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
      const [batch, ...sample] = shape;
      return [batch === null || batch === undefined ? null : batch / this.m, ...packedShape(sample, this.m)];
    }
    override call(inputs: Tensor | Tensor[]): Tensor {
      return pack(tf, Array.isArray(inputs) ? inputs[0]! : inputs, this.m);
    }
    override getConfig() {
      return { ...super.getConfig(), m: this.m };
    }
  }
  tf.serialization.registerClass(Pack as never);
  cls = Pack as never;
  classes.set(layers, cls!);
  return cls!;
}

export function packLayer(context: TrickLayerContext, m: number): LayerInstance {
  return new (layerClass(context.tf, context.layers))({ name: context.name, m });
}
