/**
 * Paths into a plan, written the way a user reads them in an error message:
 * `networks.generator.layers[2].units`. Keys that are not plain identifiers are quoted
 * (`options["max-norm"]`) so that every path reads back to exactly one place.
 */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
