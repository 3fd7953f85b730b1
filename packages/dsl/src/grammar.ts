/**
 * Railroad diagrams of the grammar (`gan grammar --html FILE`), drawn by chevrotain from the
 * parser's own productions, so they can never disagree with what the parser accepts.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createSyntaxDiagramsCode, type ISerializedGast } from "chevrotain";
import { ganParser } from "./parser.js";

export interface GrammarDiagramsOptions {
  /**
   * Inline chevrotain's diagram scripts and stylesheet (default), so the page works offline;
   * with false it loads them from unpkg.com, as chevrotain's own output does.
   */
  inline?: boolean;
}

/** The productions the diagrams show: the grammar, without the catch-all productions of error recovery. */
export function grammarProductions(): ISerializedGast[] {
  const hidden = new Set(["unknownStatement", "unknownLayer"]);
  const productions = ganParser().getSerializedGastProductions();
  const prune = (node: ISerializedGast): ISerializedGast | undefined => {
    const record = node as ISerializedGast & { definition?: ISerializedGast[]; name?: string };
    if (record.type === "NonTerminal" && record.name !== undefined && hidden.has(record.name)) return undefined;
    if (record.definition === undefined) return node;
    const definition = record.definition.map(prune).filter((child): child is ISerializedGast => child !== undefined);
    // An alternative left empty by pruning is dropped from its alternation.
    if (record.type === "Alternative" && definition.length === 0) return undefined;
    return { ...record, definition } as ISerializedGast;
  };
  return productions
    .filter((rule) => !hidden.has((rule as { name?: string }).name ?? ""))
    .map((rule) => prune(rule))
    .filter((rule): rule is ISerializedGast => rule !== undefined);
}

const RESOURCE_BASE = "gan-diagrams-resources/";
const CSS_URL = "gan-diagrams.css";
const SCRIPTS = ["vendor/railroad-diagrams.js", "src/diagrams_builder.js", "src/diagrams_behavior.js", "src/main.js"];

/** chevrotain's diagrams/ folder, next to its entry point. */
function diagramsDir(): string {
  const entry = createRequire(import.meta.url).resolve("chevrotain");
  // lib/src/api.js -> the package root
  return join(dirname(entry), "..", "..", "diagrams");
}

/** A self-contained HTML page of railroad diagrams, one per grammar rule. */
export function grammarDiagramsHtml(options: GrammarDiagramsOptions = {}): string {
  const productions = grammarProductions();
  if (options.inline === false) return createSyntaxDiagramsCode(productions);
  let html = createSyntaxDiagramsCode(productions, { resourceBase: RESOURCE_BASE, css: CSS_URL });
  try {
    const dir = diagramsDir();
    const css = readFileSync(join(dir, "diagrams.css"), "utf8");
    html = html.replace(`<link rel='stylesheet' href='${CSS_URL}'>`, () => `<style>\n${css}\n</style>`);
    for (const script of SCRIPTS) {
      const code = readFileSync(join(dir, script), "utf8").replace(/<\/script/gi, "<\\/script");
      html = html.replace(`<script src='${RESOURCE_BASE}${script}'></script>`, () => `<script>\n${code}\n</script>`);
    }
    return html.replace("<!DOCTYPE html>", "<!DOCTYPE html>\n<title>The .gan grammar</title>");
  } catch {
    // The diagram sources are not where chevrotain keeps them (a bundled install): link them instead.
    return createSyntaxDiagramsCode(productions);
  }
}
