/**
 * Reading a spec's text for the edits that make an experiment's variants (variants.ts takes
 * `use` lines out or puts them in, grid.ts sets their options): the edits are made at the
 * places the parser reports, so the parse must succeed first.
 */
import { parse, type SpecNode, type UseStatement } from "@gan/dsl";
import { UserError } from "@gan/core";

/** A `use` statement that names its package (one the parser recovered without it has none). */
export type NamedUse = UseStatement & { package: NonNullable<UseStatement["package"]> };

/** The spec's syntax tree; its first syntax error, with file:line:column, when it does not parse. */
export function parsedSpec(text: string, file: string): SpecNode {
  const { ast, diagnostics } = parse(text, file);
  const error = diagnostics.find((d) => d.severity === "error");
  if (!ast || error) {
    throw new UserError(`${file}:${error?.line ?? 1}:${error?.column ?? 1}: ${error?.message ?? "the spec cannot be parsed"} (gan check ${file} shows every error)`);
  }
  return ast;
}

export function useStatements(spec: SpecNode): NamedUse[] {
  return spec.statements.filter((s): s is NamedUse => s.kind === "use" && s.package !== undefined);
}

/** The last path segment of a package name, as a path-safe word: `@gan/leaky-relu` -> `leaky-relu`. */
export function packageSlug(name: string): string {
  return (name.split("/").pop() ?? name).replace(/[^A-Za-z0-9._-]/g, "_");
}
