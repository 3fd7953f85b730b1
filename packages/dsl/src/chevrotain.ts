/**
 * @gan/dsl's chevrotain: the package's own single-file ES module build (lib/chevrotain.mjs),
 * not its main entry.
 *
 * Why: chevrotain's main entry (lib/src/api.js) imports lodash-es function by function, about
 * 640 ES modules, which Node resolves and links one by one at every start of `gan`: 0.5 s of
 * CPU, half of `gan check`'s start-up (bench/RESULTS.md, "Start-up"). The bundle is the same
 * version's code in one file (0.1 s). Its `exports` map names only the main entry, so the
 * bundle is found next to it. Every value from chevrotain in this package comes from here,
 * so there is one copy of its classes (token types, Lexer, CstParser) in a process; types
 * are still imported from "chevrotain".
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

const require = createRequire(import.meta.url);
// require.resolve("chevrotain") is lib/src/api.js; the bundle is lib/chevrotain.mjs.
const bundle = path.join(path.dirname(require.resolve("chevrotain")), "..", "chevrotain.mjs");
const chevrotain = (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;

export const { CstParser, EOF, Lexer, createSyntaxDiagramsCode, createToken, createTokenInstance, tokenMatcher } = chevrotain;
// The classes' instance types, under the same names as their values (as an import from "chevrotain" gives).
export type Lexer = Chevrotain.Lexer;
export type CstParser = Chevrotain.CstParser;
