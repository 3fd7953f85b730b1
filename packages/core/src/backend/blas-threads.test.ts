import { describe, expect, test } from "vitest";
import { resumeBlasThreads } from "./blas-threads.js";

describe("the BLAS thread count of a resume", () => {
  test("is the run's recorded count when GAN_BLAS_THREADS is unset", () => {
    expect(resumeBlasThreads(1, undefined)).toEqual({ threads: 1 });
    expect(resumeBlasThreads(4, undefined)).toEqual({ threads: 4 });
  });

  test("is GAN_BLAS_THREADS when it says otherwise, with a note that the losses will differ", () => {
    expect(resumeBlasThreads(2, 1)).toEqual({
      threads: 1,
      note: "resumed on 1 BLAS thread (GAN_BLAS_THREADS) where the run recorded 2: its losses differ in the last bits from an uninterrupted run's",
    });
    expect(resumeBlasThreads(1, 3).note).toMatch(/^resumed on 3 BLAS threads \(GAN_BLAS_THREADS\) where the run recorded 1: /);
  });

  test("needs no note when GAN_BLAS_THREADS agrees with the run", () => {
    expect(resumeBlasThreads(2, 2)).toEqual({ threads: 2 });
  });

  test("leaves a run that recorded no count (older runs, other libraries) as the environment says", () => {
    expect(resumeBlasThreads(undefined, undefined)).toEqual({});
    expect(resumeBlasThreads(undefined, 2)).toEqual({ threads: 2 });
  });
});
