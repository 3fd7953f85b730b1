/**
 * Turns zod's issues into messages a plan's author can act on: one message per problem,
 * at the path of the field to fix, in words ("required field is missing", "unknown field",
 * "must be at least 1, got 0") rather than zod's.
 *
 * Unions need care: zod reports a failed union as one issue holding the issues of every
 * branch. A layer with a misspelt field would then read as "Invalid input". Instead the
 * branch the author meant is picked (the one whose `type`/`kind` matches) and only its
 * issues are reported; when no branch matches, the discriminator is reported as unknown
 * with the values it may take.
 */
import type { z } from "zod";
import type { PathSegment } from "./path.js";

type Issue = z.core.$ZodIssue;

export interface LocatedMessage {
  path: PathSegment[];
  message: string;
}

/** Messages for `issues` raised while parsing `input`; `base` is the path of `input` in the plan. */
export function describeIssues(issues: readonly Issue[], input: unknown, base: PathSegment[] = []): LocatedMessage[] {
  const out: LocatedMessage[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    for (const located of describeIssue(issue, input, base)) {
      // Branches of a union often repeat one another's issues.
      const key = JSON.stringify(located);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(located);
    }
  }
  return out;
}

function describeIssue(issue: Issue, root: unknown, base: PathSegment[]): LocatedMessage[] {
  const path = [...base, ...issue.path.map(toSegment)];
  const relative = path.slice(base.length);
  const value = valueAtPath(root, relative);
  const at = (message: string): LocatedMessage[] => [{ path, message }];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: [...path, key], message: "unknown field" }));
    case "invalid_union":
      return describeUnion(issue, root, base, path);
    case "invalid_type":
      if (value === undefined && isMissing(root, relative)) return at("required field is missing");
      if (issue.expected === "int") return at(`must be an integer, got ${describeValue(value)}`);
      return at(`expected ${withArticle(issue.expected)}, got ${describeValue(value)}`);
    case "too_small":
      return at(`${boundMessage(issue.origin, "at least", "greater than", issue.minimum, issue.inclusive ?? true)}${got(issue.origin, value)}`);
    case "too_big":
      return at(`${boundMessage(issue.origin, "at most", "less than", issue.maximum, issue.inclusive ?? true)}${got(issue.origin, value)}`);
    case "invalid_value": {
      const expected = issue.values.map((v) => JSON.stringify(v));
      const what = expected.length === 1 ? `must be ${expected[0]}` : `must be one of ${expected.join(", ")}`;
      return at(`${what}, got ${describeValue(value)}`);
    }
    case "invalid_format":
      return at(issue.pattern !== undefined ? `must match ${issue.pattern}, got ${describeValue(value)}` : `must be a valid ${issue.format}`);
    default:
      // Refinements (`custom`) carry their own sentence, e.g. "must be a finite number".
      return at(issue.message);
  }
}

function describeUnion(issue: Extract<Issue, { code: "invalid_union" }>, root: unknown, base: PathSegment[], path: PathSegment[]): LocatedMessage[] {
  const relative = path.slice(base.length);
  const value = valueAtPath(root, relative);
  // A discriminated union found no branch for the value of its discriminator (the path ends at it).
  if (issue.errors.length === 0) {
    const options = "options" in issue && issue.options ? issue.options.map((o) => JSON.stringify(o)).join(", ") : "";
    const expected = options ? `: expected one of ${options}` : "";
    if (value === undefined) return [{ path, message: `required field is missing${expected}` }];
    return [{ path, message: `unknown value ${describeValue(value)}${expected}` }];
  }
  const branches = issue.errors;

  // A plain union of objects told apart by a literal field (layers by `type`): the field at
  // which every branch but at most one reports a wrong literal.
  const discriminator = findDiscriminator(branches);
  if (discriminator !== undefined) {
    const matching = branches.filter((branch) => !hasWrongLiteral(branch, discriminator));
    if (matching.length === 1) return describeIssues(matching[0]!, value, path);
    if (matching.length === 0) {
      const values = branches.flatMap((branch) =>
        branch.flatMap((i) => (i.code === "invalid_value" && sameKey(i.path, discriminator) ? i.values : [])),
      );
      const discriminatorValue = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[discriminator] : undefined;
      const expected = `expected one of ${[...new Set(values)].map((v) => JSON.stringify(v)).join(", ")}`;
      const message =
        discriminatorValue === undefined ? `required field is missing: ${expected}` : `unknown value ${describeValue(discriminatorValue)}: ${expected}`;
      return [{ path: [...path, discriminator], message }];
    }
  }

  // Otherwise the branch that got furthest into the value is the one the author meant
  // (a schedule object with a bad field, rather than "expected a number").
  const depth = (branch: readonly Issue[]) => Math.max(...branch.map((i) => i.path.length));
  const best = [...branches].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
  if (depth(best) > 0) return describeIssues(best, value, path);

  // Every branch refused the value as a whole: say what it may be.
  const expected = [...new Set(branches.flatMap((b) => b.flatMap((i) => (i.code === "invalid_type" ? [withArticle(i.expected)] : []))))];
  if (expected.length === branches.length) return [{ path, message: `expected ${expected.join(" or ")}, got ${describeValue(value)}` }];
  return describeIssues(best, value, path);
}

function findDiscriminator(branches: readonly (readonly Issue[])[]): string | undefined {
  if (branches.length < 2) return undefined;
  const counts = new Map<string, number>();
  for (const branch of branches) {
    const keys = new Set(branch.flatMap((i) => (i.code === "invalid_value" && i.path.length === 1 && typeof i.path[0] === "string" ? [i.path[0]] : [])));
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [key, count] of counts) if (count >= branches.length - 1) return key;
  return undefined;
}

function hasWrongLiteral(branch: readonly Issue[], key: string): boolean {
  return branch.some((i) => i.code === "invalid_value" && sameKey(i.path, key));
}

function sameKey(path: readonly PropertyKey[], key: string): boolean {
  return path.length === 1 && path[0] === key;
}

function boundMessage(origin: string, inclusiveWord: string, exclusiveWord: string, bound: number | bigint, inclusive: boolean): string {
  switch (origin) {
    case "array":
    case "set":
      return `must have ${inclusiveWord} ${bound} item${bound === 1 ? "" : "s"}`;
    case "string":
      if (inclusiveWord === "at least" && bound === 1) return "must not be empty";
      return `must have ${inclusiveWord} ${bound} character${bound === 1 ? "" : "s"}`;
    default:
      return `must be ${inclusive ? inclusiveWord : exclusiveWord} ${bound}`;
  }
}

function got(origin: string, value: unknown): string {
  if (Array.isArray(value)) return `, got ${value.length}`;
  if (origin === "string") return "";
  return `, got ${describeValue(value)}`;
}

/** A zod type name as a message says it: `int` -> "an integer", `array` -> "a list", `number` -> "a number". */
export function withArticle(expected: string): string {
  switch (expected) {
    case "int":
      return "an integer";
    case "array":
    case "tuple":
      return "a list";
    case "object":
    case "record":
      return "an object";
    default:
      return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
  }
}

/** A value as shown in a message: scalars as JSON, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "an object";
  return JSON.stringify(value) ?? String(value);
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === "number" ? key : String(key);
}

function valueAtPath(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** True when the last key of `path` is absent from an object that exists. */
function isMissing(root: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return false;
  const parent = valueAtPath(root, path.slice(0, -1));
  return parent !== null && typeof parent === "object" && !Object.hasOwn(parent, path[path.length - 1]!);
}
