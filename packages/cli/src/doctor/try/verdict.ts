/**
 * Whether a trick helped, against the control, on the same seeds: each seed's try with the
 * trick is paired with the control's try of that seed (same data and latent streams, same
 * starting weights). Better on every seed: helped; worse on every seed: hurt; equal on every
 * seed: the next measure decides; anything else: no clear difference. Two seeds that agree
 * are weak evidence and the report says how many seeds it rests on.
 */
import { shown } from "../finding.js";
import type { TryMeasure } from "./measures.js";

export type VerdictKind = "helped" | "hurt" | "no clear difference" | "not measured";

export interface Verdict {
  kind: VerdictKind;
  /** The measure that decided, when one did. */
  measure?: string;
  /** `modes captured 2 -> 5 (seed 1), 3 -> 6 (seed 2)`. */
  evidence: string;
}

/** Values of one measure per seed (null: the try has no value). */
export type SeedValues = ReadonlyMap<number, number | null>;

export function verdict(measures: readonly TryMeasure[], control: readonly SeedValues[], variant: readonly SeedValues[]): Verdict {
  let lastTie: Verdict | undefined;
  for (const [i, measure] of measures.entries()) {
    const pairs = [...variant[i]!.entries()].flatMap(([seed, value]) => {
      const base = control[i]!.get(seed);
      return value === null || base === null || base === undefined ? [] : [{ seed, base, value }];
    });
    if (pairs.length === 0) continue;
    const sign = measure.better === "higher" ? 1 : -1;
    const gains = pairs.map(({ base, value }) => sign * (value - base));
    const evidence = `${measure.title} ${pairs.map(({ seed, base, value }) => `${shown(base)} -> ${shown(value)} (seed ${seed})`).join(", ")}`;
    if (gains.every((gain) => gain === 0)) {
      lastTie = { kind: "no clear difference", measure: measure.name, evidence: `${evidence}: equal` };
      continue;
    }
    if (gains.every((gain) => gain > 0)) return { kind: "helped", measure: measure.name, evidence };
    if (gains.every((gain) => gain < 0)) return { kind: "hurt", measure: measure.name, evidence };
    return { kind: "no clear difference", measure: measure.name, evidence: `${evidence}: better on some seeds, worse on others` };
  }
  return lastTie ?? { kind: "not measured", evidence: "no try of this variant and of the control has a value to compare" };
}
