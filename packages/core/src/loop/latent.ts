/**
 * Latent vectors, drawn in JavaScript by the run's fast seeded generator into one buffer:
 * cheaper than tf.randomNormal, and reproducible across a resume (the stream's state is
 * saved in checkpoints).
 */
import type { Latent } from "@gan/plan";
import type { Rng } from "../random.js";

/** `count` latent vectors, one after the other: normal(0, 1), or uniform in [-1, 1). */
export function sampleLatent(latent: Latent, count: number, rng: Rng): Float32Array {
  const values = new Float32Array(count * latent.size);
  if (latent.distribution === "uniform") return rng.fillUniform(values, -1, 1);
  return rng.fillNormal(values, 0, 1);
}
