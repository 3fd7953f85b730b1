/**
 * Values of the language -> JSON: arithmetic evaluated, schedules turned into the plan's
 * schedule objects, and problems reported at the sub-expression that causes them.
 */
import type { JsonValue, Schedule } from "@gan/plan";
import type { BinaryExpression, Expression, ObjectValue, Span, Value } from "./ast.js";

/** Reports a problem at a span (the lowering decides whether a line is quiet). */
export type Report = (span: Span | undefined, message: string) => void;

/** A number as shown in a message: short, but exact for what a user writes. */
export function showNumber(value: number): string {
  // Beyond 2^53 digits are noise: 1e20, as the user wrote it, rather than 100000000000000000000.
  if (!Number.isSafeInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) return Number(value.toPrecision(6)).toExponential();
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/**
 * The value of an arithmetic expression, or undefined after a reported problem (or a part
 * missing after a syntax error, which the parser has already reported).
 */
export function evaluate(expression: Expression | undefined, report: Report): number | undefined {
  if (expression === undefined) return undefined;
  switch (expression.kind) {
    case "number":
      if (!Number.isFinite(expression.value)) {
        report(expression.span, `the number ${expression.text} is too large`);
        return undefined;
      }
      return expression.value;
    case "paren":
      return evaluate(expression.expression, report);
    case "unary": {
      const operand = evaluate(expression.operand, report);
      if (operand === undefined) return undefined;
      return expression.operator === "-" ? -operand : operand;
    }
    case "binary": {
      // `a + b + c + ...` is a tree as deep as it is long: it is walked down its left spine
      // and folded back up in a loop, so a long sum cannot exhaust the stack.
      const spine: BinaryExpression[] = [];
      let leftmost: Expression = expression;
      while (leftmost.kind === "binary") {
        spine.push(leftmost);
        leftmost = leftmost.left;
      }
      let result = evaluate(leftmost, report);
      for (let i = spine.length - 1; i >= 0; i--) {
        const node = spine[i]!;
        const right = evaluate(node.right, report);
        if (result === undefined || right === undefined) return undefined;
        result = applyOperator(node, result, right, report);
      }
      return result;
    }
  }
}

function applyOperator(node: BinaryExpression, left: number, right: number, report: Report): number | undefined {
  let result: number;
  switch (node.operator) {
    case "+":
      result = left + right;
      break;
    case "-":
      result = left - right;
      break;
    case "*":
      result = left * right;
      break;
    case "/":
      if (right === 0) {
        report(node.right?.span ?? node.span, "division by zero");
        return undefined;
      }
      result = left / right;
      break;
  }
  if (!Number.isFinite(result)) {
    report(node.span, "the result is too large to be a number");
    return undefined;
  }
  return result;
}

export function isExpression(value: Value | undefined): value is Expression {
  return value !== undefined && (value.kind === "number" || value.kind === "unary" || value.kind === "binary" || value.kind === "paren");
}

/** An integer >= `min` (1 for sizes, 0 for steps), or undefined after reporting what is wrong. */
export function integerAtLeast(expression: Expression | undefined, min: number, what: string, report: Report): number | undefined {
  const value = evaluate(expression, report);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) {
    const kind = min >= 1 ? "a positive integer" : "an integer >= 0";
    report(expression!.span, `${what} must be ${kind}, got ${showNumber(value)}`);
    return undefined;
  }
  // Past 2^53 integers are no longer exact (1e20 + 1 === 1e20): no count, size or seed can be.
  if (!Number.isSafeInteger(value)) {
    report(expression!.span, `${what} must be at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1), got ${showNumber(value)}`);
    return undefined;
  }
  return value;
}

/** What the lowering of values needs to know about the run. */
export interface ValueContext {
  /** `train { steps }`, when known: schedules without `until` end there, and none may end later. */
  steps: number | undefined;
  report: Report;
}

/** A value as JSON: schedules become `{ schedule: ... }` objects. Undefined after a reported problem. */
export function toJson(value: Value | undefined, context: ValueContext): JsonValue | undefined {
  if (value === undefined) return undefined;
  switch (value.kind) {
    case "number":
    case "unary":
    case "binary":
    case "paren":
      return evaluate(value, context.report);
    case "string":
    case "boolean":
      return value.value;
    case "list": {
      const items = value.items.map((item) => toJson(item, context));
      return items.every((item) => item !== undefined) ? (items as JsonValue[]) : undefined;
    }
    case "object": {
      const entries = objectEntries(value, context);
      return entries === undefined ? undefined : Object.fromEntries([...entries].map(([key, entry]) => [key, entry.json]));
    }
    case "ramp":
    case "step":
      return lowerSchedule(value, context);
  }
}

/** The entries of an object, by key; a key given twice is reported. Undefined if any value failed. */
export function objectEntries(
  object: ObjectValue,
  context: ValueContext,
): Map<string, { json: JsonValue; keySpan: Span; value: Value }> | undefined {
  const out = new Map<string, { json: JsonValue; keySpan: Span; value: Value }>();
  let ok = true;
  for (const entry of object.entries) {
    if (out.has(entry.key.text)) {
      context.report(entry.key.span, `'${entry.key.text}' is given twice`);
      ok = false;
      continue;
    }
    const json = toJson(entry.value, context);
    if (json === undefined || entry.value === undefined) {
      ok = false;
      continue;
    }
    out.set(entry.key.text, { json, keySpan: entry.key.span, value: entry.value });
  }
  return ok ? out : undefined;
}

function scheduleName(value: Value): string {
  return value.kind === "ramp" ? value.curve : "step";
}

/**
 * `linear(a -> b, from M until N)` -> `{ schedule: "linear", from: a, to: b, start: M, end: N }`,
 * `step(a, b at N)` -> `{ schedule: "step", initial: a, changes: [{ at: N, value: b }] }`.
 * The steps must lie inside the run: a schedule that ends after the last step would never
 * finish, which is almost always a mistake in `steps` or in the schedule.
 */
export function lowerSchedule(value: Extract<Value, { kind: "ramp" | "step" }>, context: ValueContext): Schedule | undefined {
  const { report, steps } = context;
  const name = scheduleName(value);
  const insideRun = (at: number, span: Span | undefined, what: string, allowEnd: boolean): boolean => {
    if (steps === undefined) return true;
    if (at > steps || (!allowEnd && at === steps)) {
      report(span, `${name}(...) ${what} at step ${at}, ${at === steps ? "when" : "after"} the run ends (steps ${steps})`);
      return false;
    }
    return true;
  };
  if (value.kind === "ramp") {
    const from = evaluate(value.from, report);
    const to = evaluate(value.to, report);
    const start = value.start === undefined ? 0 : integerAtLeast(value.start, 0, `the first step of ${name}(...)`, report);
    let end: number | undefined;
    if (value.end !== undefined) end = integerAtLeast(value.end, 0, `the last step of ${name}(...)`, report);
    else if (steps !== undefined) end = steps;
    else {
      report(value.span, `${name}(...) needs 'until STEP' when the spec has no train { steps }`);
      return undefined;
    }
    if (from === undefined || to === undefined || start === undefined || end === undefined) return undefined;
    let ok = true;
    if (value.start !== undefined) ok = insideRun(start, value.start.span, "starts", false) && ok;
    if (value.end !== undefined) ok = insideRun(end, value.end.span, "ends", true) && ok;
    if (ok && end <= start) {
      report(value.end?.span ?? value.span, `${name}(...) must end after it starts: until ${end} is not after from ${start}`);
      ok = false;
    }
    return ok ? { schedule: value.curve, from, to, start, end } : undefined;
  }
  const initial = evaluate(value.initial, report);
  if (value.changes.length === 0 && value.initial !== undefined) {
    report(value.span, "step(...) needs at least one change: step(0.1, 0.01 at 5000)");
    return undefined;
  }
  const changes: { at: number; value: number }[] = [];
  let ok = initial !== undefined;
  let previous: number | undefined;
  for (const change of value.changes) {
    const changeValue = evaluate(change.value, report);
    const at = integerAtLeast(change.at, 0, "the step of a change", report);
    if (changeValue === undefined || at === undefined) {
      ok = false;
      continue;
    }
    if (!insideRun(at, change.at?.span, "changes", false)) ok = false;
    else if (previous !== undefined && at <= previous) {
      report(change.at?.span, `the changes of step(...) must be in increasing order of step: ${at} comes after ${previous}`);
      ok = false;
    }
    previous = at;
    changes.push({ at, value: changeValue });
  }
  return ok && initial !== undefined ? { schedule: "step", initial, changes } : undefined;
}

/**
 * The span of what `path` points at inside `value`: the key of an object entry when the path
 * ends at it, the deepest node it can reach otherwise.
 */
export function locate(value: Value, path: readonly (string | number)[]): Span {
  let current: Value = value;
  let span = value.span;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (current.kind === "object") {
      const entry = current.entries.find((e) => e.key.text === String(segment));
      if (entry === undefined) return span;
      if (last || entry.value === undefined) return entry.key.span;
      current = entry.value;
      span = entry.value.span;
    } else if (current.kind === "list" && typeof segment === "number") {
      const item = current.items[segment];
      if (item === undefined) return span;
      current = item;
      span = item.span;
    } else return span;
  }
  return span;
}
