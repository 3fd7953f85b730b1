/**
 * @gan/normalize: the discriminator sees data in [-1, 1] and the generator ends in tanh.
 *
 * ganhacks #1 ("normalize the inputs between -1 and 1; tanh as the last layer of the generator
 * output"), as in DCGAN. The scaling itself is done by @gan/core's data source, which maps the
 * source's native range (MNIST and images: [0, 1]) linearly onto the plan's `data.range`; this
 * trick sets that range, makes the generator's output match it, and at run time warns when a
 * real batch has values outside it.
 */
import { PlanEditor, defineTrick, describeLayer, z, type Activation, type Layer, type Plan } from "@gan/core";

const TARGET: [number, number] = [-1, 1];
const tanh: Activation = { kind: "tanh" };

const options = z.object({
  tanh: z.boolean().default(true).describe("make the generator end in tanh"),
});

/** Layers that change only the layout of values: an activation before them is still the output's. */
const LAYOUT_ONLY = new Set<Layer["type"]>(["reshape", "flatten", "dropout"]);

function formatRange(range: readonly number[]): string {
  return `[${range.join(", ")}]`;
}

/** Sets `data.range` to [-1, 1]; mixtures have no range to map from. */
function scaleData(editor: PlanEditor, plan: Plan): void {
  const data = plan.data;
  if (data.nativeRange === null) {
    throw new Error(
      `the ${data.kind} data is unbounded (a Gaussian mixture) and cannot be scaled to [-1, 1]: ` +
        `remove @gan/normalize, or use it with image data (mnist, idx, images)`,
    );
  }
  if (data.range !== null && data.range[0] === TARGET[0] && data.range[1] === TARGET[1]) return;
  editor.setData(
    { ...data, range: TARGET },
    `${data.kind} data mapped from ${formatRange(data.range ?? data.nativeRange)} to ${formatRange(TARGET)}`,
  );
}

/** Makes the generator's output go through tanh: replaces its last activation, or appends one. */
function endInTanh(editor: PlanEditor): void {
  const layers = editor.layers("generator");
  let index = layers.length - 1;
  while (index > 0 && LAYOUT_ONLY.has(layers[index]!.type)) index--;
  const layer = layers[index]!;
  if (layer.type === "activation" || layer.type === "dense" || layer.type === "conv" || layer.type === "deconv") {
    if (layer.activation?.kind === "tanh") return;
    const after = { ...layer, activation: tanh } as Layer;
    const was = layer.activation && layer.activation.kind !== "linear" ? layer.activation.kind : "linear";
    editor.replace("generator", index, after, `output ${describeLayer(layer)} -> ${describeLayer(after)} (was ${was}), so samples lie in [-1, 1]`);
    return;
  }
  editor.append("generator", { type: "activation", activation: tanh }, `tanh appended after ${describeLayer(layers.at(-1)!)}, so samples lie in [-1, 1]`);
}

/** Values this far outside the range are float rounding, not data out of range. */
const TOLERANCE = 1e-5;

export default defineTrick({
  name: "@gan/normalize",
  description: "Scales the data to [-1, 1] and makes the generator end in tanh (ganhacks #1); warns when a batch leaves the range.",
  options,
  rewrite(plan, { options }) {
    const editor = new PlanEditor(plan, "@gan/normalize");
    scaleData(editor, plan);
    if (options.tanh) endInTanh(editor);
    return editor.result();
  },
  setup({ plan, tf, warn }) {
    const [lo, hi] = plan.data.range ?? TARGET;
    // Warn on the first batch out of range, then only when a batch goes further out than any before.
    let worst = 0;
    return {
      discriminatorInputs(inputs, step) {
        const extremes = tf.tidy(() => tf.stack([tf.min(inputs.real), tf.max(inputs.real)]));
        const [min, max] = extremes.dataSync() as Float32Array;
        extremes.dispose();
        const excess = Math.max(lo - min!, max! - hi);
        if (excess > TOLERANCE * Math.max(1, hi - lo) && excess > worst) {
          worst = excess;
          warn(
            `the real batch of step ${step} has values in [${min!.toPrecision(4)}, ${max!.toPrecision(4)}], ` +
              `outside the data range ${formatRange([lo, hi])}: the data source produces values outside its declared native range`,
          );
        }
        return inputs;
      },
    };
  },
});
