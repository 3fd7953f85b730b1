/**
 * `upsample`: each pixel repeated (nearest) or interpolated (bilinear) `factor` times along
 * height and width, as tfjs-layers' UpSampling2D, whose class name it keeps so a saved
 * generator loads with plain tfjs-layers too.
 *
 * Nearest is a broadcast instead of `resizeNearestNeighbor`: tfjs 4.22's cpu kernel for that
 * op's gradient reads the wrong sample for a batch of more than one, and a broadcast's gradient
 * is a plain sum on every backend (and has a gradient in turn). Bilinear is tfjs's `resizeBilinear` without half-pixel
 * centres (what UpSampling2D does, and what its gradient kernel assumes): output pixel i
 * samples the input at i / factor.
 */
import { tf, tfl } from "../../tfjs.js";

export type Interpolation = "nearest" | "bilinear";

export interface UpsampleArgs {
  name: string;
  factor: number;
  interpolation: Interpolation;
}

type UpSampling2DArgs = Parameters<typeof tfl.layers.upSampling2d>[0];
// tfjs-layers exports a factory, not the class: take the class from an instance.
const UpSampling2D = tfl.layers.upSampling2d({ size: [2, 2] }).constructor as new (args: UpSampling2DArgs) => tfl.layers.Layer;

/** x [n, h, w, c] with every pixel repeated factor x factor times. */
export function upsampleNearest(x: tf.Tensor, factor: number): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    // A product with ones, not broadcastTo: broadcastTo runs Tile, whose gradient tfjs lacks above rank 4.
    const spread = tf.mul(tf.reshape(x, [n, h, 1, w, 1, c]), tf.ones([1, 1, factor, 1, factor, 1]));
    return tf.reshape(spread, [n, h * factor, w * factor, c]);
  });
}

class Upsample extends UpSampling2D {
  private readonly factor: number;
  private readonly nearest: boolean;

  constructor(args: UpsampleArgs) {
    super({ name: args.name, size: [args.factor, args.factor], interpolation: args.interpolation });
    this.factor = args.factor;
    this.nearest = args.interpolation === "nearest";
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    if (!this.nearest) return super.call(inputs, kwargs);
    return upsampleNearest(Array.isArray(inputs) ? inputs[0]! : inputs, this.factor);
  }
}

export function upsampleLayer(args: UpsampleArgs): tfl.layers.Layer {
  return new Upsample(args);
}
