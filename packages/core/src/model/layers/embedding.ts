/**
 * `embedding`: a learned vector of `dim` values per class id, for conditional GANs (a class
 * given to G, or projected against D's features). tfjs-layers' Embedding: input ids of any
 * shape, output that shape plus [dim], e.g. [1] -> [1, dim]. Its vectors start N(0, 1), as
 * BigGAN's class embedding (Keras's default, uniform in +-0.05, would start every class near
 * zero), seeded from the layer's seed.
 */
import { tfl } from "../../tfjs.js";

export interface EmbeddingArgs {
  name: string;
  classes: number;
  dim: number;
  seed: number;
  /**
   * How the vectors start: N(0, 1) (the default, above), or Glorot-uniform, for a projection
   * whose product with D's features would otherwise start with a spread of sqrt(dim).
   */
  initializer?: "normal" | "glorot";
}

export function embeddingLayer(args: EmbeddingArgs): tfl.layers.Layer {
  return tfl.layers.embedding({
    name: args.name,
    inputDim: args.classes,
    outputDim: args.dim,
    embeddingsInitializer:
      args.initializer === "glorot" ? tfl.initializers.glorotUniform({ seed: args.seed }) : tfl.initializers.randomNormal({ mean: 0, stddev: 1, seed: args.seed }),
  });
}
