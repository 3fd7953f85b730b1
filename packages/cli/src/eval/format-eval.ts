/**
 * An evaluation as people read it: a table for `gan eval`, one line for the end of `gan train`,
 * and the rows that report.html shows. Every figure on features says which features.
 */
import type { FeatureFigures } from "./feature-evaluation.js";
import type { EvalReport, Evaluation } from "./evaluate-run.js";
import { rejectionSamplingText } from "./rejection-flags.js";

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function fixed(value: number | null, digits: number): string {
  return value === null ? "n/a (no high-quality sample)" : value.toFixed(digits);
}

/** KID's mean ± the spread of its subset estimates (torch-fidelity's ±), and the mean's standard error. */
function kidText(kid: FeatureFigures["kid"]): string {
  if (kid.std === null || kid.standardError === null) return kid.mean.toFixed(5);
  return `${kid.mean.toFixed(5)} ± ${kid.std.toFixed(5)}  (± std over ${kid.subsets} subsets of ${kid.subsetSize}; standard error ${kid.standardError.toFixed(5)})`;
}

/** The feature metrics as (name, value) rows, the features and the reference named first. */
export function featureFigureRows(figures: FeatureFigures): [string, string][] {
  const k = (value: number) => `k = ${value}`;
  return [
    ["features", `${figures.features.description}, ${figures.features.dimension}-d  [${figures.features.id}]`],
    ["against", figures.reference.description],
    ["Fréchet distance", figures.fd.toFixed(3)],
    ["KID", kidText(figures.kid)],
    ["precision", `${figures.precision.toFixed(4)}  (${k(figures.precisionRecallK)}, Kynkäänniemi et al.)`],
    ["recall", `${figures.recall.toFixed(4)}  (${k(figures.precisionRecallK)})`],
    ["density", `${figures.density.toFixed(4)}  (${k(figures.densityCoverageK)}, Naeem et al.)`],
    ["coverage", `${figures.coverage.toFixed(4)}  (${k(figures.densityCoverageK)})`],
  ];
}

/** The metric rows of an evaluation: what `gan eval` prints and report.html shows. */
export function evaluationRows(m: Evaluation, samples: number): [string, string][] {
  if (m.kind === "mixture") {
    return [
      ["modes captured", `${m.modes} / ${m.totalModes}`],
      ["high quality", `${(m.highQuality * 100).toFixed(1)}%  (within 3 std = ${+(3 * m.std).toPrecision(3)} of a mean)`],
      ["reverse KL", fixed(m.reverseKL, 4)],
    ];
  }
  const rows: [string, string][] = [];
  if (m.kind === "mnist") {
    rows.push(
      ["Fréchet distance", `${m.frechetDistance.toFixed(3)}  (MNIST classifier features, against the MNIST test split)`],
      ["floor", `${m.frechetFloor.toFixed(3)}  (${samples} MNIST training images against the test split)`],
      ["classifier score", `${m.classifierScore.toFixed(3)}  (of 10)`],
    );
    if (m.classMatch !== undefined) rows.push(["class match", `${percent(m.classMatch)}  (samples the classifier puts in the class they were generated for)`]);
    if (m.figures) rows.push(...featureFigureRows(m.figures).filter(([name]) => name !== "Fréchet distance"));
  } else {
    rows.push(...featureFigureRows(m.figures));
  }
  if (m.clippedPixels > 0) rows.push(["clipped pixels", `${m.clippedPixels} outside [0, 1]`]);
  return rows;
}

/** The report as a two-column table for a terminal. */
export function formatEvalTable(report: EvalReport): string {
  const rows = evaluationRows(report.metrics, report.samples);
  const weights = `${report.weightsFrom}${report.ema ? " (EMA weights, @gan/ema)" : ""}`;
  rows.push(
    ["samples", `${report.samples} (seed ${report.seed})`],
    ["weights", `${weights}, step ${report.steps ?? "?"}`],
  );
  if (report.rejectionSampling) rows.push(["filtered by", rejectionSamplingText(report.rejectionSampling)]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return `${report.name}\n${rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join("\n")}\n`;
}

/**
 * The evaluation in one line, the last of `gan train`:
 * `ring8: 8/8 modes, 61.2% high quality, reverse KL 0.012 (2,500 samples)`.
 */
export function formatEvalLine(report: EvalReport): string {
  const m = report.metrics;
  let figures: string;
  if (m.kind === "mixture") {
    figures = `${m.modes}/${m.totalModes} modes, ${(m.highQuality * 100).toFixed(1)}% high quality, reverse KL ${m.reverseKL === null ? "n/a" : m.reverseKL.toFixed(3)}`;
  } else if (m.kind === "mnist") {
    figures = `Fréchet distance ${m.frechetDistance.toFixed(2)} (floor ${m.frechetFloor.toFixed(2)}), classifier score ${m.classifierScore.toFixed(2)} of 10`;
    if (m.classMatch !== undefined) figures += `, class match ${percent(m.classMatch)}`;
    if (m.figures) figures += `, KID ${m.figures.kid.mean.toFixed(4)}, precision ${m.figures.precision.toFixed(3)}, recall ${m.figures.recall.toFixed(3)} (MNIST classifier features)`;
  } else {
    const f = m.figures;
    figures = `on ${f.features.id} features: Fréchet distance ${f.fd.toFixed(2)}, KID ${f.kid.mean.toFixed(4)}, precision ${f.precision.toFixed(3)}, recall ${f.recall.toFixed(3)}, density ${f.density.toFixed(3)}, coverage ${f.coverage.toFixed(3)}`;
  }
  const weights = report.ema ? ", EMA weights" : "";
  const drs = report.rejectionSampling ? `, DRS at the ${report.rejectionSampling.percentile}th percentile kept ${(report.rejectionSampling.acceptance * 100).toFixed(1)}%` : "";
  return `${report.name}: ${figures} (${report.samples.toLocaleString("en")} samples${weights}${drs})`;
}
