/**
 * How to start `gan` again in a child process (an experiment's runs, a worker's jobs): the
 * same Node, flags and entry point as this process, from sources or built.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

const TSX_SPECIFIER = /^tsx(\/|$)|[\\/]tsx[\\/]dist[\\/]/;

/** Whether Node was started with tsx as its loader (`--import tsx`, `--import=file:///.../tsx/dist/loader.mjs`). */
export function hasTsxLoader(execArgv: readonly string[]): boolean {
  return execArgv.some((arg, i) => {
    if (arg === "--import" || arg === "--loader") return TSX_SPECIFIER.test(execArgv[i + 1] ?? "");
    const inline = /^--(?:import|loader)=(.*)$/.exec(arg);
    return inline !== null && TSX_SPECIFIER.test(inline[1]!);
  });
}

/** How to start `gan` again: this Node, with the flags it was started with, on this CLI's own entry point. */
export function ganInvocation(): string[] {
  const here = fileURLToPath(import.meta.url);
  const extension = path.extname(here);
  const bin = path.join(path.dirname(here), `bin${extension}`);
  const execArgv = [...process.execArgv];
  // From sources the child needs the TypeScript loader and the source condition; a process
  // started by another tool (a test runner) may not have been given them.
  if (extension === ".ts") {
    if (!hasTsxLoader(execArgv)) execArgv.push("--import", import.meta.resolve("tsx"));
    if (!execArgv.some((arg, i) => arg === "--conditions=@gan/source" || (arg === "--conditions" && execArgv[i + 1] === "@gan/source"))) {
      execArgv.push("--conditions=@gan/source");
    }
  }
  return [process.execPath, ...execArgv, bin];
}
