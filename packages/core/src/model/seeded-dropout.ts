/**
 * Dropout whose masks come from the run's random stream.
 *
 * tfjs-layers' Dropout draws its mask with `tf.randomUniform`: unseeded it cannot be
 * reproduced, and seeded it draws the same mask at every call. This subclass draws each mask
 * from an Rng whose state is saved in checkpoints, so a resumed run sees the masks an
 * uninterrupted run would. It keeps the class name "Dropout", so a saved model loads with
 * plain tfjs-layers (in a browser too) as an ordinary dropout layer.
 */
import { tf, tfl } from "../tfjs.js";
import type { Rng } from "../random.js";

type DropoutArgs = Parameters<typeof tfl.layers.dropout>[0];
type LayerKwargs = { training?: boolean } & Record<string, unknown>;

// tfjs-layers exports a factory, not the class: take the class from an instance.
const DropoutBase = tfl.layers.dropout({ rate: 0.5 }).constructor as new (args: DropoutArgs) => tfl.layers.Layer;

export class SeededDropout extends DropoutBase {
  private readonly dropRate: number;

  constructor(
    args: DropoutArgs,
    private readonly rng: () => Rng,
  ) {
    super(args);
    this.dropRate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs["training"] !== true || this.dropRate <= 0) return input;
    return tf.tidy(() => {
      const mask = this.rng().fillUniform(new Float32Array(input.size));
      const keep = 1 - this.dropRate;
      const scale = 1 / keep;
      for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! < keep ? scale : 0;
      return tf.mul(input, tf.tensor(mask, input.shape));
    });
  }
}
