/**
 * Measures the reference figures of the committed classifier and writes them to
 * classifier/figures.json: test accuracy, the Fréchet-distance floor (10,000 train images
 * against the 10,000 test images), the Inception Score analogue of the test split and of
 * uniform noise, and the distance of noise to the test split.
 *
 *   cd packages/metrics && node --conditions=@gan/source --import tsx scripts/measure-classifier.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { MNIST_PIXELS } from "../src/classifier-model.js";
import {
  classifierDirectory,
  classifierFrechetDistance,
  classifierPredictions,
  classifierScore,
  mnistReferenceStatistics,
} from "../src/classifier.js";
import { frechetDistance } from "../src/frechet.js";
import { loadMnist } from "../src/mnist-idx.js";

await tf.setBackend("wasm");
await tf.ready();
const started = performance.now();

const test = loadMnist("test");
const train = loadMnist("train");
const predicted = await classifierPredictions(test.images, test.count);
let correct = 0;
for (let i = 0; i < test.count; i++) if (predicted[i] === test.labels[i]) correct++;

const testStatistics = await mnistReferenceStatistics("test");
const trainStatistics = await mnistReferenceStatistics("train", { count: 10000 });
const floor = frechetDistance(trainStatistics, testStatistics);
const testHalves = await classifierFrechetDistance(test.images.subarray(0, 5000 * MNIST_PIXELS), test.images.subarray(5000 * MNIST_PIXELS));

// Uniform noise in [0, 1], from a seeded generator: the sanity check at the other end.
let state = 12345;
const noise = Float32Array.from({ length: 10000 * MNIST_PIXELS }, () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 4294967296;
});

const figures = {
  command: "cd packages/metrics && node --conditions=@gan/source --import tsx scripts/measure-classifier.ts",
  backend: tf.getBackend(),
  testAccuracy: correct / test.count,
  frechetFloorTrain10kVsTest: floor,
  frechetTestFirstHalfVsSecondHalf: testHalves,
  frechetNoise10kVsTest: await classifierFrechetDistance(noise, "test"),
  classifierScoreTest: await classifierScore(test.images),
  classifierScoreTrain10k: await classifierScore(train.images.subarray(0, 10000 * MNIST_PIXELS)),
  classifierScoreNoise10k: await classifierScore(noise),
  seconds: Math.round((performance.now() - started) / 1000),
};
writeFileSync(join(classifierDirectory(), "figures.json"), `${JSON.stringify(figures, null, 2)}\n`);
console.log(figures);
