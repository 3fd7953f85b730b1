// The example of packages/metrics/README.md, kept here so that it is run, not just read:
//   cd packages/metrics && node --conditions=@gan/source --import tsx scripts/readme-example.ts
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import {
  classifierFrechetDistance,
  classifierScore,
  gridMeans,
  loadMnist,
  mixtureMetrics,
} from "@gan/metrics";

// Mode coverage: 2,500 samples from a "generator" that found 24 of the 25 grid modes.
const means = gridMeans(5, 2);
const samples = new Float32Array(2 * 2500);
for (let i = 0; i < 2500; i++) {
  const [x, y] = means[i % 24]!;
  samples[2 * i] = x + 0.05 * Math.cos(i); // within 1 std of the mean
  samples[2 * i + 1] = y + 0.05 * Math.sin(i);
}
console.log(mixtureMetrics(samples, means, 0.05)); // modes 24, highQuality 1, reverseKL ~ log(25/24)

// Image metrics: the classifier runs on the active TensorFlow.js backend.
await tf.setBackend("wasm");
const test = loadMnist("test");
const images = test.images.subarray(0, 2000 * 28 * 28); // stand-in for generated images in [0, 1]
console.log("FD to the test split:", await classifierFrechetDistance(images, "test"));
console.log("classifier score:", await classifierScore(images));
