/** Linear maps between value ranges: how image bytes in [0, 1] become [-1, 1] for a tanh generator. */

export type Range = [number, number];

export interface RangeMap {
  /** The range values end up in: `target`, or the native range when there is no target. */
  target: Range | null;
  apply(value: number): number;
}

export function formatRange(range: readonly [number, number]): string {
  return `[${range[0]}, ${range[1]}]`;
}

/**
 * The affine map taking `native` onto `target` (lo to lo, hi to hi); the identity when either
 * is null or they are equal. A reversed target ([1, -1]) is allowed and flips values.
 */
export function createRangeMap(native: Range | null, target: Range | null): RangeMap {
  if (native === null || target === null || (native[0] === target[0] && native[1] === target[1])) {
    return { target: target ?? native, apply: (value) => value };
  }
  if (native[0] === native[1]) throw new Error(`cannot map the empty range ${formatRange(native)} onto ${formatRange(target)}`);
  const [lo, hi] = native;
  const [to, th] = target;
  const scale = (th - to) / (hi - lo);
  // Written so that both ends map exactly onto the target's ends.
  return { target, apply: (value) => (value === hi ? th : to + (value - lo) * scale) };
}

/** Maps values from `range` back to `native` (samples of a generator back to [0, 1] pixels). */
export function invertRange(native: Range, range: Range): RangeMap {
  return createRangeMap(range, native);
}
