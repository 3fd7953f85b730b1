/**
 * Whether a path stays inside a directory once both are resolved: the check behind "a trick's
 * entry point is inside its package folder" and "a queued run writes only under --artifacts".
 * Lexical: resolve symbolic links first (realpath) where they matter.
 */
import path from "node:path";

export function isInside(directory: string, target: string): boolean {
  const relative = path.relative(path.resolve(directory), path.resolve(target));
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
