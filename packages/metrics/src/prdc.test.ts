/**
 * Precision, recall, density and coverage on sets small enough to check by hand. Points on
 * a line at integer or half-integer coordinates: every distance is exact in float32, so
 * the ties that separate Kynkäänniemi et al.'s `<=` from Naeem et al.'s `<` are exact too.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { featureMatrix } from "./feature-matrix.js";
import { densityCoverage, nearestNeighbourRadii, precisionRecall } from "./prdc.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const line = (...points: number[]) => featureMatrix(Float32Array.from(points), points.length, 1);

describe("k = 1: real {0, 1, 3}, generated {5, 0}", () => {
  const real = line(0, 1, 3);
  const generated = line(5, 0);

  it("radii are the distance to the nearest other point (squared)", async () => {
    expect([...(await nearestNeighbourRadii(real, 1))]).toEqual([1, 1, 4]);
  });

  it("precision counts a generated point on a real ball's edge (<=), recall every real point within 5 of a generated one", async () => {
    // 5 is at distance 2 from 3, whose ball has radius 2; 0 is a real point.
    expect(await precisionRecall(real, generated, 1)).toEqual({ precision: 1, recall: 1, k: 1 });
  });

  it("density and coverage do not count the edge (<)", async () => {
    // density: 5 is strictly inside no ball, 0 only inside 0's (1 is at distance 1 = its radius): (0 + 1) / (1 * 2).
    // coverage: 0's nearest generated point is 0 (inside); 1's is 0 at its radius; 3's is 5 at its radius: 1 of 3.
    expect(await densityCoverage(real, generated, 1)).toEqual({ density: 0.5, coverage: 1 / 3, k: 1 });
  });
});

describe("defaults (k = 3 and k = 5): real {0, ..., 9}, generated {20, 4.5, 10.5, -3}", () => {
  const real = line(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  const generated = line(20, 4.5, 10.5, -3);

  it("precision: 20 lies outside every ball, -3 on the edge of 0's (radius 3)", async () => {
    expect((await nearestNeighbourRadii(real, 3)).map(Math.sqrt)).toEqual(Float64Array.of(3, 2, 2, 2, 2, 2, 2, 2, 2, 3));
    expect(await precisionRecall(real, generated)).toEqual({ precision: 3 / 4, recall: 1, k: 3 });
  });

  it("density: 4.5 is inside all 10 balls (radii 5 4 3 3 3 3 3 3 4 5), 10.5 inside 2, -3 inside 1; every real ball is covered", async () => {
    expect(await densityCoverage(real, generated)).toEqual({ density: 13 / (5 * 4), coverage: 1, k: 5 });
  });

  it("recall falls when the generated points miss part of the real set", async () => {
    // Generated {0, 1, 2, 3}: radii (k = 3) 3, 2, 2, 3, so real points 0..6 are within reach, 7..9 not.
    expect(await precisionRecall(real, line(0, 1, 2, 3))).toEqual({ precision: 1, recall: 7 / 10, k: 3 });
  });
});

describe("refusals", () => {
  it("needs more than k vectors in a set", async () => {
    await expect(precisionRecall(line(0, 1, 2), line(0, 1, 2, 3))).rejects.toThrow("a k-nearest-neighbour radius with k = 3 needs more than 3 vectors, got 3");
  });
});
