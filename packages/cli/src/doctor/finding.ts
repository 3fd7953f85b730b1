/**
 * What `gan doctor` reports: a failure named in the words of the training-tips chapter
 * ("GANs in Action" ch. 5) and Soumith Chintala's ganhacks, the evidence read from the run
 * (steps and values), and the trick packages that address it.
 */
import type { Loss } from "@gan/plan";
import type { EvalReport } from "../eval/evaluate-run.js";

export type FailureKind = "mode-collapse" | "discriminator-winning" | "vanishing-gradients" | "oscillation" | "numeric-failure";

export interface TrickSuggestion {
  /** A trick package: `use "<package>"` in the spec. */
  package: string;
  /** One line: why it addresses this failure. */
  why: string;
  /** The run's spec already uses it (then its options, not its presence, are the question). */
  inSpec: boolean;
}

export interface Finding {
  kind: FailureKind;
  /** The failure, as the chapter names it. */
  title: string;
  /** Each line names the steps and the values it read. */
  evidence: string[];
  tricks: TrickSuggestion[];
  /** What helps besides a trick (a learning rate, the loss, a flag), when anything does. */
  advice?: string;
}

/** One logged line of metrics.jsonl; a NaN value was written as null (JSON has no NaN). */
export type MetricsLine = Record<string, number> & { step: number };

/** What the detectors read from a run. */
export interface RunEvidence {
  metrics: readonly MetricsLine[];
  loss: Loss;
  /** The run's `use` lines, by package. */
  tricksInSpec: readonly string[];
  eval?: EvalReport | undefined;
  /** run.json's status and error, when the run wrote one. */
  status?: string | undefined;
  error?: string | undefined;
}

export type Detector = (run: RunEvidence) => Finding | undefined;

/** The suggestions for a failure, each marked when the spec already uses it. */
export function suggest(run: RunEvidence, tricks: readonly { package: string; why: string }[]): TrickSuggestion[] {
  return tricks.map((trick) => ({ ...trick, inSpec: run.tricksInSpec.includes(trick.package) }));
}

/** The values of one metric on the logged steps that have it (finite or not). */
export function series(metrics: readonly MetricsLine[], name: string): { step: number; value: number }[] {
  return metrics.flatMap((line) => (name in line ? [{ step: line.step, value: line[name]! }] : []));
}

/** Runs of consecutive indices where `flags` is true, as [first, last] index pairs. */
export function episodes(flags: readonly boolean[]): [number, number][] {
  const found: [number, number][] = [];
  let start = -1;
  flags.forEach((flag, i) => {
    if (flag && start < 0) start = i;
    if (!flag && start >= 0) {
      found.push([start, i - 1]);
      start = -1;
    }
  });
  if (start >= 0) found.push([start, flags.length - 1]);
  return found;
}

/** 3 significant digits, the way evidence quotes a logged value. */
export const shown = (value: number): string => (Number.isFinite(value) ? Number(value.toPrecision(3)).toString() : String(value));
