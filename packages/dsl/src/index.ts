/**
 * @gan/dsl: the `.gan` language. Parse a spec, compile it to a plan (with tricks loaded
 * through a CompileHost), format it, and render its diagnostics and grammar.
 */
export { compile, type CompileOptions, type CompileResult } from "./compile.js";
export { checkSyntax, parse, type ParseResult } from "./parse.js";
export { format, type FormatResult } from "./format.js";
export { grammarDiagramsHtml, type GrammarDiagramsOptions } from "./grammar.js";
export { formatDiagnostic, formatDiagnostics, hasErrors, printable, shownMessage, type Diagnostic, type Severity } from "./diagnostics.js";
export type * from "./ast.js";
