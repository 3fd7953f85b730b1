/**
 * How tabular data (csv, npy) is scaled, feature by feature, over the whole file: `none` keeps
 * the numbers, `minmax` maps each feature's minimum and maximum onto [0, 1] (then `range` or
 * @gan/normalize maps that on, as for images), `standard` gives each feature mean 0 and
 * standard deviation 1.
 */
import type { JsonValue } from "../primitives.js";
import type { Range } from "./kind.js";

export const TABULAR_SCALES = ["none", "minmax", "standard"] as const;
export type TabularScale = (typeof TABULAR_SCALES)[number];

export function tabularNativeRange(fields: Record<string, JsonValue>): Range | null {
  return fields.scale === "minmax" ? [0, 1] : null;
}
