/**
 * Mode collapse (GANs in Action ch. 5; ganhacks #8): the generator covers too few of the
 * data's modes or classes, read from the run's evaluation (eval.json): for a 2-D mixture, modes
 * not captured or a reverse KL as uneven as half the modes empty; for MNIST-shaped images, a
 * classifier score (the effective number of digit classes, at most 10) under COLLAPSED_CLASSES.
 */
import type { EvalReport } from "../eval/evaluate-run.js";
import { shown, suggest, type Detector } from "./finding.js";

/**
 * High-quality samples per mode, on average, below which coverage is not judged: a generator
 * that has not learned the data yet puts a handful of samples near any mode by chance, and
 * missing modes among a handful are no evidence of collapse.
 */
export const MIN_HIGH_QUALITY_PER_MODE = 10;

/** Why the evaluation cannot tell collapse, when it cannot (too few high-quality samples). */
export function coverageUnjudged(report: EvalReport): string | undefined {
  const evaluation = report.metrics;
  if (evaluation.kind !== "mixture") return undefined;
  const highQuality = evaluation.counts.reduce((sum, count) => sum + count, 0);
  if (highQuality >= MIN_HIGH_QUALITY_PER_MODE * evaluation.totalModes) return undefined;
  return (
    `eval.json: only ${highQuality} of ${report.samples} samples are high quality (${shown(evaluation.highQuality * 100)}%), under ${MIN_HIGH_QUALITY_PER_MODE} per mode: ` +
    `the generator has not learned the data yet (train longer), so mode coverage is not judged`
  );
}

/** Reverse KL to the uniform histogram when half of the modes are empty and the rest even: ln 2. */
export const COLLAPSED_REVERSE_KL = Math.log(2);
/** A classifier score under this many classes' worth of diversity is a collapsed image generator. */
export const COLLAPSED_CLASSES = 6;

export const COLLAPSE_TRICKS = [
  { package: "@gan/minibatch-stddev", why: "D sees each batch's spread, so a batch of near-identical samples is easy to reject (ProGAN; minibatch discrimination)" },
  { package: "@gan/pack", why: "D judges packs of samples together, which penalises a generator that covers few modes (PacGAN)" },
  { package: "@gan/replay", why: "D keeps seeing past fakes, so G cannot hop from mode to mode unpunished (ganhacks #8)" },
] as const;

export const modeCollapse: Detector = (run) => {
  const report = run.eval;
  if (!report || coverageUnjudged(report) !== undefined) return undefined;
  const source = `eval.json (${report.steps === null ? "" : `step ${report.steps}, `}${report.samples} samples)`;
  const evaluation = report.metrics;
  let evidence: string;
  if (evaluation.kind === "mixture") {
    const uneven = evaluation.reverseKL === null || evaluation.reverseKL >= COLLAPSED_REVERSE_KL;
    if (evaluation.modes === evaluation.totalModes && !uneven) return undefined;
    evidence =
      `${source}: ${evaluation.modes}/${evaluation.totalModes} modes captured, reverse KL ${evaluation.reverseKL === null ? "undefined (no high-quality sample)" : shown(evaluation.reverseKL)} ` +
      `(0 when every mode is covered evenly; ${shown(COLLAPSED_REVERSE_KL)} when half are empty); high-quality samples per mode: ${evaluation.counts.join(", ")}`;
  } else if (evaluation.kind === "mnist") {
    if (evaluation.classifierScore >= COLLAPSED_CLASSES) return undefined;
    evidence = `${source}: classifier score ${shown(evaluation.classifierScore)} of 10 (about as many digit classes covered; under ${COLLAPSED_CLASSES} is collapse), Fréchet distance ${shown(evaluation.frechetDistance)} (floor ${shown(evaluation.frechetFloor)})`;
  } else {
    // Features other than the MNIST classifier's have no class count to judge collapse by.
    return undefined;
  }
  return {
    kind: "mode-collapse",
    title: "mode collapse: the generator covers too few of the data's modes, with little sample diversity",
    evidence: [evidence],
    tricks: suggest(run, COLLAPSE_TRICKS),
  };
};
