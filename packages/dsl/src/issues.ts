/**
 * Zod issues, raised by the plan's schemas on options written in a spec, as the end of a
 * sentence that names the option: "must be less than 1, got 1.5".
 */
import { withArticle, type AdamSchema } from "@gan/plan";
import { didYouMean } from "./suggest.js";
import { showNumber } from "./values.js";

/** A zod issue (typed through a plan schema, so that this package needs no zod of its own). */
export type SchemaIssue = NonNullable<ReturnType<(typeof AdamSchema)["safeParse"]>["error"]>["issues"][number];

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return showNumber(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "schedule" in value ? `a ${String(value.schedule)} schedule` : "an object";
  return String(value);
}

/** `must be at least 1, got 0`; `value` is what the issue's path points at. */
export function issueText(issue: SchemaIssue, value: unknown): string {
  const got = `, got ${describeValue(value)}`;
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return "is required";
      return `must be ${withArticle(issue.expected)}${got}`;
    case "too_small":
      if (issue.origin === "array") return `must have at least ${String(issue.minimum)} item${issue.minimum === 1 ? "" : "s"}`;
      if (issue.origin === "string") return "must not be empty";
      return `must be ${issue.inclusive === false ? "greater than" : "at least"} ${String(issue.minimum)}${got}`;
    case "too_big":
      if (issue.origin === "array") return `must have at most ${String(issue.maximum)} items`;
      return `must be ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}${got}`;
    case "invalid_value": {
      const choices = issue.values.map((v) => JSON.stringify(v));
      const suggestion = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : "";
      return `must be ${choices.length === 1 ? choices[0] : `one of ${choices.join(", ")}`}${got}${suggestion}`;
    }
    case "invalid_union":
      // Only `lr` is a union here: a number or a schedule.
      return `must be a number or a schedule${got}`;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

export function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
