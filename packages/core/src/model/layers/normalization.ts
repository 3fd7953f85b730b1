/**
 * `instancenorm` and `layernorm`: each sample normalised to mean 0 and variance 1, then scaled
 * and offset per channel by learned `gamma` (initially 1) and `beta` (initially 0):
 *
 *   instancenorm: over height and width, per channel (Ulyanov et al. 2016); needs [h, w, c].
 *   layernorm: over all of a sample's values (Ba et al. 2016), as the critic of WGAN-GP's
 *     reference code and TF's `layer_norm` (normalised over every axis, parameters per channel).
 *
 * Unlike batch norm, neither mixes the samples of a batch, so both suit a critic trained with a
 * per-sample gradient penalty. Written with tfjs ops (moments, rsqrt), whose gradients have
 * gradients: penalties differentiate through them.
 */
import { tf, tfl } from "../../tfjs.js";
import { singleShape, type LayerShape } from "./shape-of.js";

export type NormalizationKind = "instancenorm" | "layernorm";

export interface NormalizationArgs {
  name: string;
  kind: NormalizationKind;
  epsilon: number;
}

type LayerVariable = ReturnType<tfl.layers.Layer["addWeight"]>;

/** The axes a sample of `rank` is normalised over. */
function normalizedAxes(kind: NormalizationKind, rank: number): number[] {
  return kind === "instancenorm" ? [1, 2] : Array.from({ length: rank - 1 }, (_, i) => i + 1);
}

export class Normalization extends tfl.layers.Layer {
  static readonly className = "GanNormalization";
  readonly kind: NormalizationKind;
  readonly epsilon: number;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;

  constructor(args: NormalizationArgs) {
    super({ name: args.name });
    this.kind = args.kind;
    this.epsilon = args.epsilon;
  }

  override build(inputShape: LayerShape): void {
    const shape = singleShape(inputShape);
    if (this.kind === "instancenorm" && shape.length !== 4) {
      throw new Error(`instancenorm normalises over height and width and needs input [h, w, c], got [${shape.slice(1).join(", ")}]`);
    }
    const channels = shape.at(-1) as number;
    this.gamma = this.addWeight("gamma", [channels], "float32", tfl.initializers.ones());
    this.beta = this.addWeight("beta", [channels], "float32", tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const { mean, variance } = tf.moments(x, normalizedAxes(this.kind, x.rank), true);
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma.read()), this.beta.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kind: this.kind, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(Normalization as never);
