/**
 * An evaluation as people read it: a table for `gan eval`, one line for the end of `gan train`.
 */
import type { EvalReport } from "./evaluate-run.js";

function fixed(value: number | null, digits: number): string {
  return value === null ? "n/a (no high-quality sample)" : value.toFixed(digits);
}

/** The report as a two-column table for a terminal. */
export function formatEvalTable(report: EvalReport): string {
  const m = report.metrics;
  const rows: [string, string][] = [];
  if (m.kind === "mixture") {
    rows.push(
      ["modes captured", `${m.modes} / ${m.totalModes}`],
      ["high quality", `${(m.highQuality * 100).toFixed(1)}%  (within 3 std = ${+(3 * m.std).toPrecision(3)} of a mean)`],
      ["reverse KL", fixed(m.reverseKL, 4)],
    );
  } else {
    rows.push(
      ["Fréchet distance", `${m.frechetDistance.toFixed(3)}  (classifier features, against the MNIST test split)`],
      ["floor", `${m.frechetFloor.toFixed(3)}  (${report.samples} MNIST training images against the test split)`],
      ["classifier score", `${m.classifierScore.toFixed(3)}  (of 10)`],
    );
    if (m.clippedPixels > 0) rows.push(["clipped pixels", `${m.clippedPixels} outside [0, 1]`]);
  }
  const weights = `${report.weightsFrom}${report.ema ? " (EMA weights, @gan/ema)" : ""}`;
  rows.push(
    ["samples", `${report.samples} (seed ${report.seed})`],
    ["weights", `${weights}, step ${report.steps ?? "?"}`],
  );
  const width = Math.max(...rows.map(([name]) => name.length));
  return `${report.name}\n${rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join("\n")}\n`;
}

/**
 * The evaluation in one line, the last of `gan train`:
 * `ring8: 8/8 modes, 61.2% high quality, reverse KL 0.012 (2,500 samples)`.
 */
export function formatEvalLine(report: EvalReport): string {
  const m = report.metrics;
  const figures =
    m.kind === "mixture"
      ? `${m.modes}/${m.totalModes} modes, ${(m.highQuality * 100).toFixed(1)}% high quality, reverse KL ${m.reverseKL === null ? "n/a" : m.reverseKL.toFixed(3)}`
      : `Fréchet distance ${m.frechetDistance.toFixed(2)} (floor ${m.frechetFloor.toFixed(2)}), classifier score ${m.classifierScore.toFixed(2)} of 10`;
  const weights = report.ema ? ", EMA weights" : "";
  return `${report.name}: ${figures} (${report.samples.toLocaleString("en")} samples${weights})`;
}
