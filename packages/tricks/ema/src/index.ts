/**
 * @gan/ema: an exponential moving average of the generator's weights,
 *
 *     ema <- decay * ema + (1 - decay) * weights      after every generator update,
 *
 * starting from the weights after the first generator update inside the trick's window. The
 * averaged generator is the one the run samples from and the one it saves as its final
 * generator; training itself goes on with the raw weights.
 *
 * Yazıcı et al. 2019 ("The Unusual Effectiveness of Averaging in GAN Training"): the generator's
 * weights orbit an equilibrium rather than converge to it, and their average sits closer to
 * it; ProGAN (Karras et al. 2018) and StyleGAN sample from such an average (decay 0.999).
 * Non-trainable weights (batch norm's moving statistics) are not averaged: the sampling
 * generator takes them from the trained one.
 */
import { cloneModel, defineTrick, z, type LayersModel, type Tensor } from "@gan/core";

const options = z.object({
  decay: z.number().min(0).lt(1).default(0.999).describe("weight of the running average at each update (schedulable)"),
});

export default defineTrick({
  name: "@gan/ema",
  description: "Exponential moving average of G's weights, used for samples and the saved generator; kept in checkpoints.",
  options,
  setup({ options, at, tf }) {
    /** The averaged trainable weights of G, in `trainableWeights` order; null before the first update. */
    let average: Tensor[] | null = null;
    /** The generator samples are drawn from: a copy of G's architecture that receives the average. */
    let sampling: LayersModel | null = null;

    function setAverage(next: Tensor[]): void {
      const previous = average;
      average = next.map((tensor) => tf.keep(tensor));
      previous?.forEach((tensor) => tensor.dispose());
    }

    return {
      afterGeneratorStep({ generator }) {
        const weights = generator.trainableWeights.map((weight) => weight.read());
        if (average === null) {
          setAverage(weights.map((weight) => tf.clone(weight)));
          return;
        }
        const decay = at(options.decay);
        const current = average;
        setAverage(tf.tidy(() => current.map((mean, i) => tf.add(tf.mul(mean, decay), tf.mul(weights[i]!, 1 - decay)))));
      },
      samplingGenerator({ generator }) {
        if (average === null) return undefined;
        sampling ??= cloneModel(generator);
        // Trainable weights from the average, the rest (batch norm statistics) from the trained generator.
        const trainable = new Set(generator.trainableWeights);
        if (trainable.size !== average.length) {
          throw new Error(`the EMA has ${average.length} weights but the generator has ${trainable.size} trainable ones`);
        }
        // `weights` lists the trainable weights first, in `trainableWeights` order, as the average does.
        let next = 0;
        const values = generator.weights.map((weight) => (trainable.has(weight) ? average![next++]! : weight.read()));
        sampling.setWeights(values);
        return sampling;
      },
      state: {
        save: () => (average === null ? {} : { tensors: Object.fromEntries(average.map((tensor, i) => [`w${i}`, tensor])) }),
        restore(saved) {
          const tensors = saved.tensors ?? {};
          const count = Object.keys(tensors).length;
          if (count === 0) return;
          setAverage(Array.from({ length: count }, (_, i) => {
            const tensor = tensors[`w${i}`];
            if (!tensor) throw new Error(`the checkpoint's EMA state lacks weight w${i}`);
            return tf.clone(tensor);
          }));
        },
      },
    };
  },
});
