/**
 * The most modes a 2-D mixture may have. The published benchmarks use 8 and 25; a mixture's
 * means are held in memory and searched for every evaluated sample, so a billion modes would
 * exhaust the heap long before training.
 */
export const MAX_MIXTURE_MODES = 100_000;
