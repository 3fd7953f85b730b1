/**
 * The progress of a whole sweep: one bar over every run's steps, redrawn in place on a
 * terminal; elsewhere (a log file, CI) a plain line each time a run starts, ends or fails.
 */
export interface SweepCounts {
  total: number;
  finished: number;
  failed: number;
  running: number;
  /** Steps done over all runs (finished runs count whole), and the steps of the whole sweep. */
  stepsDone: number;
  stepsTotal: number;
}

export interface ProgressTarget {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export class SweepProgress {
  private readonly startedAt = performance.now();
  private firstFraction: number | undefined;
  private drawn = false;
  private lastPlain = "";
  private last: SweepCounts | undefined;

  constructor(private readonly target: ProgressTarget) {}

  line(counts: SweepCounts, bar: boolean): string {
    const fraction = counts.stepsTotal > 0 ? Math.min(1, counts.stepsDone / counts.stepsTotal) : 0;
    this.firstFraction ??= fraction;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const gained = fraction - this.firstFraction;
    const eta = gained > 0 ? (elapsed * (1 - fraction)) / gained : Number.NaN;
    const waiting = counts.total - counts.finished - counts.failed - counts.running;
    const parts = [
      `${counts.finished + counts.failed}/${counts.total} runs done`,
      ...(counts.failed > 0 ? [`${counts.failed} failed`] : []),
      `${counts.running} running`,
      `${waiting} waiting`,
      `${(fraction * 100).toFixed(0)}%`,
      `elapsed ${duration(elapsed)}`,
      ...(fraction < 1 && Number.isFinite(eta) ? [`ETA ${duration(eta)}`] : []),
    ];
    const text = parts.join("  ");
    if (!bar) return text;
    const columns = this.target.columns ?? 100;
    const width = Math.min(30, columns - 1 - text.length - 3);
    if (width < 10) return text.slice(0, columns - 1);
    const filled = Math.round(fraction * width);
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`;
  }

  update(counts: SweepCounts): void {
    this.last = counts;
    if (this.target.isTTY) {
      this.target.write(`\r${this.line(counts, true)}\x1b[K`);
      this.drawn = true;
      return;
    }
    // Plain lines only when runs start, end or fail: the step count alone would repeat the line every poll.
    const key = `${counts.finished}/${counts.failed}/${counts.running}`;
    if (key === this.lastPlain) return;
    this.lastPlain = key;
    this.target.write(`${this.line(counts, false)}\n`);
  }

  /** A line of its own, above the bar. */
  log(text: string): void {
    this.clear();
    this.target.write(text.endsWith("\n") ? text : `${text}\n`);
    if (this.target.isTTY && this.last) this.update(this.last);
  }

  /** Leaves the last bar on the terminal. */
  finish(): void {
    if (this.drawn) this.target.write("\n");
    this.drawn = false;
  }

  private clear(): void {
    if (this.drawn) {
      this.target.write("\r\x1b[K");
      this.drawn = false;
    }
  }
}
