import { describe, expect, it } from "vitest";
import { inceptionScoreFromProbabilities } from "./inception-score.js";

function oneHot(labels: number[], classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => (out[i * classes + label] = 1));
  return out;
}

describe("inceptionScoreFromProbabilities", () => {
  it("is the number of classes for confident predictions spread evenly", () => {
    const labels = Array.from({ length: 100 }, (_, i) => i % 10);
    expect(inceptionScoreFromProbabilities(oneHot(labels, 10), 100, 10)).toBeCloseTo(10, 12);
  });

  it("is 1 when every image gets the same distribution", () => {
    expect(inceptionScoreFromProbabilities(oneHot(new Array(50).fill(3), 10), 50, 10)).toBe(1);
    const soft = new Float32Array(40).fill(0.25);
    expect(inceptionScoreFromProbabilities(soft, 10, 4)).toBeCloseTo(1, 12);
  });

  it("is the exponential of the entropy of p(y) for confident predictions", () => {
    // Classes 0, 0, 0, 1: p(y) = (3/4, 1/4), IS = exp(H) = exp(-(3/4 log 3/4 + 1/4 log 1/4)).
    const expected = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
    expect(inceptionScoreFromProbabilities(oneHot([0, 0, 0, 1], 2), 4, 2)).toBeCloseTo(expected, 12);
  });

  it("matches a hand-computed soft case", () => {
    // Rows (0.9, 0.1) and (0.1, 0.9): p(y) = (0.5, 0.5); KL of each = 0.9 log 1.8 + 0.1 log 0.2.
    const kl = 0.9 * Math.log(1.8) + 0.1 * Math.log(0.2);
    expect(inceptionScoreFromProbabilities([0.9, 0.1, 0.1, 0.9], 2, 2)).toBeCloseTo(Math.exp(kl), 12);
  });

  it("names a size mismatch", () => {
    expect(() => inceptionScoreFromProbabilities([0.5, 0.5, 1], 2, 2)).toThrow("expected n*classes = 2*2 = 4 probabilities, got 3");
  });
});
