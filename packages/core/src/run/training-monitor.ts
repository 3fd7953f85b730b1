/**
 * Early signs of a failing GAN (ganhacks "track failures early"), from the values already
 * read on logged steps, so watching costs no read of its own:
 *
 * - the discriminator's loss stays near 0 (it wins outright; G gets no useful gradient);
 * - the generator's gradient norm explodes: far above what it was over the first logged
 *   steps, for a window of logged steps.
 *
 * Each warns once when its window fills, and again only after it has cleared.
 */
export interface MonitorOptions {
  /** Consecutive logged steps a condition must hold for (default 5). */
  window?: number;
  /** |d_loss| below this is "near 0" (default 1e-3). */
  nearZero?: number;
  /** G's gradient norm above this many times its baseline is "exploding" (default 100). */
  explosionFactor?: number;
  /** How many first logged steps make the baseline (their median; default 5). */
  baselineSteps?: number;
}

interface Observed {
  step: number;
  d_loss?: number | undefined;
  g_grad_norm?: number | undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export class TrainingMonitor {
  private readonly window: number;
  private readonly nearZero: number;
  private readonly explosionFactor: number;
  private readonly baselineSteps: number;
  private readonly baseline: number[] = [];
  private dNearZero = 0;
  private gExploding = 0;

  constructor(options: MonitorOptions = {}) {
    this.window = options.window ?? 5;
    this.nearZero = options.nearZero ?? 1e-3;
    this.explosionFactor = options.explosionFactor ?? 100;
    this.baselineSteps = options.baselineSteps ?? 5;
  }

  /** Takes one metrics line; returns the warnings it triggers (usually none). */
  observe(line: Observed): string[] {
    const warnings: string[] = [];
    if (line.d_loss !== undefined) {
      this.dNearZero = Math.abs(line.d_loss) < this.nearZero ? this.dNearZero + 1 : 0;
      if (this.dNearZero === this.window) {
        warnings.push(
          `the discriminator's loss has stayed near 0 (< ${this.nearZero}) for ${this.window} logged steps, up to step ${line.step}: ` +
            `D wins outright and G learns nothing (try label smoothing, instance noise or a lower D learning rate)`,
        );
      }
    }
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
}
