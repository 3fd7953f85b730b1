/**
 * The runtime half of `condition classes` (the plan's half and its checks: @gan/plan's
 * condition.ts). An unconditional plan's networks are built as they always were; under a
 * condition:
 *
 * - the generator takes [latent, classes]: each class's learned embedding (`g_class_embedding`,
 *   `condition.embedding` values) is joined to the latent vector, and the layers of the plan
 *   follow; `batchnorm affine class` layers read the classes too (layers/class-affine.ts);
 * - the discriminator's layers but the last make phi(x), and its last, `dense 1`, psi. With the
 *   projection head it takes [x, classes] and outputs psi(phi(x)) + <embed(y), phi(x)>
 *   (Miyato and Koyama 2018; `d_class_projection`); with the auxiliary head (@gan/acgan) it
 *   takes x and outputs [psi(phi(x)), classLogits(phi(x))] (`d_class_logits`, Odena et al. 2017).
 *
 * The layers keep the names and seeds they have unconditioned; the new ones are named as above
 * and seeded from their own places, so checkpoints store them by name like any other weight.
 */
import type { Plan } from "@gan/plan";
import { tf, tfl } from "../tfjs.js";
import { UserError } from "../errors.js";
import type { Rng } from "../random.js";
import { applyLayers, buildNetwork, layerContext, layerSeed, PREFIX, type BuildNetworkOptions, type NetworkBuild } from "./build-network.js";
import { buildLayer } from "./layer-builders.js";
import { embeddingLayer } from "./layers/embedding.js";
import { applyModel } from "./layer-chain.js";

/** The class input of a conditional network: one integer per sample. */
function classInput(build: NetworkBuild): tfl.SymbolicTensor {
  return tfl.input({ shape: [1], dtype: "int32", name: `${PREFIX[build.network]}_class` });
}

/** The generator of a plan: inputs [latent] or, under a condition, [latent, classes]. */
export function buildGenerator(plan: Plan, options: BuildNetworkOptions): tfl.LayersModel {
  const network = plan.networks.generator;
  const condition = plan.condition;
  if (condition === undefined) return buildNetwork(network, "generator", options);
  const latent = tfl.input({ shape: [plan.latent.size], name: "g_input" });
  const build: NetworkBuild = { network: "generator", options };
  const classes = classInput(build);
  build.classes = { input: classes, count: condition.classes };
  const embedding = embeddingLayer({ name: "g_class_embedding", classes: condition.classes, dim: condition.embedding, seed: layerSeed(options.seed, "generator", "class_embedding") });
  const embedded = tfl.layers.flatten({ name: "g_class_flatten" }).apply(embedding.apply(classes)) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate({ name: "g_join", axis: -1 }).apply([latent, embedded]) as tfl.SymbolicTensor;
  const output = applyLayers(joined, network.layers, "", undefined, build);
  return tfl.model({ inputs: [latent, classes], outputs: output, name: "generator" });
}

/** The discriminator of a plan: see the module's comment for its inputs and outputs under a condition. */
export function buildDiscriminator(plan: Plan, options: BuildNetworkOptions): tfl.LayersModel {
  const network = plan.networks.discriminator;
  const condition = plan.condition;
  if (condition === undefined) return buildNetwork(network, "discriminator", options);
  const build: NetworkBuild = { network: "discriminator", options };
  const x = tfl.input({ shape: network.inputShape, name: "d_input" });
  const layers = network.layers;
  const lastIndex = layers.length - 1;
  const phi = applyLayers(x, layers.slice(0, lastIndex), "", undefined, build);
  const features = phi.shape[1] as number;
  const lastContext = layerContext(build, String(lastIndex), layers[lastIndex]!.type, lastIndex, [features]);
  let logit = phi;
  // The plan's validation made the last layer `dense 1`: one tfjs layer.
  for (const layer of buildLayer(layers[lastIndex] as never, lastContext)) logit = layer.apply(logit) as tfl.SymbolicTensor;
  if (condition.discriminator === "auxiliary") {
    const classLogits = tfl.layers
      .dense({ units: condition.classes, kernelInitializer: tfl.initializers.glorotUniform({ seed: layerSeed(options.seed, "discriminator", "class_logits") }), name: "d_class_logits" })
      .apply(phi) as tfl.SymbolicTensor;
    return tfl.model({ inputs: x, outputs: [logit, classLogits], name: "discriminator" });
  }
  const classes = classInput(build);
  const projection = embeddingLayer({
    name: "d_class_projection",
    classes: condition.classes,
    dim: features,
    seed: layerSeed(options.seed, "discriminator", "class_projection"),
    initializer: "glorot",
  });
  const embedded = tfl.layers.flatten({ name: "d_class_flatten" }).apply(projection.apply(classes)) as tfl.SymbolicTensor;
  const inner = tfl.layers.dot({ axes: 1, name: "d_class_dot" }).apply([embedded, phi]) as tfl.SymbolicTensor;
  const output = tfl.layers.add({ name: "d_class_add" }).apply([logit, inner]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [x, classes], outputs: output, name: "discriminator" });
}

/** Classes as a network takes them: [n, 1] int32. */
export function classTensor(classes: Int32Array): tf.Tensor2D {
  return tf.tensor2d(classes, [classes.length, 1], "int32");
}

/** The classes of `count` fake samples: uniform over the `classes` classes, from `rng`. */
export function sampleClasses(count: number, classes: number, rng: Rng): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.int(classes);
  return out;
}

/** The generator's output for latent vectors (and their classes, under a condition). */
export function applyGenerator(model: tfl.LayersModel, latent: tf.Tensor, classes: tf.Tensor | undefined, training: boolean): tf.Tensor {
  return applyModel(model, classes === undefined ? latent : [latent, classes], { training }) as tf.Tensor;
}

/** D's outputs on a batch: its logits, and the class logits of an auxiliary head. */
export interface DiscriminatorOutputs {
  logits: tf.Tensor;
  classLogits?: tf.Tensor;
}

/**
 * D applied to a batch: `classes` is the class of each sample under a projection head (and
 * ignored by an auxiliary head, which predicts it instead); undefined for an unconditional D.
 */
export function applyDiscriminator(model: tfl.LayersModel, plan: Plan, x: tf.Tensor, classes: tf.Tensor | undefined, training: boolean): DiscriminatorOutputs {
  const head = plan.condition?.discriminator;
  if (head === "auxiliary") {
    const [logits, classLogits] = model.apply(x, { training }) as tf.Tensor[];
    return { logits: logits!, classLogits: classLogits! };
  }
  if (head === "projection") {
    if (classes === undefined || classes.shape[0] !== x.shape[0]) {
      throw new UserError(`the conditional discriminator needs one class per sample: it got ${x.shape[0]} samples and ${classes?.shape[0] ?? "no"} classes (a trick that changes the number of samples D sees does not work with condition classes)`);
    }
    return { logits: model.apply([x, classes], { training }) as tf.Tensor };
  }
  return { logits: applyModel(model, x, { training }) as tf.Tensor };
}
