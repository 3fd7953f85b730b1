/**
 * `pixelshuffle` (depth-to-space, Shi et al. 2016; ganhacks #5): [n, h, w, c * r * r] becomes
 * [n, h * r, w * r, c], channel (i * r + j) * c + k of a pixel going to offset (i, j) of its
 * r x r block, as `tf.depthToSpace` (NHWC) does. Written as a reshape and a transpose, whose
 * gradients (and their gradients) tfjs has on every backend; `DepthToSpace` has none.
 */
import { tf, tfl } from "../../tfjs.js";
import { singleShape, type LayerShape } from "./shape-of.js";

export interface PixelShuffleArgs {
  name: string;
  factor: number;
}

export function pixelShuffle(x: tf.Tensor, factor: number): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w, depth] = x.shape as [number, number, number, number];
    const c = depth / (factor * factor);
    const blocks = tf.transpose(tf.reshape(x, [n, h, w, factor, factor, c]), [0, 1, 3, 2, 4, 5]);
    return tf.reshape(blocks, [n, h * factor, w * factor, c]);
  });
}

export class PixelShuffle extends tfl.layers.Layer {
  static readonly className = "PixelShuffle";
  readonly factor: number;

  constructor(args: PixelShuffleArgs) {
    super({ name: args.name });
    this.factor = args.factor;
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const [n, h, w, depth] = singleShape(inputShape);
    const blocks = this.factor * this.factor;
    if (depth == null || depth % blocks !== 0) {
      throw new Error(`pixelshuffle ${this.factor} needs channels divisible by ${blocks}, got ${depth}`);
    }
    const scaled = (size: number | null | undefined) => (size == null ? null : size * this.factor);
    return [n ?? null, scaled(h), scaled(w), depth / blocks];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return pixelShuffle(Array.isArray(inputs) ? inputs[0]! : inputs, this.factor);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(PixelShuffle as never);
