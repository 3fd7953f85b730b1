/**
 * One text per value, whatever the order its object keys were written in, so that a plan
 * has one hash: the run directory stores it, and resuming compares it.
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted (by UTF-16 code units, as `Array.prototype.sort` does) and no
 * whitespace. As in `JSON.stringify`, object fields whose value is `undefined` are left out
 * and `undefined` in a list becomes `null`; values JSON cannot hold (NaN, Infinity, bigint,
 * functions) are refused rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "");
}

function write(value: unknown, path: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} at ${path || "the root"} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? "null" : write(item, `${path}[${i}]`))).join(",")}]`;
  }
  if (typeof value === "object") {
    const fields = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], `${path}.${key}`)}`);
    return `{${fields.join(",")}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} at ${path || "the root"} cannot be written as JSON`);
}

/**
 * sha256 (hex) of the plan's canonical JSON. Hash a validated plan (`validatePlan(...).plan`):
 * defaults and shapes are then filled in, so a plan written by hand and the same plan
 * compiled from a `.gan` file hash alike.
 */
export function planHash(plan: unknown): string {
  return createHash("sha256").update(canonicalJson(plan), "utf8").digest("hex");
}
