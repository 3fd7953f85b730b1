/**
 * Numeric failure: a loss became NaN or infinite (the run failed, or logged a null), or G's
 * gradient norm exploded, which is what comes first (ganhacks #1, #4; GANs in Action ch. 5).
 */
import { shown, suggest, type Detector } from "./finding.js";
import { gradientEpisodes } from "./generator-gradient.js";

export const NUMERIC_TRICKS = [
  { package: "@gan/normalize", why: "data in [-1, 1] and a tanh output keep activations and losses in range (ganhacks #1)" },
  { package: "@gan/spectral-norm", why: "bounds each layer of D, so its outputs and gradients cannot blow up (Miyato et al. 2018)" },
  { package: "@gan/gp", why: "a gradient penalty keeps D's gradients near a fixed norm (WGAN-GP, R1)" },
] as const;

/** The losses a metrics line carries; a null there is a loss that was NaN or infinite. */
const LOSSES = ["d_loss", "g_loss"] as const;

export const numericFailure: Detector = (run) => {
  const evidence: string[] = [];
  if (run.status === "failed" && run.error !== undefined && /NaN|infinite/.test(run.error)) evidence.push(`run.json: the run failed: ${run.error}`);
  const nonFinite = run.metrics.filter((line) => LOSSES.some((name) => name in line && !Number.isFinite(line[name])));
  if (nonFinite.length > 0) {
    const first = nonFinite[0]!;
    const which = LOSSES.filter((name) => name in first && !Number.isFinite(first[name])).map((name) => `${name} ${shown(first[name]!)}`);
    evidence.push(`${nonFinite.length} logged step(s) with a NaN or infinite loss, the first at step ${first.step} (${which.join(", ")})`);
  }
  evidence.push(...gradientEpisodes(run.metrics, "exploded"));
  if (evidence.length === 0) return undefined;
  return {
    kind: "numeric-failure",
    title: "numeric failure: values blew up (NaN, infinity, or an exploding generator gradient)",
    evidence,
    tricks: suggest(run, NUMERIC_TRICKS),
    advice: "lower learning rates; continue with `gan train --resume RUN --on-nan rollback`, which returns to the last good checkpoint with the rates halved",
  };
};
