/**
 * "D is winning" (GANs in Action ch. 5; ganhacks #6, #13, #14): D tells real from fake almost
 * always, with a loss far below its equilibrium, for long, so G's gradient fades. The same
 * test as the live warning of `gan train` (TrainingMonitor): D's mean accuracy and loss over
 * a window of logged steps, with its thresholds; here every window of the finished run is judged.
 */
import { WINNING_DEFAULTS, judgeDiscriminator } from "@gan/core/runtime";
import { builtinLoss } from "@gan/plan";
import { episodes, shown, suggest, type Detector } from "./finding.js";

export const WINNING_TRICKS = [
  { package: "@gan/label-smoothing", why: "real targets 0.9: D is never rewarded for full confidence (ganhacks #6)" },
  { package: "@gan/instance-noise", why: "noise on D's inputs, decaying to 0, blurs real and fake where D would separate them too early (ganhacks #13)" },
  { package: "@gan/label-noise", why: "occasionally flipped labels keep D from becoming certain (ganhacks #6)" },
] as const;

export const discriminatorWinning: Detector = (run) => {
  // A critic's loss has no equilibrium to be far below; a trick's loss is not loaded here.
  const bound = run.loss.kind === "trick" ? undefined : builtinLoss(run.loss.kind).winning;
  if (bound === undefined) return undefined;
  const judged = run.metrics.flatMap(({ step, d_loss, d_acc }) =>
    d_loss !== undefined && d_acc !== undefined && Number.isFinite(d_loss) && Number.isFinite(d_acc) ? [{ step, d_loss, d_acc }] : [],
  );
  const size = WINNING_DEFAULTS.window;
  if (judged.length < size) return undefined;
  const windows = judged.slice(size - 1).map((_, i) => judgeDiscriminator(judged.slice(i, i + size), bound));
  const found = episodes(windows.map((w) => w.winning));
  if (found.length === 0) return undefined;
  const evidence = found.map(([first, last]) => {
    const from = judged[first]!.step;
    const to = judged[last + size - 1]!.step;
    const strongest = windows.slice(first, last + 1).reduce((a, b) => (b.loss < a.loss ? b : a));
    return (
      `steps ${from}-${to} (${last - first + size} logged steps): at its strongest, over ${size} logged steps, D told real from fake ` +
      `${shown(strongest.accuracy * 100)}% of the time with a mean loss of ${shown(strongest.loss)} (${shown(bound.equilibrium)} at equilibrium; D wins at ` +
      `${WINNING_DEFAULTS.accuracy * 100}% and under ${bound.below})`
    );
  });
  return {
    kind: "discriminator-winning",
    title: "the discriminator is winning: it tells real from fake almost always, so the generator gets little gradient",
    evidence,
    tricks: suggest(run, WINNING_TRICKS),
    advice: "fewer D updates per G update, or a lower D learning rate",
  };
};
