/**
 * The class-conditional half of `batchnorm affine class` (conditional batch norm: de Vries et
 * al. 2017; the generator of Miyato and Koyama 2018, BigGAN): the values a batch norm without
 * its own gamma and beta normalised, scaled and shifted by the gamma and beta of each
 * sample's class. Two inputs: the normalised values [batch, ..., channels] and the classes
 * [batch, 1] (integers); a `gamma` of [classes, channels] (initially 1) and a `beta` of the
 * same shape (initially 0), so that it starts as the plain batch norm it extends.
 *
 * Written with tfjs ops (gather, reshape, mul, add), whose gradients have gradients: a penalty
 * differentiates through it.
 */
import { tf, tfl } from "../../tfjs.js";
import type { LayerShape } from "./shape-of.js";

export interface ClassAffineArgs {
  name: string;
  classes: number;
}

type LayerVariable = ReturnType<tfl.layers.Layer["addWeight"]>;

/** The shapes of a two-input layer's inputs. */
function inputShapes(inputShape: LayerShape): [(number | null)[], (number | null)[]] {
  if (!Array.isArray(inputShape[0])) throw new Error("a class-conditional layer takes two inputs: the values and the classes");
  return inputShape as unknown as [(number | null)[], (number | null)[]];
}

export class ClassAffine extends tfl.layers.Layer {
  static readonly className = "GanClassAffine";
  /** Marks a layer applied to [x, classes] rather than to x (build-network.ts). */
  readonly takesClasses = true;
  readonly classes: number;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;

  constructor(args: ClassAffineArgs) {
    super({ name: args.name });
    this.classes = args.classes;
  }

  override build(inputShape: LayerShape): void {
    const [values] = inputShapes(inputShape);
    const channels = values.at(-1) as number;
    this.gamma = this.addWeight("gamma", [this.classes, channels], "float32", tfl.initializers.ones());
    this.beta = this.addWeight("beta", [this.classes, channels], "float32", tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return inputShapes(inputShape)[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error("a class-conditional layer takes two inputs: the values and the classes");
      const [x, classes] = inputs as [tf.Tensor, tf.Tensor];
      const ids = tf.cast(tf.reshape(classes, [-1]), "int32");
      // [batch, channels], broadcast over height and width: [batch, 1, 1, channels] for an image.
      const perSample = [x.shape[0]!, ...Array.from({ length: x.rank - 2 }, () => 1), x.shape.at(-1)!];
      const gamma = tf.reshape(tf.gather(this.gamma.read(), ids), perSample);
      const beta = tf.reshape(tf.gather(this.beta.read(), ids), perSample);
      return tf.add(tf.mul(x, gamma), beta);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), classes: this.classes };
  }
}
tf.serialization.registerClass(ClassAffine as never);

/** True for a layer applied to [x, classes] (a ClassAffine). */
export function takesClasses(layer: tfl.layers.Layer): boolean {
  return (layer as { takesClasses?: boolean }).takesClasses === true;
}
