/**
 * @gan/topk: top-k training. In each generator update G's loss is computed over only the k
 * fakes that D rates most real (the largest logits), k = ceil(fraction * batch); the others
 * give G no gradient.
 *
 * Sinha et al. 2020 ("Top-k Training of GANs: Improving GAN Performance by Throwing Away Bad
 * Samples", NeurIPS): the fakes D rates worst are the ones whose gradient points G the wrong
 * way, e.g. toward the gap between two modes, pulling good samples with them through the
 * shared weights. They anneal k from the whole batch down to a fraction nu of it (0.5 in
 * their reference code) as D becomes reliable: `fraction: linear(1 -> 0.5, until N)` here.
 *
 * D's logits are read back once per generator update (one number per sample) to choose the
 * rows: tfjs's top-k has no gradient, and the choice is not differentiated anyway.
 */
import { defineTrick, z, type Tensor } from "@gan/core";

const options = z.object({
  fraction: z.number().gt(0).max(1).default(0.5).describe("share of the fakes G's loss keeps, the ones D rates most real (schedulable)"),
});

/**
 * The indices of the k largest values, in descending order of value; ties go to the lower
 * index, so that the choice does not depend on the sort's implementation.
 */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b]! - values[a]! || a - b);
  return order.slice(0, k);
}

/**
 * k for a batch of `rows` fakes: ceil(fraction * rows), at least 1. The 1e-9 keeps a product
 * that floating point puts just above an integer (0.7 * 100 = 70.00000000000001) at it.
 */
export function keptCount(fraction: number, rows: number): number {
  return Math.max(1, Math.min(rows, Math.ceil(fraction * rows - 1e-9)));
}

export default defineTrick({
  name: "@gan/topk",
  description: "Top-k training: G's loss over only the fakes D rates most real (Sinha et al. 2020), the fraction schedulable.",
  options,
  setup({ options, at, tf, log }) {
    return {
      generatorLogits(fakeLogits: Tensor): Tensor {
        const rows = fakeLogits.shape[0]!;
        const k = keptCount(at(options.fraction), rows);
        log("topk/k", k);
        if (k === rows) return fakeLogits;
        if (fakeLogits.size !== rows) {
          throw new Error(`D gives ${fakeLogits.size / rows} outputs per sample (shape [${fakeLogits.shape.join(", ")}]); top-k needs one logit per sample`);
        }
        const indices = tf.tensor1d(topIndices(fakeLogits.dataSync(), k), "int32");
        return tf.gather(fakeLogits, indices);
      },
    };
  },
});
