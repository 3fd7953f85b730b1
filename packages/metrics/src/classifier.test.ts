import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { MNIST_PIXELS } from "./classifier-model.js";
import {
  classifierFeatures,
  classifierFrechetDistance,
  classifierPredictions,
  classifierScore,
  classifierStatistics,
  loadClassifier,
  mnistReferenceStatistics,
} from "./classifier.js";
import { frechetDistance } from "./frechet.js";
import { loadMnist } from "./mnist-idx.js";
import { uniformSource } from "./test-random.js";

// These tests load the committed weights (classifier/model.json + weights.bin): they fail
// if the files are missing, corrupt, or no longer match the architecture.
const test = loadMnist("test");
const images = (from: number, to: number) => test.images.subarray(from * MNIST_PIXELS, to * MNIST_PIXELS);

function uniformNoise(count: number, seed: number): Float32Array {
  const uniform = uniformSource(seed);
  return Float32Array.from({ length: count * MNIST_PIXELS }, () => uniform());
}

beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

describe("the committed MNIST classifier", () => {
  it("classifies at least 97% of 1,000 test images correctly", async () => {
    const predicted = await classifierPredictions(images(0, 1000), 1000);
    let correct = 0;
    for (let i = 0; i < 1000; i++) if (predicted[i] === test.labels[i]) correct++;
    expect(correct / 1000).toBeGreaterThanOrEqual(0.97);
  });

  it("is loaded once and shared", async () => {
    expect(await loadClassifier()).toBe(await loadClassifier());
  });

  it("gives 128 features per image, the same for an image alone or in a batch", async () => {
    const batch = await classifierFeatures(images(0, 600), 600);
    expect(batch).toHaveLength(600 * 128);
    const alone = await classifierFeatures(images(550, 551), 1);
    for (let k = 0; k < 128; k++) expect(alone[k]).toBeCloseTo(batch[550 * 128 + k]!, 4);
  });
});

describe("classifierFrechetDistance", () => {
  it("is small between two halves of the test split and large against uniform noise", async () => {
    const firstHalf = images(0, 1000);
    const secondHalf = images(1000, 2000);
    const sameDistribution = await classifierFrechetDistance(firstHalf, secondHalf);
    const againstNoise = await classifierFrechetDistance(uniformNoise(1000, 3), secondHalf);
    expect(sameDistribution).toBeGreaterThan(0);
    expect(againstNoise).toBeGreaterThan(50 * sameDistribution);
  });

  it("is 0 between a set of images and itself, and accepts precomputed statistics", async () => {
    const statistics = await classifierStatistics(images(0, 500));
    expect(frechetDistance(statistics, statistics)).toBeLessThan(1e-9);
    expect(await classifierFrechetDistance(images(0, 500), statistics)).toBeLessThan(1e-9);
  });

  it("grows when the generated digits miss classes (mode collapse)", async () => {
    // 500 images of ones against 500 mixed test digits: far from the reference.
    const ones: number[] = [];
    for (let i = 2000; ones.length < 500; i++) if (test.labels[i] === 1) ones.push(i);
    const collapsed = new Float32Array(500 * MNIST_PIXELS);
    ones.forEach((index, k) => collapsed.set(images(index, index + 1), k * MNIST_PIXELS));
    const mixed = await classifierFrechetDistance(images(0, 500), images(1000, 1500));
    expect(await classifierFrechetDistance(collapsed, images(1000, 1500))).toBeGreaterThan(10 * mixed);
  });
});

describe("mnistReferenceStatistics", () => {
  it("computes a split's statistics once and caches them", async () => {
    const first = mnistReferenceStatistics("test", { count: 300 });
    expect(mnistReferenceStatistics("test", { count: 300 })).toBe(first);
    const statistics = await first;
    expect(statistics.n).toBe(300);
    expect(statistics.d).toBe(128);
    expect(frechetDistance(statistics, await classifierStatistics(images(0, 300)))).toBeLessThan(1e-9);
  });

  it("names a count the split does not have", async () => {
    await expect(mnistReferenceStatistics("test", { count: 20000 })).rejects.toThrow(
      "mnistReferenceStatistics: count must be an integer from 2 to 10000 for the test split, got 20000",
    );
  });
});

describe("classifierScore", () => {
  it("is close to 1 for a batch of one class", async () => {
    const sevens: number[] = [];
    for (let i = 0; sevens.length < 300; i++) if (test.labels[i] === 7) sevens.push(i);
    const batch = new Float32Array(300 * MNIST_PIXELS);
    sevens.forEach((index, k) => batch.set(images(index, index + 1), k * MNIST_PIXELS));
    const score = await classifierScore(batch);
    expect(score).toBeGreaterThanOrEqual(1);
    expect(score).toBeLessThan(1.25);
  });

  it("is near 10 for test digits", async () => {
    const score = await classifierScore(images(0, 2000));
    expect(score).toBeGreaterThan(9);
    expect(score).toBeLessThanOrEqual(10);
  });
});

describe("classifier input checks", () => {
  it("names images in [-1, 1] instead of [0, 1]", async () => {
    const tanhRange = Float32Array.from(images(0, 2), (v) => 2 * v - 1);
    await expect(classifierScore(tanhRange)).rejects.toThrow(
      "classifier input: pixels must lie in [0, 1], got values from -1 to 1; map tanh outputs x to (x + 1) / 2 first",
    );
  });

  it("names a size that is not whole images, and NaN pixels", async () => {
    await expect(classifierScore(new Float32Array(100))).rejects.toThrow("100 values is not a whole, non-zero number of 28x28 images");
    await expect(classifierFeatures(new Float32Array(784), 2)).rejects.toThrow("expected n*28*28 = 1568 values for n=2 images, got 784");
    const withNaN = new Float32Array(2 * MNIST_PIXELS);
    withNaN[MNIST_PIXELS + 5] = Number.NaN;
    await expect(classifierFeatures(withNaN, 2)).rejects.toThrow("classifier input: image 1 contains NaN");
  });
});
