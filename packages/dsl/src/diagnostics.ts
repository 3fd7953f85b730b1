/**
 * Diagnostics: what the compiler tells the author of a `.gan` file. Every one names the
 * file, the line and the column, and renders with the source line and a caret:
 *
 *     examples/ring8.gan:12:5: error: unknown layer 'desne', did you mean 'dense'?
 *        12 |     desne 128 relu
 *           |     ^^^^^
 */
import type { Span } from "./ast.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine?: number;
  /** 1-based column of the last character of the range (inclusive). */
  endColumn?: number;
  severity: Severity;
  message: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === "error");
}

/** Collects diagnostics for one file; `at` takes a span or a bare line and column. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly file: string) {}

  error(span: Span | undefined, message: string): void {
    this.add("error", span, message);
  }

  warning(span: Span | undefined, message: string): void {
    this.add("warning", span, message);
  }

  add(severity: Severity, span: Span | undefined, message: string): void {
    const where = span ?? { line: 1, column: 1, endLine: 1, endColumn: 1 };
    const diagnostic: Diagnostic = { file: this.file, line: where.line, column: where.column, severity, message };
    if (Number.isFinite(where.endLine) && Number.isFinite(where.endColumn)) {
      diagnostic.endLine = where.endLine;
      diagnostic.endColumn = where.endColumn;
    }
    this.diagnostics.push(diagnostic);
  }

  get hasErrors(): boolean {
    return hasErrors(this.diagnostics);
  }
}

/** Sorted by position, with exact repeats removed (error recovery can report one mistake twice). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const diagnostic of diagnostics) {
    const key = `${diagnostic.line}:${diagnostic.column}:${diagnostic.severity}:${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(diagnostic);
  }
  return unique
    .map((diagnostic, index) => ({ diagnostic, index }))
    .sort((a, b) => a.diagnostic.line - b.diagnostic.line || a.diagnostic.column - b.diagnostic.column || a.index - b.index)
    .map(({ diagnostic }) => diagnostic);
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * `file:line:column: severity: message`, then (when `text` is given) the source line and a
 * caret under the range the diagnostic points at.
 */
export function formatDiagnostic(diagnostic: Diagnostic, text?: string): string {
  const header = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${diagnostic.message}`;
  if (text === undefined) return header;
  const sourceLine = splitLines(text)[diagnostic.line - 1];
  if (sourceLine === undefined) return header;
  const gutterWidth = Math.max(5, String(diagnostic.line).length + 1);
  const startIndex = Math.min(Math.max(diagnostic.column - 1, 0), sourceLine.length);
  const lastIndex =
    diagnostic.endLine === diagnostic.line && diagnostic.endColumn !== undefined
      ? Math.min(diagnostic.endColumn - 1, sourceLine.length - 1)
      : diagnostic.endLine !== undefined && diagnostic.endLine > diagnostic.line
        ? sourceLine.length - 1
        : startIndex;
  const caretCount = Math.max(1, lastIndex - startIndex + 1);
  // Tabs stay tabs under the source line, so the caret lines up in any terminal.
  const padding = sourceLine.slice(0, startIndex).replace(/[^\t]/g, " ");
  return [
    header,
    `${String(diagnostic.line).padStart(gutterWidth)} | ${sourceLine}`,
    `${" ".repeat(gutterWidth)} | ${padding}${"^".repeat(caretCount)}`,
  ].join("\n");
}

/** All diagnostics of a file, each formatted, separated by blank lines. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], text?: string): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, text)).join("\n\n");
}
