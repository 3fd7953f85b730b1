/**
 * Trains the emoji classifier (src/emoji-classifier.ts), the feature network of the emoji
 * example's metrics, on the Noto emoji images of the `emoji-datasource-google` package, and
 * writes it to packages/metrics/emoji-classifier/ (model.json + weights.bin, tfjs LayersModel
 * format) with training.json and README.md recording what was measured.
 *
 *   cd packages/metrics && pnpm train-emoji-classifier [--seed 1] [--epochs 30]
 *
 * Labels: emoji.json's `category` of each emoji. Held out: a fifth of the emoji, chosen by a
 * seeded shuffle of the *base* emoji, so an emoji and its skin-tone variations (near copies)
 * are never split between training and test. Images are decoded as examples/emoji.gan reads
 * them (@gan/core's decoder: transparency onto white, area resize to 32x32, [0, 1]); training
 * flips half of each batch left to right. Deterministic as the MNIST classifier's script is
 * (seeded initializers and batches, the wasm backend).
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmTraining } from "@gan/backend-wasm";
import { decodeImage } from "@gan/core/runtime";
import { buildEmojiClassifier, EMOJI_CLASSIFIER_SIDE, emojiClassifierDirectory } from "../src/emoji-classifier.js";
import { saveLayersModel } from "../src/model-files.js";
import { chooseWithoutReplacement, uniformSource } from "../src/seeded-random.js";
import { emojiImages, emojiPackageVersion, EMOJI_PACKAGE, type EmojiImage } from "./emoji-set.js";

const { values: args } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    epochs: { type: "string", default: "30" },
    batch: { type: "string", default: "64" },
    "learning-rate": { type: "string", default: "0.001" },
    "held-out": { type: "string", default: "0.2" },
    backend: { type: "string", default: "wasm" },
    out: { type: "string", default: emojiClassifierDirectory() },
  },
});
const seed = Number(args.seed);
const epochs = Number(args.epochs);
const batchSize = Number(args.batch);
const learningRate = Number(args["learning-rate"]);
const heldOutShare = Number(args["held-out"]);
for (const [name, value] of Object.entries({ seed, epochs, batch: batchSize })) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(value)}`);
}
if (!(heldOutShare > 0 && heldOutShare < 1)) throw new Error(`--held-out must be a fraction between 0 and 1, got ${args["held-out"]}`);

if (args.backend === "wasm") await registerWasmTraining();
await tf.setBackend(args.backend);
await tf.ready();

const SIDE = EMOJI_CLASSIFIER_SIDE;
const PIXELS = SIDE * SIDE * 3;
const WHITE = [255, 255, 255] as const;

const images = emojiImages();
const categories = [...new Set(images.map((image) => image.category))].sort();
const groups = [...new Set(images.map((image) => image.group))];
const heldOutGroups = new Set([...chooseWithoutReplacement(groups.length, Math.round(groups.length * heldOutShare), uniformSource(seed))].map((i) => groups[i]!));

interface Split {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

async function decodeSplit(members: EmojiImage[]): Promise<Split> {
  const pixels = new Float32Array(members.length * PIXELS);
  const labels = new Uint8Array(members.length);
  for (const [i, member] of members.entries()) {
    const decoded = await decodeImage(member.file, { size: [SIDE, SIDE], crop: "center", resize: "area", channels: 3, background: WHITE });
    for (let p = 0; p < PIXELS; p++) pixels[i * PIXELS + p] = decoded.bytes[p]! / 255;
    labels[i] = categories.indexOf(member.category);
  }
  return { images: pixels, labels, count: members.length };
}

const train = await decodeSplit(images.filter((image) => !heldOutGroups.has(image.group)));
const test = await decodeSplit(images.filter((image) => heldOutGroups.has(image.group)));
console.log(`backend ${tf.getBackend()}, seed ${seed}, ${epochs} epochs, batch ${batchSize}, Adam lr ${learningRate}; ${train.count} training and ${test.count} held-out images, ${categories.length} categories`);

function predictions(model: tfl.LayersModel, split: Split): Uint8Array {
  const predicted = new Uint8Array(split.count);
  for (let first = 0; first < split.count; first += 500) {
    const count = Math.min(500, split.count - first);
    const classes = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(split.images.subarray(first * PIXELS, (first + count) * PIXELS), [count, SIDE, SIDE, 3])) as tf.Tensor, 1));
    predicted.set(classes.dataSync(), first);
    classes.dispose();
  }
  return predicted;
}

/** Accuracy, and the mean of the per-category recalls (balanced accuracy: People & Body holds most of the images). */
function scores(model: tfl.LayersModel, split: Split): { accuracy: number; balancedAccuracy: number; perCategory: Record<string, number> } {
  const predicted = predictions(model, split);
  const correct = new Array<number>(categories.length).fill(0);
  const total = new Array<number>(categories.length).fill(0);
  for (let i = 0; i < split.count; i++) {
    total[split.labels[i]!]!++;
    if (predicted[i] === split.labels[i]) correct[split.labels[i]!]!++;
  }
  const present = categories.map((_, c) => c).filter((c) => total[c]! > 0);
  return {
    accuracy: correct.reduce((a, b) => a + b, 0) / split.count,
    balancedAccuracy: present.reduce((sum, c) => sum + correct[c]! / total[c]!, 0) / present.length,
    perCategory: Object.fromEntries(present.map((c) => [categories[c]!, Number((correct[c]! / total[c]!).toFixed(4))])),
  };
}

const model = buildEmojiClassifier(seed, categories.length);
model.compile({ optimizer: tf.train.adam(learningRate), loss: "categoricalCrossentropy" });
model.summary(undefined, undefined, (line) => console.log(line));

const random = uniformSource(seed ^ 0x9e3779b9);
const batchImages = new Float32Array(batchSize * PIXELS);
const batchLabels = new Float32Array(batchSize * categories.length);
const history: { epoch: number; seconds: number; meanLoss: number; heldOutAccuracy: number }[] = [];
const started = performance.now();
let evaluationMs = 0;

/** Copies image `index` of the training split into batch slot `slot`, mirrored left to right when `flip`. */
function copyImage(index: number, slot: number, flip: boolean): void {
  const source = train.images.subarray(index * PIXELS, (index + 1) * PIXELS);
  const target = batchImages.subarray(slot * PIXELS, (slot + 1) * PIXELS);
  if (!flip) return target.set(source);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      for (let c = 0; c < 3; c++) target[(y * SIDE + x) * 3 + c] = source[(y * SIDE + (SIDE - 1 - x)) * 3 + c]!;
    }
  }
}

for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = chooseWithoutReplacement(train.count, train.count, random);
  const steps = Math.floor(train.count / batchSize); // the remainder is left out, a different one every epoch
  let lossSum = 0;
  for (let step = 0; step < steps; step++) {
    batchLabels.fill(0);
    for (let b = 0; b < batchSize; b++) {
      const index = order[step * batchSize + b]!;
      copyImage(index, b, random() < 0.5);
      batchLabels[b * categories.length + train.labels[index]!] = 1;
    }
    const xs = tf.tensor4d(batchImages, [batchSize, SIDE, SIDE, 3]);
    const ys = tf.tensor2d(batchLabels, [batchSize, categories.length]);
    lossSum += (await model.trainOnBatch(xs, ys)) as number;
    xs.dispose();
    ys.dispose();
  }
  const evaluationStart = performance.now();
  const heldOutAccuracy = scores(model, test).accuracy;
  evaluationMs += performance.now() - evaluationStart;
  const seconds = (performance.now() - started - evaluationMs) / 1000;
  history.push({ epoch, seconds: Math.round(seconds), meanLoss: Number((lossSum / steps).toFixed(5)), heldOutAccuracy: Number(heldOutAccuracy.toFixed(4)) });
  console.log(`epoch ${epoch}: mean loss ${(lossSum / steps).toFixed(4)}, held-out accuracy ${(heldOutAccuracy * 100).toFixed(2)}%, ${seconds.toFixed(0)} s of training`);
}
const trainingSeconds = (performance.now() - started - evaluationMs) / 1000;

const outDirectory = args.out;
const { weightBytes } = await saveLayersModel(model, outDirectory);
const weightsSha256 = createHash("sha256").update(readFileSync(join(outDirectory, "weights.bin"))).digest("hex");
const heldOut = scores(model, test);
const trained = scores(model, train);
const counts = (split: Split) => Object.fromEntries(categories.map((name, c) => [name, split.labels.filter((label) => label === c).length]));
const majority = Math.max(...Object.values(counts(test))) / test.count;

const record = {
  description: "emoji classifier of @gan/metrics: its 128-unit 'features' layer is the feature space of the emoji example's metrics (fd@emoji-classifier, ...)",
  command: `cd packages/metrics && node --conditions=@gan/source --import tsx scripts/train-emoji-classifier.ts --seed ${seed} --epochs ${epochs} --batch ${batchSize} --learning-rate ${learningRate} --held-out ${heldOutShare} --backend ${args.backend}`,
  data: `${EMOJI_PACKAGE} ${emojiPackageVersion()}: ${images.length} Noto emoji images (64x64 PNG, Apache-2.0), read at ${SIDE}x${SIDE}x3 on white`,
  categories,
  trainCounts: counts(train),
  heldOutCounts: counts(test),
  heldOutEmoji: `${heldOutGroups.size} of ${groups.length} base emoji, with their skin-tone variations`,
  seed,
  epochs,
  batchSize,
  optimizer: { name: "adam", learningRate },
  backend: args.backend,
  heldOutAccuracy: heldOut.accuracy,
  heldOutBalancedAccuracy: heldOut.balancedAccuracy,
  heldOutMajorityClass: majority,
  heldOutPerCategory: heldOut.perCategory,
  trainAccuracy: trained.accuracy,
  trainingSeconds: Math.round(trainingSeconds),
  history,
  parameters: model.countParams(),
  weightBytes,
  weightsSha256,
  tfjsVersion: tf.version_core,
  node: process.version,
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown"}`,
};
writeFileSync(join(outDirectory, "training.json"), `${JSON.stringify(record, null, 2)}\n`);
writeFileSync(join(outDirectory, "README.md"), readme(record));
console.log(`wrote ${outDirectory}: held-out accuracy ${(heldOut.accuracy * 100).toFixed(2)}% (balanced ${(heldOut.balancedAccuracy * 100).toFixed(2)}%, majority class ${(majority * 100).toFixed(2)}%), ${weightBytes} bytes of weights, ${trainingSeconds.toFixed(0)} s of training`);

function readme(r: typeof record): string {
  const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
  const rows = r.history.map((h) => `| ${h.epoch} | ${h.meanLoss.toFixed(4)} | ${percent(h.heldOutAccuracy)} | ${h.seconds} |`).join("\n");
  const perCategory = r.categories.map((name) => `| ${name} | ${r.trainCounts[name]} | ${r.heldOutCounts[name]} | ${r.heldOutPerCategory[name] === undefined ? "-" : percent(r.heldOutPerCategory[name])} |`).join("\n");
  return `# The emoji classifier of @gan/metrics

Written by \`scripts/train-emoji-classifier.ts\`; do not edit by hand (rerun the script). The
feature network of examples/emoji.gan's metrics: \`gan eval\` and \`eval every\` read its
128-unit \`features\` layer and name the figures \`fd@emoji-classifier\`, \`kid@emoji-classifier\`, ...

- Data: ${r.data}. Labels: emoji.json's \`category\` (${r.categories.length} categories). Held out: ${r.heldOutEmoji}.
- Architecture: conv 3x3/2 32, conv 3x3/2 64, conv 3x3/2 128 (relu), dense 128 relu (\`features\`), dense ${r.categories.length} softmax (\`probabilities\`); ${r.parameters} parameters, ${r.weightBytes} bytes of float32 weights.
- Trained for ${r.epochs} epochs, batch ${r.batchSize}, Adam (learning rate ${r.optimizer.learningRate}), half of each batch mirrored, seed ${r.seed}, on the \`${r.backend}\` backend of TensorFlow.js ${r.tfjsVersion} (Node ${r.node}, ${r.cpu}).
- **Held-out accuracy: ${percent(r.heldOutAccuracy)}** (balanced accuracy, the mean of the per-category recalls: ${percent(r.heldOutBalancedAccuracy)}; always answering the largest category would score ${percent(r.heldOutMajorityClass)}); training accuracy ${percent(r.trainAccuracy)}.
- Training time: ${r.trainingSeconds} s (evaluation after each epoch not counted).
- weights.bin SHA-256: \`${r.weightsSha256}\`

Reproduce (after \`pnpm install\`, which installs ${EMOJI_PACKAGE}):

\`\`\`sh
${r.command}
\`\`\`

| category | training images | held-out images | held-out recall |
|---|---|---|---|
${perCategory}

| epoch | mean training loss | held-out accuracy | seconds of training so far |
|---|---|---|---|
${rows}
`;
}
