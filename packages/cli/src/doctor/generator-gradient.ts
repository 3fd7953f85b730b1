/**
 * The generator's gradient norm (`g_grad_norm`, logged on every logged step) against its
 * early value, the median of the first logged steps, as `gan train`'s exploding-gradient
 * warning measures it (EXPLOSION_DEFAULTS: baseline steps, factor, consecutive logged steps).
 */
import { EXPLOSION_DEFAULTS, median } from "@gan/core/runtime";
import { episodes, series, shown } from "./finding.js";

/** Vanishing is the mirror image of exploding: under 1/factor of the early value. */
export type GradientDeparture = "exploded" | "vanished";

/** Evidence lines, one per episode of at least EXPLOSION_DEFAULTS.window consecutive logged steps. */
export function gradientEpisodes(metrics: Parameters<typeof series>[0], departure: GradientDeparture): string[] {
  const norms = series(metrics, "g_grad_norm").filter((point) => Number.isFinite(point.value));
  const { baselineSteps, factor, window } = EXPLOSION_DEFAULTS;
  if (norms.length < baselineSteps + window) return [];
  const base = median(norms.slice(0, baselineSteps).map((point) => point.value));
  const judged = norms.slice(baselineSteps);
  const away = judged.map(({ value }) => (departure === "exploded" ? value > base * factor : value < base / factor));
  return episodes(away)
    .filter(([first, last]) => last - first + 1 >= window)
    .map(([first, last]) => {
      const values = judged.slice(first, last + 1).map((point) => point.value);
      const extreme = departure === "exploded" ? Math.max(...values) : Math.min(...values);
      return (
        `steps ${judged[first]!.step}-${judged[last]!.step} (${last - first + 1} logged steps): G's gradient norm ${departure === "exploded" ? "up to" : "down to"} ` +
        `${shown(extreme)}, ${departure === "exploded" ? `over ${factor}x` : `under 1/${factor} of`} its early value ${shown(base)} (median of the first ${baselineSteps} logged steps)`
      );
    });
}
