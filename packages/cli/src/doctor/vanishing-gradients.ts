/**
 * Vanishing generator gradients (GANs in Action ch. 5; ganhacks #2, #5): G's gradient norm
 * falls far below its early value and stays there, so G stops learning. Typical of the
 * minimax loss once D is confident, and of sparse gradients through ReLU and max pooling.
 */
import { suggest, type Detector } from "./finding.js";
import { gradientEpisodes } from "./generator-gradient.js";

export const VANISHING_TRICKS = [
  { package: "@gan/leaky-relu", why: "leaky ReLUs pass a gradient through every unit, where ReLUs pass none (ganhacks #5)" },
  { package: "@gan/instance-noise", why: "noise on D's inputs makes the distributions overlap, so D's gradient toward the data does not vanish (ganhacks #13)" },
  { package: "@gan/label-smoothing", why: "a D that is never fully confident does not saturate G's loss (ganhacks #6)" },
  { package: "@gan/gp", why: "with loss wasserstein, a gradient penalty keeps the critic's gradient informative everywhere (WGAN-GP)" },
] as const;

export const vanishingGradients: Detector = (run) => {
  const evidence = gradientEpisodes(run.metrics, "vanished");
  if (evidence.length === 0) return undefined;
  return {
    kind: "vanishing-gradients",
    title: "vanishing generator gradients: the generator's gradient has faded, so it has stopped learning",
    evidence,
    tricks: suggest(run, VANISHING_TRICKS),
    ...(run.loss.kind === "minimax" ? { advice: "loss nonsaturating: G maximises log D(G(z)), whose gradient does not vanish when D rejects its samples (ganhacks #2)" } : {}),
  };
};
