/**
 * Trains the MNIST classifier whose feature space the image metrics use, and writes it to
 * packages/metrics/classifier/ (model.json + weights.bin, tfjs LayersModel format) with
 * training.json and README.md recording what was measured.
 *
 *   cd packages/metrics && node --conditions=@gan/source --import tsx scripts/train-classifier.ts [--seed 1] [--epochs 5]
 *
 * Deterministic: initializers are seeded, batches are drawn by a seeded shuffle, the wasm
 * backend is single-threaded in Node and has no nondeterministic kernels, so the same seed
 * gives the same weights (training.json records their SHA-256 to check).
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
import { buildClassifier, MNIST_CLASSES, MNIST_PIXELS } from "../src/classifier-model.js";
import { classifierDirectory, classifierPredictions } from "../src/classifier.js";
import { loadMnist, type MnistSplit } from "../src/mnist-idx.js";
import { saveLayersModel } from "../src/model-files.js";
import { uniformSource } from "../src/seeded-random.js";

const { values: args } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    epochs: { type: "string", default: "5" },
    batch: { type: "string", default: "128" },
    "learning-rate": { type: "string", default: "0.001" },
    backend: { type: "string", default: "wasm" },
    out: { type: "string", default: classifierDirectory() },
  },
});
const seed = Number(args.seed);
const epochs = Number(args.epochs);
const batchSize = Number(args.batch);
const learningRate = Number(args["learning-rate"]);
for (const [name, value] of Object.entries({ seed, epochs, batch: batchSize })) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(value)}`);
}

if (args.backend === "wasm") await registerWasmTraining();
await tf.setBackend(args.backend);
await tf.ready();
console.log(`backend ${tf.getBackend()}, seed ${seed}, ${epochs} epochs, batch ${batchSize}, Adam lr ${learningRate}`);

const train = loadMnist("train");
const test = loadMnist("test");

function shuffledIndices(count: number, random: () => number): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function accuracy(model: tfl.LayersModel, split: MnistSplit): Promise<number> {
  const predicted = await classifierPredictions(split.images, split.count, { model });
  let correct = 0;
  for (let i = 0; i < split.count; i++) if (predicted[i] === split.labels[i]) correct++;
  return correct / split.count;
}

const model = buildClassifier(seed);
model.compile({ optimizer: tf.train.adam(learningRate), loss: "categoricalCrossentropy" });
model.summary(undefined, undefined, (line) => console.log(line));

const random = uniformSource(seed ^ 0x9e3779b9);
const batchImages = new Float32Array(batchSize * MNIST_PIXELS);
const batchLabels = new Float32Array(batchSize * MNIST_CLASSES);
const history: { epoch: number; seconds: number; meanLoss: number; testAccuracy: number }[] = [];
const started = performance.now();
let evaluationMs = 0;

for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = shuffledIndices(train.count, random);
  const steps = Math.floor(train.count / batchSize); // the remainder is left out, a different one every epoch
  let lossSum = 0;
  for (let step = 0; step < steps; step++) {
    batchLabels.fill(0);
    for (let b = 0; b < batchSize; b++) {
      const index = order[step * batchSize + b]!;
      batchImages.set(train.images.subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS), b * MNIST_PIXELS);
      batchLabels[b * MNIST_CLASSES + train.labels[index]!] = 1;
    }
    const xs = tf.tensor4d(batchImages, [batchSize, 28, 28, 1]);
    const ys = tf.tensor2d(batchLabels, [batchSize, MNIST_CLASSES]);
    const loss = (await model.trainOnBatch(xs, ys)) as number;
    xs.dispose();
    ys.dispose();
    lossSum += loss;
    if ((step + 1) % 100 === 0) {
      const elapsed = (performance.now() - started - evaluationMs) / 1000;
      console.log(`epoch ${epoch} step ${step + 1}/${steps} loss ${(lossSum / (step + 1)).toFixed(4)} (${elapsed.toFixed(0)} s training)`);
    }
  }
  const evaluationStart = performance.now();
  const testAccuracy = await accuracy(model, test);
  evaluationMs += performance.now() - evaluationStart;
  const seconds = (performance.now() - started - evaluationMs) / 1000;
  history.push({ epoch, seconds: Math.round(seconds), meanLoss: Number((lossSum / steps).toFixed(5)), testAccuracy });
  console.log(`epoch ${epoch}: mean loss ${(lossSum / steps).toFixed(4)}, test accuracy ${(testAccuracy * 100).toFixed(2)}%, ${seconds.toFixed(0)} s of training`);
}
const trainingSeconds = (performance.now() - started - evaluationMs) / 1000;

const outDirectory = args.out;
const { weightBytes } = await saveLayersModel(model, outDirectory);
const weightsSha256 = createHash("sha256").update(readFileSync(join(outDirectory, "weights.bin"))).digest("hex");
const testAccuracy = history.at(-1)?.testAccuracy ?? (await accuracy(model, test));
const trainAccuracy = await accuracy(model, train);

const record = {
  description: "MNIST classifier of @gan/metrics: its 128-unit 'features' layer is the feature space of classifierFrechetDistance",
  command: `cd packages/metrics && node --conditions=@gan/source --import tsx scripts/train-classifier.ts --seed ${seed} --epochs ${epochs} --batch ${batchSize} --learning-rate ${learningRate} --backend ${args.backend}`,
  seed,
  epochs,
  batchSize,
  optimizer: { name: "adam", learningRate },
  backend: args.backend,
  testAccuracy,
  trainAccuracy,
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
console.log(`wrote ${outDirectory}: test accuracy ${(testAccuracy * 100).toFixed(2)}%, ${weightBytes} bytes of weights, ${trainingSeconds.toFixed(0)} s of training`);

function readme(r: typeof record): string {
  const rows = r.history.map((h) => `| ${h.epoch} | ${h.meanLoss.toFixed(4)} | ${(h.testAccuracy * 100).toFixed(2)}% | ${h.seconds} |`).join("\n");
  return `# The MNIST classifier of @gan/metrics

Written by \`scripts/train-classifier.ts\`; do not edit by hand (rerun the script).

- Architecture: conv 5x5/2 16 relu, conv 5x5/2 32 relu, dense 128 relu (\`features\`), dense 10 softmax (\`probabilities\`); ${r.parameters} parameters, ${r.weightBytes} bytes of float32 weights.
- Trained on the 60,000 MNIST training images for ${r.epochs} epochs, batch ${r.batchSize}, Adam (learning rate ${r.optimizer.learningRate}), seed ${r.seed}, on the \`${r.backend}\` backend of TensorFlow.js ${r.tfjsVersion} (Node ${r.node}, ${r.cpu}).
- **Test accuracy: ${(r.testAccuracy * 100).toFixed(2)}%** on the 10,000 test images (train accuracy ${(r.trainAccuracy * 100).toFixed(2)}%).
- Training time: ${r.trainingSeconds} s (evaluation after each epoch not counted).
- weights.bin SHA-256: \`${r.weightsSha256}\`

Reproduce:

\`\`\`sh
${r.command}
\`\`\`

| epoch | mean training loss | test accuracy | seconds of training so far |
|---|---|---|---|
${rows}
`;
}
