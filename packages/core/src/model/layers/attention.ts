/**
 * `attention`: the self-attention of SAGAN (Zhang et al. 2019, "Self-Attention Generative
 * Adversarial Networks", section 3). For x [n, h, w, c] and its N = h * w positions:
 *
 *   q = x Wq + bq, k = x Wk + bk   (1x1 convolutions to c / 8 channels, at least 1)
 *   v = x Wv + bv                  (a 1x1 convolution to c channels)
 *   a = softmax over positions j of q_i . k_j     [n, N, N]
 *   y = gamma * (a v) + x
 *
 * gamma is learned and starts at 0, so the layer starts as the identity and the network
 * learns how much non-local evidence to use. The 1x1 convolutions are products with the
 * positions as rows. Weights are named `<layer>/query_kernel`, ... `<layer>/gamma` in
 * checkpoints, and their initial values are seeded from the layer's seed (Glorot uniform
 * kernels, zero biases).
 */
import { tf, tfl } from "../../tfjs.js";
import { singleShape, weightSeed, type LayerShape } from "./shape-of.js";

export interface SelfAttentionArgs {
  name: string;
  /** The layer's seed (build-network.ts `layerSeed`). */
  seed: number;
}

type LayerVariable = ReturnType<tfl.layers.Layer["addWeight"]>;

/** The channels of the query and the key: c / 8, as in SAGAN, and at least one. */
export function attentionKeyChannels(channels: number): number {
  return Math.max(1, Math.floor(channels / 8));
}

const PROJECTIONS = ["query", "key", "value"] as const;
type Projection = (typeof PROJECTIONS)[number];

export class SelfAttention extends tfl.layers.Layer {
  static readonly className = "SelfAttention";
  readonly seed: number;
  private readonly kernels = new Map<Projection, LayerVariable>();
  private readonly biases = new Map<Projection, LayerVariable>();
  private gamma!: LayerVariable;

  constructor(args: SelfAttentionArgs) {
    super({ name: args.name });
    this.seed = args.seed;
  }

  override build(inputShape: LayerShape): void {
    const shape = singleShape(inputShape);
    if (shape.length !== 4) throw new Error(`attention works over the positions of an image and needs input [h, w, c], got [${shape.slice(1).join(", ")}]`);
    const channels = shape[3] as number;
    PROJECTIONS.forEach((projection, index) => {
      const outputs = projection === "value" ? channels : attentionKeyChannels(channels);
      const initializer = tfl.initializers.glorotUniform({ seed: weightSeed(this.seed, index) });
      this.kernels.set(projection, this.addWeight(`${projection}_kernel`, [channels, outputs], "float32", initializer));
      this.biases.set(projection, this.addWeight(`${projection}_bias`, [outputs], "float32", tfl.initializers.zeros()));
    });
    this.gamma = this.addWeight("gamma", [1], "float32", tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return singleShape(inputShape);
  }

  private project(rows: tf.Tensor, projection: Projection): tf.Tensor {
    return tf.add(tf.matMul(rows as tf.Tensor2D, this.kernels.get(projection)!.read() as tf.Tensor2D), this.biases.get(projection)!.read());
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const rows = tf.reshape(x, [n * h * w, c]);
      const [query, key, value] = PROJECTIONS.map((projection) => tf.reshape(this.project(rows, projection), [n, h * w, -1]));
      const weights = tf.softmax(tf.matMul(query!, key!, false, true));
      const attended = tf.reshape(tf.matMul(weights, value!), [n, h, w, c]);
      return tf.add(tf.mul(this.gamma.read(), attended), x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}
tf.serialization.registerClass(SelfAttention as never);
