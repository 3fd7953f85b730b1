/**
 * Training progress for a person watching: on a terminal one line redrawn in place (step,
 * losses, steps/s, ETA); elsewhere (CI logs, files) a plain line every N steps.
 *
 * Losses are only known on logged steps (the loop reads nothing in between), so the line
 * shows the last logged values while the step counter and speed move on.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  totalSteps: number;
  /** Step the run starts from (after a resume). */
  startStep: number;
  /** Non-terminal output: a line every this many steps. */
  lineEvery: number;
  /** Forces the terminal (true) or plain (false) form; by default the stream's isTTY. */
  tty?: boolean;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(rest).padStart(2, "0")}s`;
  return `${rest}s`;
}

function formatLoss(value: number | undefined): string {
  if (value === undefined) return "-";
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(2) : value.toFixed(4);
}

/** Redraws at most this often on a terminal: drawing costs more than a small step. */
const REDRAW_MS = 100;

export class Progress {
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private losses: { d?: number; g?: number } = {};
  private warning: string | undefined;
  private drawn = false;
  private lastLine = -1;
  /** Seconds of evaluations in this session: not training, so not in steps/s and the ETA's rate. */
  private evaluationSeconds = 0;

  constructor(private readonly options: ProgressOptions) {
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
  }

  /** Records the losses of a logged step. */
  setLosses(d: number | undefined, g: number | undefined): void {
    if (d !== undefined) this.losses.d = d;
    if (g !== undefined) this.losses.g = g;
  }

  warn(message: string): void {
    this.warning = message;
    this.note(`warning: ${message}`);
  }

  /** A line of its own (on a terminal it would be overdrawn at once). */
  note(text: string): void {
    this.clearLine();
    this.options.stream.write(`${text}\n`);
  }

  /** An evaluation during training: its line, and its seconds kept out of the training rate. */
  evaluated(text: string, seconds: number): void {
    this.evaluationSeconds += seconds;
    this.note(text);
  }

  /** Called after each step with the number of steps completed. */
  update(stepsDone: number, force = false): void {
    const { totalSteps, lineEvery } = this.options;
    if (this.tty) {
      const t = this.now();
      if (!force && t - this.lastDraw < REDRAW_MS && stepsDone < totalSteps) return;
      this.lastDraw = t;
      this.options.stream.write(`\r${this.line(stepsDone, true)}\x1b[K`);
      this.drawn = true;
      return;
    }
    if (stepsDone === this.lastLine) return;
    if (force || stepsDone % lineEvery === 0 || stepsDone === totalSteps) {
      this.lastLine = stepsDone;
      this.options.stream.write(`${this.line(stepsDone, false)}\n`);
    }
  }

  /** Ends the terminal line (before other output, and at the end). */
  finish(): void {
    this.clearLine();
  }

  private clearLine(): void {
    if (this.tty && this.drawn) {
      this.options.stream.write("\n");
      this.drawn = false;
    }
  }

  private rate(stepsDone: number): number {
    const elapsed = (this.now() - this.startedAt) / 1000 - this.evaluationSeconds;
    const done = stepsDone - this.options.startStep;
    return elapsed > 0 && done > 0 ? done / elapsed : 0;
  }

  line(stepsDone: number, bar: boolean): string {
    const { totalSteps } = this.options;
    const width = String(totalSteps).length;
    const rate = this.rate(stepsDone);
    const eta = rate > 0 ? (totalSteps - stepsDone) / rate : Number.NaN;
    const parts = [
      `step ${String(stepsDone).padStart(width)}/${totalSteps}`,
      `D ${formatLoss(this.losses.d)}`,
      `G ${formatLoss(this.losses.g)}`,
      `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(2)} steps/s`,
      `ETA ${stepsDone >= totalSteps ? "0s" : formatDuration(eta)}`,
    ];
    let text = parts.join("  ");
    if (bar) {
      const columns = this.options.stream.columns ?? 100;
      // The bar takes what room the numbers leave (none on a narrow terminal), never the numbers' room.
      const barWidth = Math.min(30, columns - 1 - text.length - 3);
      if (barWidth >= 10) {
        const filled = Math.round((stepsDone / totalSteps) * barWidth);
        text = `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${text}`;
      }
      if (this.warning) text += `  ! ${this.warning}`;
      if (text.length > columns - 1) text = text.slice(0, columns - 1);
    }
    return text;
  }
}
