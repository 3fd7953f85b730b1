/**
 * "Did you mean ...?": the nearest known word to one that is not known.
 *
 * Distance is Damerau-Levenshtein (optimal string alignment: a swap of two neighbouring
 * letters, `desne` for `dense`, costs one edit, as a typist would count it), compared
 * case-insensitively. A word is suggested only when it is close for its length, so that a
 * short unknown word is not matched to something unrelated.
 */
import { ACTIVATION_ALIASES, WRITTEN_LAYER_KINDS } from "@gan/plan";

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows are enough for the transposition step.
  let twoBack = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, twoBack[j - 2]! + 1);
      current[j] = best;
    }
    [twoBack, previous, current] = [previous, current, twoBack];
  }
  return previous[b.length]!;
}

/** The most edits allowed for a word of this length to still count as a typo. */
function allowedEdits(length: number): number {
  if (length <= 2) return 0;
  if (length <= 5) return 1;
  if (length <= 8) return 2;
  return 3;
}

/**
 * The known word nearest to `word`, or undefined when none is near enough. `aliases` maps
 * words from other tools (PyTorch's `conv2d`, Keras' `BatchNormalization`) to ours; they are
 * matched case-insensitively and exactly.
 */
export function closest(word: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | undefined {
  const lower = word.toLowerCase();
  const alias = aliases[lower];
  if (alias !== undefined && candidates.includes(alias)) return alias;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= allowedEdits(Math.max(lower.length, best.length)) ? best : undefined;
}

/** `, did you mean 'x'?` or `` (to append to a message). */
export function didYouMean(word: string, candidates: readonly string[], aliases?: Readonly<Record<string, string>>): string {
  const suggestion = closest(word, candidates, aliases);
  return suggestion === undefined ? "" : `, did you mean '${suggestion}'?`;
}

/** `a, b or c` */
export function listWords(words: readonly string[], conjunction = "or"): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} ${conjunction} ${words[words.length - 1]}`;
}

/** `'a', 'b' or 'c'` */
export function listQuoted(words: readonly string[], conjunction = "or"): string {
  return listWords(
    words.map((word) => `'${word}'`),
    conjunction,
  );
}

/** Names from PyTorch, Keras and papers, mapped to the words of the language (from each layer kind's definition). */
export const LAYER_ALIASES: Readonly<Record<string, string>> = Object.assign(
  {},
  ...WRITTEN_LAYER_KINDS.map((kind) => kind.syntax.aliases ?? {}),
  ACTIVATION_ALIASES,
) as Record<string, string>;
