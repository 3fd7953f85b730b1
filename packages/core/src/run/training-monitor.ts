/**
 * Early signs of a failing GAN (ganhacks "track failures early"), from the values already
 * read on logged steps, so watching costs no read of its own:
 *
 * - the discriminator wins for long: over a window of logged steps it tells real from fake
 *   almost always (`d_acc`) and its loss is far below its value at the equilibrium, so G's
 *   gradient fades (GANs in Action ch. 5; ganhacks #6, #13, #14);
 * - the generator's gradient norm explodes: far above what it was over the first logged
 *   steps, for a window of logged steps.
 *
 * Each warns once per episode: when it starts, and again only after it has cleared.
 */
import { builtinLoss, type LossDeclaration, type LossKind } from "@gan/plan";

export interface MonitorOptions {
  /**
   * The run's loss, a built-in kind or a declaration (a trick's loss): its `winning` says what
   * D's loss is at the equilibrium and where D "wins" (default nonsaturating; none: not judged).
   */
  loss?: LossKind | LossDeclaration;
  /** Logged steps over which D's accuracy and loss are averaged to call it winning (default 20). */
  winningWindow?: number;
  /** Mean D accuracy at or above which D wins (default 0.95). */
  winningAccuracy?: number;
  /** Consecutive logged steps G's gradient norm must explode for (default 5). */
  window?: number;
  /** G's gradient norm above this many times its baseline is "exploding" (default 100). */
  explosionFactor?: number;
  /** How many first logged steps make the baseline (their median; default 5). */
  baselineSteps?: number;
}

export interface Observed {
  step: number;
  d_loss?: number | undefined;
  g_loss?: number | undefined;
  d_acc?: number | undefined;
  g_grad_norm?: number | undefined;
}

/** The defaults of the D-wins warning, shared with `gan doctor`, which judges a finished run the same way. */
export const WINNING_DEFAULTS = { window: 20, accuracy: 0.95 } as const;
/** The defaults of the exploding-gradient warning, shared with `gan doctor`. */
export const EXPLOSION_DEFAULTS = { window: 5, factor: 100, baselineSteps: 5 } as const;

/** The upper median (the middle value; of two, the higher). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** D's mean accuracy and loss over a window of logged steps, and whether that is D winning. */
export function judgeDiscriminator(
  window: readonly { d_loss: number; d_acc: number }[],
  bound: { below: number },
  winningAccuracy: number = WINNING_DEFAULTS.accuracy,
): { accuracy: number; loss: number; winning: boolean } {
  const accuracy = mean(window.map((r) => r.d_acc));
  const loss = mean(window.map((r) => r.d_loss));
  return { accuracy, loss, winning: accuracy >= winningAccuracy && loss < bound.below };
}

type Judged = Required<Pick<Observed, "step" | "d_loss" | "d_acc">> & { g_loss: number | undefined };

export class TrainingMonitor {
  private readonly winning: { equilibrium: number; below: number } | undefined;
  private readonly winningWindow: number;
  private readonly winningAccuracy: number;
  private readonly window: number;
  private readonly explosionFactor: number;
  private readonly baselineSteps: number;
  private readonly baseline: number[] = [];
  private readonly recent: Judged[] = [];
  /** In a D-wins episode: warned, and not yet clear of it. */
  private dWinning = false;
  private gExploding = 0;

  constructor(options: MonitorOptions = {}) {
    const loss = options.loss ?? "nonsaturating";
    this.winning = (typeof loss === "string" ? builtinLoss(loss) : loss).winning;
    this.winningWindow = options.winningWindow ?? WINNING_DEFAULTS.window;
    this.winningAccuracy = options.winningAccuracy ?? WINNING_DEFAULTS.accuracy;
    this.window = options.window ?? EXPLOSION_DEFAULTS.window;
    this.explosionFactor = options.explosionFactor ?? EXPLOSION_DEFAULTS.factor;
    this.baselineSteps = options.baselineSteps ?? EXPLOSION_DEFAULTS.baselineSteps;
  }

  /** Takes one metrics line; returns the warnings it triggers (usually none). */
  observe(line: Observed): string[] {
    const warnings: string[] = [];
    const dWins = this.observeDiscriminator(line);
    if (dWins) warnings.push(dWins);
    const norm = line.g_grad_norm;
    if (norm !== undefined) {
      if (this.baseline.length < this.baselineSteps) {
        this.baseline.push(norm);
      } else {
        const base = median(this.baseline);
        this.gExploding = norm > base * this.explosionFactor ? this.gExploding + 1 : 0;
        if (this.gExploding === this.window) {
          warnings.push(
            `the generator's gradient norm has exploded: ${norm.toPrecision(3)} at step ${line.step}, over ${this.explosionFactor}x ` +
              `its early value ${base.toPrecision(3)} for ${this.window} logged steps (try a lower G learning rate or a gradient penalty)`,
          );
        }
      }
    }
    return warnings;
  }

  /** The D-wins warning when an episode starts with this line, else undefined. */
  private observeDiscriminator(line: Observed): string | undefined {
    if (!this.winning || line.d_loss === undefined || line.d_acc === undefined) return undefined;
    this.recent.push({ step: line.step, d_loss: line.d_loss, d_acc: line.d_acc, g_loss: line.g_loss });
    if (this.recent.length > this.winningWindow) this.recent.shift();
    if (this.recent.length < this.winningWindow) return undefined;
    const { accuracy, loss, winning } = judgeDiscriminator(this.recent, this.winning, this.winningAccuracy);
    if (this.dWinning) {
      // The episode ends only well clear of the thresholds (accuracy 15 points lower, or twice
      // the loss), so a window hovering at them does not warn again and again.
      const clear = accuracy < this.winningAccuracy - 0.15 || loss >= 2 * this.winning.below;
      if (clear) this.dWinning = false;
      return undefined;
    }
    if (!winning) return undefined;
    this.dWinning = true;
    const gLosses = this.recent.flatMap((r) => (r.g_loss === undefined ? [] : [r.g_loss]));
    const gLoss = gLosses.length > 0 ? `, G's loss ${mean(gLosses).toFixed(3)}` : "";
    return (
      `the discriminator is winning: over the ${this.winningWindow} logged steps to step ${line.step} it told real from fake ` +
      `${(accuracy * 100).toFixed(1)}% of the time with a mean loss of ${loss.toFixed(3)} (${this.winning.equilibrium.toFixed(3)} at equilibrium)${gLoss}, ` +
      `so G gets little gradient. Weaken D: one-sided label smoothing (use "@gan/label-smoothing" { real: 0.9 }), ` +
      `instance noise decaying to 0 (use "@gan/instance-noise"), ` +
      `or fewer D updates per G update and a lower D learning rate`
    );
  }
}
