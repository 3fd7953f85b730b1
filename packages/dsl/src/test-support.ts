/** Helpers shared by the tests of this package. */
import { compile, type CompileResult } from "./compile.js";
import type { Diagnostic } from "./diagnostics.js";
import { testHost, type TestHostOptions } from "./test-host.js";

/** A small spec that compiles; tests replace parts of it. */
export const MINIMAL = `gan t {
  data ring
  latent 8
  generator {
    dense 16 relu
    dense 2
  }
  discriminator {
    dense 16 relu
    dense 1
  }
  train { steps 100 }
}
`;

export async function compileText(text: string, options: TestHostOptions & { file?: string } = {}): Promise<CompileResult> {
  return compile(text, { file: options.file ?? "/specs/t.gan", host: testHost(options) });
}

/** `line:column message` for each diagnostic (errors), `line:column warning: message` for warnings. */
export function brief(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.line}:${d.column} ${d.severity === "warning" ? "warning: " : ""}${d.message}`);
}

export async function errorsOf(text: string, options: TestHostOptions & { file?: string } = {}): Promise<string[]> {
  const result = await compileText(text, options);
  return brief(result.diagnostics);
}

/** MINIMAL with `replace` swapped for `by` (the text must occur). */
export function minimalWith(replace: string, by: string): string {
  if (!MINIMAL.includes(replace)) throw new Error(`MINIMAL has no ${JSON.stringify(replace)}`);
  return MINIMAL.replace(replace, by);
}
