/**
 * @gan/replay: experience replay for the discriminator. A buffer keeps up to `size` fakes
 * from past steps; in each discriminator update a fraction `mix` of the fake batch is drawn
 * from it, and afterwards as many buffer entries are replaced by fresh fakes (the buffer
 * first fills up with whole batches).
 *
 * Shrivastava et al. 2017 ("Learning from Simulated and Unsupervised Images through
 * Adversarial Training", section 2.3): half of each fake batch from a history of generated
 * images, and half of those replaced after each update, so that the discriminator remembers
 * the artefacts it has already learnt to reject and the generator cannot reintroduce them;
 * ganhacks #8 ("experience replay"). The buffer is saved in checkpoints: a resumed run mixes
 * the batches an uninterrupted run would.
 *
 * Runs "pre": the buffer keeps the generator's own outputs, before tricks such as instance
 * noise change what the discriminator sees.
 */
import { defineTrick, z, type Tensor } from "@gan/core";

const options = z.object({
  size: z.number().int().min(1).default(1000).describe("fakes the buffer keeps"),
  mix: z.number().min(0).max(1).default(0.5).describe("fraction of each fake batch drawn from the buffer (and replaced in it afterwards)"),
});

export default defineTrick({
  name: "@gan/replay",
  description: "Experience replay: a buffer of past fakes mixed into D's fake batches (size, mix); saved in checkpoints.",
  options,
  order: "pre",
  setup({ options, tf, random, log }) {
    const capacity = options.size;
    /** The fakes kept, [filled, ...sample shape]; null until the first update. */
    let buffer: Tensor | null = null;
    /** The fresh fakes of the update in progress, added to the buffer once it is done. */
    let pending: Tensor | null = null;

    const filled = () => buffer?.shape[0] ?? 0;
    /** `count` distinct indices in [0, n), from the trick's stream (partial Fisher-Yates). */
    function distinct(count: number, n: number): number[] {
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(random() * (n - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      return pool.slice(0, count);
    }
    const mixCount = (batch: number) => Math.round(options.mix * batch);

    function replace(next: Tensor): void {
      const previous = buffer;
      buffer = tf.keep(next);
      previous?.dispose();
    }

    return {
      discriminatorInputs(inputs) {
        const fresh = inputs.fake;
        pending?.dispose();
        pending = tf.keep(tf.clone(fresh));
        const batch = fresh.shape[0]!;
        const k = Math.min(mixCount(batch), filled());
        log("replay/buffer", filled());
        if (k === 0 || buffer === null) return inputs;
        const old = tf.gather(buffer, distinct(k, filled()));
        const rest = tf.slice(fresh, k, batch - k);
        return { real: inputs.real, fake: tf.concat([old, rest]) };
      },
      afterDiscriminatorStep() {
        if (pending === null) return;
        const fresh = pending;
        pending = null;
        const batch = fresh.shape[0]!;
        if (buffer === null || filled() < capacity) {
          // Filling up: whole batches, as far as there is room.
          const take = Math.min(batch, capacity - filled());
          const current = buffer;
          replace(tf.tidy(() => (current === null ? tf.slice(fresh, 0, take) : tf.concat([current, tf.slice(fresh, 0, take)]))));
        } else {
          const k = Math.min(mixCount(batch), capacity);
          if (k > 0) {
            // Slot j of the new buffer comes from the old buffer, or from fresh row r for a replaced slot.
            const slots = distinct(k, capacity);
            const source = Array.from({ length: capacity }, (_, j) => j);
            slots.forEach((slot, r) => (source[slot] = capacity + r));
            replace(tf.tidy(() => tf.gather(tf.concat([buffer!, tf.slice(fresh, 0, k)]), source)));
          }
        }
        fresh.dispose();
      },
      state: {
        save: () => (buffer === null ? {} : { tensors: { buffer } }),
        restore(saved) {
          buffer?.dispose();
          buffer = null;
          const restored = saved.tensors?.["buffer"];
          if (restored) buffer = tf.keep(tf.clone(restored));
        },
      },
    };
  },
});
