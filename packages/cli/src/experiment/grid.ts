/**
 * `gan sweep`'s points: the spec with trick options set to every combination of the `--grid`
 * values (expand.ts compiles them and crosses them with the seeds).
 *
 * Options are set in the spec's text, in the `use` line of the trick (its `{ ... }` gets the
 * key, or the key's value is replaced), and the result is compiled like any spec: the
 * trick's schema validates the value at compile time with the usual file:line:column
 * diagnostics, and compile-time rewrites that read the option (leaky-relu's alpha) see the
 * new value, which editing the plan's tricks[].options after compilation would not give.
 *
 * Run ids are every experiment's (expand.ts): `<point>-s<seed>-<plan hash>`.
 */
import { UsageError, UserError } from "@gan/core";
import type { ObjectValue } from "@gan/dsl";
import { expandRuns, type ExpandOptions, type Expanded, type ExperimentPoint } from "./expand.js";
import { packageSlug, parsedSpec, useStatements, type NamedUse } from "./spec-text.js";

/** One `--grid PKG.OPTION=V1,V2,...`: the values as `.gan` source text. */
export interface GridAxis {
  package: string;
  option: string;
  values: string[];
}

/** One combination of grid values: what a run's spec sets. `id` is path-safe (`gp.lambda-1_ncritic.n-5`), `label` for tables (`@gan/gp.lambda=1 @gan/ncritic.n=5`). */
export interface GridPoint extends ExperimentPoint {
  settings: { package: string; option: string; value: string }[];
}

export interface Sweep extends Expanded<GridPoint> {
  axes: GridAxis[];
}

/** Splits at commas outside brackets, parentheses, braces and quotes: `linear(1 -> 0, until 9),2`. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

/**
 * A bare word is a string to the user (`kind=r1,wgan-gp`) but not to the language, which
 * wants it quoted; numbers, booleans, quoted strings, lists, objects and schedules stay as written.
 */
function valueSource(value: string): string {
  if (/^[A-Za-z_][\w-]*$/.test(value) && value !== "true" && value !== "false") return JSON.stringify(value);
  return value;
}

/** `@gan/gp.lambda=1,10` -> { package: "@gan/gp", option: "lambda", values: ["1", "10"] }. */
export function parseGridFlag(flag: string): GridAxis {
  const match = /^(.+)\.([A-Za-z_][\w]*)=(.*)$/s.exec(flag);
  if (!match) throw new UsageError(`gan sweep: --grid '${flag}' is not PACKAGE.OPTION=VALUE,VALUE,... (e.g. --grid "@gan/gp.lambda=1,10")`);
  const [, packageName, option, list] = match as unknown as [string, string, string, string];
  const values = splitTopLevel(list);
  if (values.some((value) => value === "")) throw new UsageError(`gan sweep: --grid '${flag}' has an empty value`);
  const repeated = values.find((value, i) => values.indexOf(value) !== i);
  if (repeated !== undefined) throw new UsageError(`gan sweep: --grid '${flag}' lists ${repeated} twice`);
  return { package: packageName, option, values: values.map(valueSource) };
}

/** Checks every axis against the spec's use lines: each names a trick used exactly once. */
export function checkAxes(text: string, file: string, axes: readonly GridAxis[]): void {
  const uses = useStatements(parsedSpec(text, file));
  const seen = new Set<string>();
  for (const axis of axes) {
    const key = `${axis.package}.${axis.option}`;
    if (seen.has(key)) throw new UsageError(`gan sweep: --grid ${key} is given twice`);
    seen.add(key);
    const lines = uses.filter((use) => use.package.value === axis.package).map((use) => use.span.line);
    if (lines.length === 0) {
      const used = uses.map((use) => use.package.value);
      throw new UserError(
        `--grid ${key}: ${file} does not use the trick ${axis.package} ` +
          `(${used.length > 0 ? `it uses ${used.join(", ")}` : "it has no use lines"}); add \`use "${axis.package}"\` to the spec to sweep its options`,
      );
    }
    if (lines.length > 1) throw new UserError(`--grid ${key}: ${file} uses ${axis.package} on lines ${lines.join(" and ")}, so it is not clear which to set`);
  }
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function editsForUse(use: NamedUse, settings: readonly { option: string; value: string }[]): Edit[] {
  const options: ObjectValue | undefined = use.options;
  const edits: Edit[] = [];
  const added: string[] = [];
  for (const { option, value } of settings) {
    const entry = options?.entries.find((e) => e.key.text === option);
    if (entry?.value) edits.push({ start: entry.value.span.startOffset, end: entry.value.span.endOffset + 1, text: value });
    else added.push(`${option}: ${value}`);
  }
  if (added.length === 0) return edits;
  if (!options) {
    edits.push({ start: use.package.span.endOffset + 1, end: use.package.span.endOffset + 1, text: ` { ${added.join(", ")} }` });
  } else if (options.entries.length > 0) {
    const last = options.entries.at(-1)!;
    const end = (last.value?.span ?? last.span).endOffset + 1;
    edits.push({ start: end, end, text: `, ${added.join(", ")}` });
  } else {
    if (!options.close) throw new UserError(`the options of ${use.package.value} on line ${use.span.line} have no closing brace`);
    edits.push({ start: options.close.startOffset, end: options.close.startOffset, text: ` ${added.join(", ")} ` });
  }
  return edits;
}

/** `text` with each setting's option set in the use line of its trick (checked by checkAxes). */
export function setUseOptions(text: string, file: string, settings: readonly { package: string; option: string; value: string }[]): string {
  const uses = useStatements(parsedSpec(text, file));
  const edits: Edit[] = [];
  for (const use of uses) {
    const mine = settings.filter((s) => s.package === use.package.value);
    if (mine.length > 0) edits.push(...editsForUse(use, mine));
  }
  // From the end backwards, so the offsets of the edits still to make stay valid.
  edits.sort((a, b) => b.start - a.start);
  let result = text;
  for (const edit of edits) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}

function cartesian<T>(lists: readonly (readonly T[])[]): T[][] {
  return lists.reduce<T[][]>((combos, list) => combos.flatMap((combo) => list.map((item) => [...combo, item])), [[]]);
}

function slugValue(value: string): string {
  return value.replace(/^"(.*)"$/, "$1").replace(/[^A-Za-z0-9.-]+/g, "_").replace(/^_|_$/g, "");
}

export async function expandSweep(spec: { text: string; file: string }, axes: readonly GridAxis[], options: ExpandOptions): Promise<Sweep> {
  if (axes.length === 0) throw new UsageError("gan sweep: give at least one --grid PACKAGE.OPTION=VALUE,VALUE,...");
  checkAxes(spec.text, spec.file, axes);
  const points = cartesian(axes.map((axis) => axis.values.map((value) => ({ package: axis.package, option: axis.option, value })))).map(
    (combo): GridPoint => ({
      id: combo.map((s) => `${packageSlug(s.package)}.${s.option}-${slugValue(s.value)}`).join("_"),
      label: combo.map((s) => `${s.package}.${s.option}=${s.value}`).join(" "),
      // A sweep point changes option values, not which tricks are used: no ablation change.
      change: { kind: "none" },
      settings: combo,
      text: setUseOptions(spec.text, spec.file, combo),
    }),
  );
  const repeatedId = points.find((p, i) => points.findIndex((q) => q.id === p.id) !== i);
  if (repeatedId) throw new UsageError(`gan sweep: two grid points have the same name ${repeatedId.id}; give values that differ in letters or digits`);
  const expanded = await expandRuns(points, { ...options, file: spec.file, nameInError: (point) => `the sweep point ${point.label}` });
  return { ...expanded, axes: [...axes] };
}
