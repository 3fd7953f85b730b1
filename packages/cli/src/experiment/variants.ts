/**
 * `gan ablate`'s points: the spec as written, one copy per `use` line with that line taken
 * out, and one copy per added trick with a `use "PKG"` line put in (expand.ts crosses them with
 * the seeds).
 *
 * The edits are made to the text, at the places the parser reports, and the result is
 * compiled like any spec: removing a `use` therefore removes its compile-time rewrites as
 * well (leaky-relu's relu -> leakyrelu, batchnorm's inserted layers), which filtering the
 * plan's `tricks[]` after compilation would not.
 */
import type { SpecNode, UseStatement } from "@gan/dsl";
import { UsageError, UserError } from "@gan/core";
import { expandRuns, type ExpandOptions, type Expanded } from "./expand.js";
import { packageSlug, parsedSpec, useStatements } from "./spec-text.js";

export type VariantChange =
  | { kind: "none" }
  | { kind: "remove"; package: string; line: number }
  | { kind: "add"; package: string; options?: string };

export interface SpecVariant {
  /** A short name, safe in a path: `as-written`, `without-leaky-relu`, `with-ema`. */
  id: string;
  /** For tables: `as written`, `without @gan/leaky-relu`, `with @gan/ema`. */
  label: string;
  change: VariantChange;
  /** The spec text of this variant. */
  text: string;
}

/**
 * `text` without the characters of `use`: when nothing but blanks and a comment is left on
 * its lines, the lines go too (a comment after the use described it).
 */
export function removeUse(text: string, use: UseStatement): string {
  let start = use.span.startOffset;
  let end = use.span.endOffset + 1;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const nextNewline = text.indexOf("\n", end);
  const lineEnd = nextNewline === -1 ? text.length : nextNewline;
  const before = text.slice(lineStart, start);
  const after = text.slice(end, lineEnd);
  if (before.trim() === "" && (after.trim() === "" || /^\s*(\/\/|\/\*)/.test(after))) {
    start = lineStart;
    end = nextNewline === -1 ? lineEnd : lineEnd + 1;
  }
  return text.slice(0, start) + text.slice(end);
}

/** A trick that `--add` puts in: its package, and what follows the name on its `use` line. */
export interface AddedTrick {
  package: string;
  /** The options (and window) as written in a spec, e.g. `{ n: 2 }` or `{ decay: 0.999 } from 1000`; none: the defaults. */
  options?: string;
}

/**
 * An `--add` argument: a package name alone (`@gan/ncritic`: its default options) or followed by
 * the rest of a `use` line (`@gan/ncritic { n: 2 }`). The rest is checked where every option is,
 * by compiling the variant against the trick's schema.
 */
export function parseAddedTrick(argument: string): AddedTrick {
  const match = /^\s*([^\s{"]+)\s*(.*?)\s*$/s.exec(argument);
  const rest = match?.[2] ?? "";
  if (!match || (rest !== "" && !/^(\{|from\b|until\b)/.test(rest))) {
    throw new UsageError(
      `gan ablate: --add '${argument}': give a trick's package name, alone or followed by its options as in a spec, e.g. --add @gan/ema or --add '@gan/ncritic { n: 2 }'`,
    );
  }
  return rest === "" ? { package: match[1]! } : { package: match[1]!, options: rest.replace(/\s+/g, " ") };
}

/** The `use` line of an added trick, without indentation. */
function useLine(trick: AddedTrick): string {
  return `use "${trick.package}"${trick.options !== undefined ? ` ${trick.options}` : ""}`;
}

/** `text` with the `use` line of `trick` (its default options unless it names others) as the last statement of the spec. */
export function addUse(text: string, spec: SpecNode, trick: AddedTrick): string {
  if (!spec.close) throw new UserError("the spec has no closing brace to add a `use` line before");
  const at = spec.close.startOffset;
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const indentation = "  ";
  if (text.slice(lineStart, at).trim() === "") {
    // The brace is on a line of its own: a new line before it.
    return `${text.slice(0, lineStart)}${indentation}${useLine(trick)}\n${text.slice(lineStart)}`;
  }
  return `${text.slice(0, at)}\n${indentation}${useLine(trick)}\n${text.slice(at)}`;
}

export interface VariantOptions {
  /** Tricks to add, one variant each: a package name (default options) or one followed by its options (`parseAddedTrick`). */
  add?: readonly string[];
  /** False: no variant without a `use` line (only the spec as written and the added tricks). */
  removals?: boolean;
  /**
   * Only the variants without these trick packages (`gan ablate --remove`), instead of one per
   * `use` line: a one-trick ablation, such as with and without `@gan/pack`, costs no more
   * than that trick's runs.
   */
  remove?: readonly string[];
}

export function ablationVariants(text: string, file: string, options: VariantOptions = {}): SpecVariant[] {
  const spec = parsedSpec(text, file);
  const uses = useStatements(spec);
  const variants: SpecVariant[] = [{ id: "as-written", label: "as written", change: { kind: "none" }, text }];
  const usedTwice = new Set(uses.map((u) => u.package.value).filter((name, i, all) => all.indexOf(name) !== i));
  const removed = new Set<string>();
  for (const name of options.remove ?? []) {
    if (!uses.some((u) => u.package.value === name)) {
      throw new UsageError(`gan ablate: --remove ${name}: ${file} does not use it (its tricks: ${[...new Set(uses.map((u) => u.package.value))].join(", ") || "none"})`);
    }
    if (removed.has(name)) throw new UsageError(`gan ablate: --remove ${name} is given twice`);
    removed.add(name);
  }
  const removable = options.removals === false ? [] : options.remove ? uses.filter((u) => removed.has(u.package.value)) : uses;
  for (const use of removable) {
    const name = use.package.value;
    const line = use.span.line;
    const twice = usedTwice.has(name);
    variants.push({
      id: `without-${packageSlug(name)}${twice ? `-line${line}` : ""}`,
      label: `without ${name}${twice ? ` (line ${line})` : ""}`,
      change: { kind: "remove", package: name, line },
      text: removeUse(text, use),
    });
  }
  const added = new Set<string>();
  for (const argument of options.add ?? []) {
    const trick = parseAddedTrick(argument);
    const name = trick.package;
    if (uses.some((u) => u.package.value === name)) {
      throw new UsageError(`gan ablate: --add ${name}: ${file} already uses it (line ${uses.find((u) => u.package.value === name)!.span.line}); its variant without it is measured anyway`);
    }
    // The same trick with other options is another variant (`with-ncritic`, `with-ncritic-2` below).
    const shown = useLine(trick).slice("use ".length).replace(/^"([^"]*)"/, "$1");
    if (added.has(shown)) throw new UsageError(`gan ablate: --add ${shown} is given twice`);
    added.add(shown);
    variants.push({
      id: `with-${packageSlug(name)}`,
      label: `with ${shown}`,
      change: { kind: "add", package: name, ...(trick.options !== undefined ? { options: trick.options } : {}) },
      text: addUse(text, spec, trick),
    });
  }
  // @gan/gp and @acme/gp share a slug: number the later ones.
  const seen = new Map<string, number>();
  for (const variant of variants) {
    const count = (seen.get(variant.id) ?? 0) + 1;
    seen.set(variant.id, count);
    if (count > 1) variant.id = `${variant.id}-${count}`;
  }
  return variants;
}

export interface AblationOptions extends ExpandOptions, VariantOptions {
  /** Only the spec as written, over the seeds (its numbers with a standard error, no variants). */
  asWrittenOnly?: boolean;
}

export type Ablation = Expanded<SpecVariant>;

/** Every variant of the spec, compiled, times every seed. */
export async function expandAblation(spec: { text: string; file: string }, options: AblationOptions): Promise<Ablation> {
  const variants = ablationVariants(spec.text, spec.file, {
    ...(options.add ? { add: options.add } : {}),
    ...(options.remove ? { remove: options.remove } : {}),
    ...(options.removals !== undefined ? { removals: options.removals } : {}),
  });
  const chosen = options.asWrittenOnly ? variants.filter((v) => v.change.kind === "none") : variants;
  return expandRuns(chosen, { ...options, file: spec.file, nameInError: (v) => (v.change.kind === "none" ? undefined : `the variant ${v.label}`) });
}
