/**
 * The Fréchet distance and KID against numpy/scipy on the same float32 feature matrices:
 * fixtures/reference.json, written by fixtures/make-reference.py (pytorch-fid's
 * calculate_frechet_distance; torch-fidelity's and clean-fid's unbiased polynomial MMD).
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { featureMatrix, selectRows, type FeatureMatrix } from "./feature-matrix.js";
import { featureStatistics, frechetDistance } from "./frechet.js";
import { kernelInceptionDistance, meanAndStd, polynomialMmd } from "./kid.js";
import { densityCoverage, precisionRecall } from "./prdc.js";

interface Reference {
  d: number;
  real: number[];
  generated: number[];
  frechetDistance: number;
  frechetDistanceSelf: number;
  mmdFirst200: number;
  mmdSelf: number;
  kidSubsets: { generated: number[]; real: number[] }[];
  kidMean: number;
  kidStd: number;
  prdc: { precision: number; recall: number; density: number; coverage: number };
}

const reference = JSON.parse(readFileSync(new URL("../fixtures/reference.json", import.meta.url), "utf8")) as Reference;
const d = reference.d;
const real = featureMatrix(Float32Array.from(reference.real), reference.real.length / d, d);
const generated = featureMatrix(Float32Array.from(reference.generated), reference.generated.length / d, d);
const rows = (matrix: FeatureMatrix, first: number, end: number) => selectRows(matrix, Array.from({ length: end - first }, (_, i) => first + i));
const fd = (a: FeatureMatrix, b: FeatureMatrix) => frechetDistance(featureStatistics(a.values, a.n, a.d), featureStatistics(b.values, b.n, b.d));

/** |actual - expected| <= 1e-4 |expected|, the agreement the issue asks for. */
function expectRelative(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-4 * Math.abs(expected));
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("agreement with numpy/scipy (fixtures/reference.json)", () => {
  it("Fréchet distance: 240 real against 200 generated 16-d vectors", () => {
    expectRelative(fd(real, generated), reference.frechetDistance);
  });

  it("Fréchet distance: two halves of the real set (a small distance)", () => {
    expectRelative(fd(rows(real, 0, 120), rows(real, 120, 240)), reference.frechetDistanceSelf);
  });

  it("unbiased polynomial MMD on whole sets, far apart and near", async () => {
    expectRelative(await polynomialMmd(generated, rows(real, 0, 200)), reference.mmdFirst200);
    expectRelative(await polynomialMmd(rows(real, 0, 120), rows(real, 120, 240)), reference.mmdSelf);
  });

  it("KID mean and standard deviation over numpy's subsets", async () => {
    const estimates = [];
    for (const subset of reference.kidSubsets) estimates.push(await polynomialMmd(selectRows(generated, subset.generated), selectRows(real, subset.real)));
    const { mean, std } = meanAndStd(estimates);
    expectRelative(mean, reference.kidMean);
    expectRelative(std!, reference.kidStd);
  });

  it("kernelInceptionDistance with one subset of every vector is the MMD of the whole sets", async () => {
    const kid = await kernelInceptionDistance(rows(real, 0, 200), generated, { subsets: 1, subsetSize: 200 });
    expect(kid).toMatchObject({ subsets: 1, subsetSize: 200, std: null });
    expectRelative(kid.mean, reference.mmdFirst200);
  });

  it("precision, recall (k = 3), density and coverage (k = 5) as the authors' code computes them", async () => {
    // Counts of vectors: the fractions agree exactly unless a distance sits on a radius.
    expect({ ...(await precisionRecall(real, generated)), ...(await densityCoverage(real, generated)) }).toMatchObject({
      ...reference.prdc,
      density: expect.closeTo(reference.prdc.density, 12),
    });
  });
});
