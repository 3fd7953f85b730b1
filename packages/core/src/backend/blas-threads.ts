/**
 * Which OpenBLAS thread count a resumed run uses. OpenBLAS splits a matrix product
 * differently per thread count, so the same run on 1 and on 2 threads differs in the last
 * bits of its losses from the first steps on: a resume continues bit-identically only on the
 * thread count the run recorded (run.json's backend.blasThreads).
 */

export interface BlasThreadsChoice {
  /** The count to set; undefined to leave the library at its default (one thread per core). */
  threads?: number;
  /** Told to the user when GAN_BLAS_THREADS overrides the run's recorded count. */
  note?: string;
}

/**
 * The run's `recorded` count, unless GAN_BLAS_THREADS (`explicit`, already parsed) says
 * otherwise: then that one, with a note that the losses will differ from an uninterrupted
 * run. A run recorded before the count was (no `recorded`) resumes as the environment says.
 */
export function resumeBlasThreads(recorded: number | undefined, explicit: number | undefined): BlasThreadsChoice {
  if (explicit === undefined) return recorded === undefined ? {} : { threads: recorded };
  // Set again even though the loader applied it: the library is loaded once per process, and
  // an earlier resume in this process may have changed its count since.
  if (recorded === undefined || explicit === recorded) return { threads: explicit };
  return {
    threads: explicit,
    note:
      `resumed on ${explicit} BLAS thread${explicit === 1 ? "" : "s"} (GAN_BLAS_THREADS) where the run recorded ${recorded}: ` +
      "its losses differ in the last bits from an uninterrupted run's",
  };
}
