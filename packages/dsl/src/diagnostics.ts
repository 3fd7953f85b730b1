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
 * Characters a terminal acts on instead of showing: C0 and C1 controls but the tab (an ESC
 * sequence can recolour the terminal, retitle it or move the cursor), the line and paragraph
 * separators, and the bidirectional overrides that make a line read differently from what it
 * holds. The tab stays: it keeps the caret under its column.
 */
const UNPRINTABLE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every character a terminal would act on written as a JavaScript escape (`\x1b`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Source characters shown before the caret, and in all, when a line is too long to show whole. */
const SHOWN_BEFORE = 60;
const SHOWN_MAX = 160;
/** A message longer than this (it quotes a long token) keeps its start and end. */
const MESSAGE_MAX = 400;

/** An index moved off the second half of a surrogate pair, so that a cut never splits a character. */
function atCharacter(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff && index > 0 ? index - 1 : index;
}

/** `text` with its middle replaced by "…" when longer than `max`. */
function shortened(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = atCharacter(text, Math.ceil(max * 0.6));
  const tail = atCharacter(text, text.length - Math.floor(max * 0.4));
  return `${text.slice(0, head)}…${text.slice(tail)}`;
}

/**
 * The message as it is shown, in any form (text or JSON): one that quotes a long token keeps
 * its start and end, so that a spec cannot make one diagnostic megabytes long.
 */
export function shownMessage(message: string): string {
  return shortened(message, MESSAGE_MAX);
}

/**
 * `file:line:column: severity: message`, then (when `text` is given) the source line and a
 * caret under the range the diagnostic points at. What comes from the spec is shown
 * `printable` and a long line is cut around the caret, so a spec can neither send escape
 * sequences to the terminal nor make one diagnostic megabytes long.
 */
export function formatDiagnostic(diagnostic: Diagnostic, text?: string): string {
  const header = `${printable(diagnostic.file)}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${printable(shownMessage(diagnostic.message))}`;
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
  // The part of the line shown: all of it, or SHOWN_MAX characters from a little before the caret.
  const from = atCharacter(sourceLine, Math.max(0, Math.min(startIndex - SHOWN_BEFORE, sourceLine.length - SHOWN_MAX)));
  const to = atCharacter(sourceLine, Math.min(sourceLine.length, from + SHOWN_MAX));
  const marked = Math.max(startIndex + 1, Math.min(lastIndex + 1, to));
  const before = printable(sourceLine.slice(from, startIndex));
  const caretCount = Math.max(1, printable(sourceLine.slice(startIndex, marked)).length);
  const lead = from > 0 ? "…" : "";
  const shown = `${lead}${before}${printable(sourceLine.slice(startIndex, to))}${to < sourceLine.length ? "…" : ""}`;
  // Tabs stay tabs under the source line, so the caret lines up in any terminal.
  const padding = `${lead}${before}`.replace(/[^\t]/g, " ");
  return [header, `${String(diagnostic.line).padStart(gutterWidth)} | ${shown}`, `${" ".repeat(gutterWidth)} | ${padding}${"^".repeat(caretCount)}`].join("\n");
}

/** All diagnostics of a file, each formatted, separated by blank lines. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], text?: string): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, text)).join("\n\n");
}
