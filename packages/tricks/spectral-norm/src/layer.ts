/**
 * The tfjs-layers layers behind `@gan/spectral-norm`: a dense and a conv layer whose kernel
 * is divided by its largest singular value before use. Made from the run's own tfjs-layers
 * (once per instance) and registered for serialisation.
 */
import type { Activation, Tensor, TrickLayerContext } from "@gan/core";

type Layers = TrickLayerContext["layers"];
type Tf = TrickLayerContext["tf"];
type LayerInstance = InstanceType<Layers["layers"]["Layer"]>;
type LayerVariable = ReturnType<LayerInstance["addWeight"]>;

export type SpectralNormOptions =
  | { kind: "dense"; units: number; activation: Activation; power: number }
  | { kind: "conv"; filters: number; kernel: number; stride: number; padding: "same" | "valid"; activation: Activation; power: number };

/** Keeps the normalisation of a zero vector finite. */
const EPSILON = 1e-12;

function normalize(tf: Tf, x: Tensor): Tensor {
  return tf.div(x, tf.add(tf.norm(x), EPSILON));
}

/**
 * sigma(W) for a kernel reshaped to `matrix` [inputs, outputs], and the refined u [1, outputs]:
 * v = normalize(u W^T), u = normalize(v W), sigma = v W u^T (Miyato et al. 2018, Algorithm 1).
 * u and v carry no gradient; sigma carries the gradient with respect to W.
 */
export function spectralNorm(tf: Tf, matrix: Tensor, u: Tensor, iterations: number): { sigma: Tensor; u: Tensor } {
  const constant = stopGradient(tf, matrix);
  let left = u;
  let right = normalize(tf, tf.matMul(left, constant, false, true));
  for (let i = 0; i < iterations; i++) {
    right = normalize(tf, tf.matMul(left, constant, false, true));
    left = normalize(tf, tf.matMul(right, constant));
  }
  const sigma = tf.sum(tf.mul(tf.matMul(stopGradient(tf, right), matrix), stopGradient(tf, left)));
  return { sigma, u: left };
}

const stoppers = new WeakMap<Tf, (x: Tensor) => Tensor>();
/** The identity, with a zero gradient: tfjs has no stop_gradient op. */
function stopGradient(tf: Tf, x: Tensor): Tensor {
  let stop = stoppers.get(tf);
  if (!stop) {
    stop = tf.customGrad((input) => ({ value: tf.clone(input as Tensor), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as (x: Tensor) => Tensor;
    stoppers.set(tf, stop);
  }
  return stop(x);
}

function activate(tf: Tf, x: Tensor, activation: Activation): Tensor {
  switch (activation.kind) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "leakyrelu":
      return tf.leakyRelu(x, activation.alpha);
    case "tanh":
      return tf.tanh(x);
    case "sigmoid":
      return tf.sigmoid(x);
  }
}

interface SpectralNormArgs {
  name: string;
  options: SpectralNormOptions;
  seed: number;
}

const classes = new WeakMap<Layers, new (args: SpectralNormArgs) => LayerInstance>();

function layerClass(tf: Tf, layers: Layers) {
  let cls = classes.get(layers);
  if (cls) return cls;
  class SpectralNorm extends layers.layers.Layer {
    static readonly className = "SpectralNorm";
    readonly options: SpectralNormOptions;
    readonly seed: number;
    private kernel!: LayerVariable;
    private bias!: LayerVariable;
    private u!: LayerVariable;

    constructor(args: SpectralNormArgs) {
      super({ name: args.name });
      this.options = args.options;
      this.seed = args.seed;
    }

    private get outputs(): number {
      return this.options.kind === "dense" ? this.options.units : this.options.filters;
    }

    override build(inputShape: (number | null)[] | (number | null)[][]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as number[];
      const inputs = shape.at(-1)!;
      const kernelShape =
        this.options.kind === "dense" ? [inputs, this.outputs] : [this.options.kernel, this.options.kernel, inputs, this.outputs];
      this.kernel = this.addWeight("kernel", kernelShape, "float32", layers.initializers.glorotUniform({ seed: this.seed }));
      this.bias = this.addWeight("bias", [this.outputs], "float32", layers.initializers.zeros());
      // u is state, not a parameter: saved with the weights, never trained.
      this.u = this.addWeight("u", [1, this.outputs], "float32", layers.initializers.randomNormal({ seed: this.seed + 1 }), undefined, false);
      this.built = true;
    }

    override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
      const options = this.options;
      if (options.kind === "dense") return [shape[0]!, options.units];
      const length = (size: number | null) =>
        size === null ? null : options.padding === "same" ? Math.ceil(size / options.stride) : Math.ceil((size - options.kernel + 1) / options.stride);
      return [shape[0]!, length(shape[1]!), length(shape[2]!), options.filters];
    }

    /** The kernel divided by its spectral norm; refines u when training. */
    normalisedKernel(training: boolean): Tensor {
      const kernel = this.kernel.read();
      const matrix = tf.reshape(kernel, [-1, this.outputs]);
      const { sigma, u } = spectralNorm(tf, matrix, this.u.read(), training ? this.options.power : 0);
      if (training) this.u.write(stopGradient(tf, u));
      return tf.div(kernel, sigma);
    }

    override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
        const kernel = this.normalisedKernel(kwargs["training"] === true);
        const options = this.options;
        const linear =
          options.kind === "dense"
            ? tf.matMul(x, kernel)
            : tf.conv2d(x as never, kernel as never, options.stride, options.padding);
        return activate(tf, tf.add(linear, this.bias.read()), options.activation);
      });
    }

    override getConfig() {
      return { ...super.getConfig(), options: this.options as never, seed: this.seed };
    }
  }
  tf.serialization.registerClass(SpectralNorm as never);
  cls = SpectralNorm as never;
  classes.set(layers, cls!);
  return cls!;
}

export function spectralNormLayer(context: TrickLayerContext, options: SpectralNormOptions): LayerInstance {
  return new (layerClass(context.tf, context.layers))({ name: context.name, options, seed: context.seed });
}
