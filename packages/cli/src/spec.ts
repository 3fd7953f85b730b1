/**
 * Reading and compiling a spec for the commands that take a .gan file.
 */
import { compile, formatDiagnostic, type Diagnostic } from "@gan/dsl";
import { UserError } from "@gan/core";
import { MAX_SPEC_BYTES, createCompileHost, readInputTextSync, type CompileHostOptions } from "@gan/core/runtime";
import { checkFeatureNetwork } from "@gan/metrics";
import type { CompileHost, Plan } from "@gan/plan";
import { output } from "./io.js";
import { memoryBudget as memoryBudgetOf } from "./memory-budget.js";

export function readSpec(file: string): string {
  return readInputTextSync(file, { maxBytes: MAX_SPEC_BYTES, what: ".gan file" });
}

/** core's host (tricks, data files) and the feature networks of eval blocks, which @gan/metrics reads. */
export function cliCompileHost(options: CompileHostOptions = {}): CompileHost {
  return { ...createCompileHost(options), featureNetwork: async (features) => checkFeatureNetwork(features) };
}

export interface CompiledSpec {
  text: string;
  plan?: Plan;
  diagnostics: Diagnostic[];
}

/** Compiles a spec; `memoryBudget` (bytes) defaults to GAN_MEMORY_BUDGET or 4 GiB (memory-budget.ts). */
export async function compileSpec(file: string, memoryBudget: number = memoryBudgetOf("gan", undefined), host: CompileHostOptions = {}): Promise<CompiledSpec> {
  const text = readSpec(file);
  const { plan, diagnostics } = await compile(text, { file, host: cliCompileHost(host), memoryBudget });
  return plan ? { text, plan, diagnostics } : { text, diagnostics };
}

export function hasErrors(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Prints diagnostics with their source lines and a summary line, to stderr. */
export function printDiagnostics(diagnostics: Diagnostic[], text: string): void {
  if (diagnostics.length === 0) return;
  for (const diagnostic of diagnostics) output.err(`${formatDiagnostic(diagnostic, text)}\n\n`);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const parts = [errors && `${errors} error${errors === 1 ? "" : "s"}`, warnings && `${warnings} warning${warnings === 1 ? "" : "s"}`].filter(Boolean);
  output.err(`${parts.join(", ")}\n`);
}

/** Compiles a spec and returns its plan, or prints the diagnostics and throws (exit code 1). */
export async function planFromSpec(file: string, host: CompileHostOptions = {}): Promise<Plan> {
  const { text, plan, diagnostics } = await compileSpec(file, undefined, host);
  printDiagnostics(diagnostics, text);
  if (!plan || hasErrors(diagnostics)) throw new UserError("", 1);
  return plan;
}
