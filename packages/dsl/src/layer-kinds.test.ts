/**
 * Every layer kind of @gan/plan's layer-kinds, as the language sees it: the language's words,
 * lowering and formatting are derived from each kind's `syntax`, so a new kind is checked
 * here without a test of its own in this package.
 */
import { describe, expect, it } from "vitest";
import { WRITTEN_LAYER_KINDS, type Layer } from "@gan/plan";
import type { NetworkStatement } from "./ast.js";
import { format } from "./format.js";
import { lowerLayers } from "./layers.js";
import { parse } from "./parse.js";
import { errorsOf, minimalWith } from "./test-support.js";

const FILE = "/specs/t.gan";
const specWith = (line: string) => `gan t {\n  generator {\n    ${line}\n  }\n}\n`;

describe.each(WRITTEN_LAYER_KINDS.map((kind) => [kind.type, kind] as const))("the layer kind %s", (type, kind) => {
  // The argument's example is a whole line (`conv 64 kernel 3`); a kind without one is its word.
  const line = kind.syntax.argument?.example ?? kind.syntax.word;

  it(`'${line}' is one ${type} layer`, () => {
    const { ast, diagnostics } = parse(specWith(line), FILE);
    expect(diagnostics).toEqual([]);
    const network = ast!.statements[0] as NetworkStatement;
    const problems: string[] = [];
    const layers = lowerLayers(network.layers, (_span, message) => problems.push(message));
    expect(problems).toEqual([]);
    expect(layers?.map((layer: Layer) => layer.type)).toEqual([type]);
  });

  it("formats back as written", () => {
    expect(format(specWith(line), FILE)).toEqual({ text: specWith(line), diagnostics: [] });
  });

  it.each(Object.keys(kind.syntax.aliases ?? {}))("the alias %s suggests it", async (alias) => {
    const errors = await errorsOf(minimalWith("    dense 16 relu\n    dense 2\n", `    ${alias}\n    dense 2\n`));
    expect(errors).toContain(`5:5 unknown layer '${alias}', did you mean '${kind.syntax.word}'?`);
  });
});
