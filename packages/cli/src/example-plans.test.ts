/**
 * The golden test of the examples: each of examples/*.gan compiles (with the real trick packages,
 * through `gan compile`'s own path) to exactly the plan committed in test-fixtures/example-plans.
 * It guards refactors of the language, the plan and the tricks' rewrites: a change that moves a
 * layer, a default, a shape or a rewrite shows here as a diff. When a plan changes on purpose,
 * regenerate its fixture with `gan compile examples/NAME.gan -o packages/cli/test-fixtures/example-plans/NAME.plan.json`
 * (for emoji.gan, then replace the path of examples/ by `<examples>/`) and say why in the commit.
 *
 * Only the trick packages' versions are left out: they change with every release, not with the plan;
 * and paths into examples/ (an images folder's) are written relative to it, `<examples>/...`.
 * examples/emoji.gan reads a folder made from an installed package: it is made first when missing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { ensureEmojiFolder } from "../../metrics/scripts/make-emoji-folder.js";
import { compileSpec } from "./spec.js";

beforeAll(() => ensureEmojiFolder());

const examplesDir = fileURLToPath(new URL("../../../examples/", import.meta.url));
const fixturesDir = fileURLToPath(new URL("../test-fixtures/example-plans/", import.meta.url));
const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith(".gan"))
  .map((name) => name.slice(0, -".gan".length));

function withoutTrickVersions(plan: unknown): unknown {
  const { tricks, ...rest } = plan as { tricks: { version: string }[] };
  return { ...rest, tricks: tricks.map(({ version: _version, ...trick }) => trick) };
}

/** The plan as committed: trick versions left out, absolute paths into examples/ as `<examples>/...`. */
function comparable(plan: unknown): unknown {
  return withoutTrickVersions(JSON.parse(JSON.stringify(plan).replaceAll(JSON.stringify(examplesDir).slice(1, -1), "<examples>/")));
}

describe("examples compile to their committed plans", () => {
  test("every example has a fixture and every fixture an example", () => {
    const fixtures = readdirSync(fixturesDir).map((name) => name.replace(/\.plan\.json$/, ""));
    expect(fixtures.sort()).toEqual([...examples].sort());
  });

  test.each(examples)("examples/%s.gan", async (name) => {
    const { plan, diagnostics } = await compileSpec(`${examplesDir}${name}.gan`);
    expect(diagnostics).toEqual([]);
    const expected = JSON.parse(readFileSync(`${fixturesDir}${name}.plan.json`, "utf8")) as unknown;
    expect(comparable(plan)).toEqual(comparable(expected));
  });
});
