/**
 * Oscillation without progress (GANs in Action ch. 5: "the losses oscillate instead of
 * converging"; ganhacks #10): over the second half of the run a loss, smoothed over
 * SMOOTHING logged steps to take out the minibatch noise, swings up and down repeatedly by a
 * large part of its own size and ends where it was. A loss that trends (D improving, G
 * catching up) is progress, and noise around a level is not a swing.
 */
import { mean, median } from "@gan/core/runtime";
import { series, shown, suggest, type Detector, type MetricsLine } from "./finding.js";

/** Logged steps in the moving average. */
export const SMOOTHING = 5;
/** A swing spans at least this fraction of the loss's median size. */
export const SWING_FRACTION = 0.5;
/** Down-and-up swings (band to band) that make an oscillation rather than one change of level. */
export const MIN_SWINGS = 3;

export const OSCILLATION_TRICKS = [
  { package: "@gan/ema", why: "an average of G's weights over the last steps sits in the middle of the oscillation (Yazici et al. 2019)" },
  { package: "@gan/gp", why: "an R1 penalty on D's gradient damps the rotation around the equilibrium (Mescheder et al. 2018)" },
  { package: "@gan/spectral-norm", why: "a D with bounded slopes changes less from step to step, so G has a steadier target" },
] as const;

function movingAverage(values: readonly number[], width: number): number[] {
  return values.slice(width - 1).map((_, i) => mean(values.slice(i, i + width)));
}

/** The evidence of an oscillating loss, or undefined. */
export function oscillationOf(metrics: readonly MetricsLine[], name: string): string | undefined {
  const points = series(metrics, name).filter((point) => Number.isFinite(point.value));
  const half = points.slice(Math.floor(points.length / 2));
  if (half.length < 4 * SMOOTHING) return undefined;
  const smooth = movingAverage(
    half.map((point) => point.value),
    SMOOTHING,
  );
  const size = median(half.map((point) => Math.abs(point.value)));
  const low = Math.min(...smooth);
  const high = Math.max(...smooth);
  const amplitude = high - low;
  if (size === 0 || amplitude < SWING_FRACTION * size) return undefined;
  // A swing goes from the top quarter of the range to the bottom quarter, or back.
  let side: "high" | "low" | undefined;
  let swings = 0;
  for (const value of smooth) {
    const now = value >= high - amplitude / 4 ? "high" : value <= low + amplitude / 4 ? "low" : side;
    if (side !== undefined && now !== side) swings++;
    side = now;
  }
  const quarter = Math.floor(smooth.length / 4);
  const drift = Math.abs(mean(smooth.slice(-quarter)) - mean(smooth.slice(0, quarter)));
  if (swings < MIN_SWINGS || drift >= amplitude / 4) return undefined;
  return (
    `${name}, steps ${half[0]!.step}-${half.at(-1)!.step}: ${swings} swings between ${shown(low)} and ${shown(high)} ` +
    `(averaged over ${SMOOTHING} logged steps; ${shown((amplitude / size) * 100)}% of its median size ${shown(size)}), ending ${shown(drift)} from where it started`
  );
}

export const oscillation: Detector = (run) => {
  const evidence = ["d_loss", "g_loss"].flatMap((name) => oscillationOf(run.metrics, name) ?? []);
  if (evidence.length === 0) return undefined;
  return {
    kind: "oscillation",
    title: "oscillation without progress: the losses swing back and forth instead of settling",
    evidence,
    tricks: suggest(run, OSCILLATION_TRICKS),
    advice: "lower learning rates (G's especially, or a decaying schedule), so each player overshoots less",
  };
};
