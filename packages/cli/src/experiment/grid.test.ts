import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { tinyRingSpec, tinyTraining } from "@gan/core/testing";
import { scratchDirectory } from "../test-support.js";
import { defineSweep, shellCommand, sweepId } from "../queue/definition.js";
import { runId, specCompiler } from "./expand.js";
import { checkAxes, expandSweep, parseGridFlag, setUseOptions, splitTopLevel } from "./grid.js";

// Specs are written inside the repository, where the trick packages resolve.
const dir = scratchDirectory("gan-grid-test-", { inRepository: true });

const SPEC = tinyRingSpec(`${tinyTraining({ steps: 4, batch: 16, seed: 5, backend: "cpu" })}
  use "@gan/leaky-relu" { alpha: 0.2 } // a comment stays
  use "@gan/label-smoothing"`);
const file = path.join(dir, "tiny.gan");
writeFileSync(file, SPEC);

describe("--grid values", () => {
  test("split at top-level commas only, bare words quoted, the rest as written", () => {
    expect(splitTopLevel("1, 1e-3,linear(0.1 -> 0, until 100),[1, 2],\"a,b\"")).toEqual(["1", "1e-3", "linear(0.1 -> 0, until 100)", "[1, 2]", '"a,b"']);
    expect(parseGridFlag("@gan/gp.kind=r1,wgan-gp,true")).toEqual({ package: "@gan/gp", option: "kind", values: ['"r1"', '"wgan-gp"', "true"] });
    expect(parseGridFlag("gan-trick-foo.size=2")).toEqual({ package: "gan-trick-foo", option: "size", values: ["2"] });
  });

  test("malformed flags are usage errors that show the expected form", () => {
    expect(() => parseGridFlag("@gan/gp=1")).toThrow(`gan sweep: --grid '@gan/gp=1' is not PACKAGE.OPTION=VALUE,VALUE,... (e.g. --grid "@gan/gp.lambda=1,10")`);
    expect(() => parseGridFlag("@gan/gp.lambda=1,,2")).toThrow("gan sweep: --grid '@gan/gp.lambda=1,,2' has an empty value");
    expect(() => parseGridFlag("@gan/gp.lambda=1,1")).toThrow("gan sweep: --grid '@gan/gp.lambda=1,1' lists 1 twice");
  });
});

describe("setUseOptions", () => {
  test("replaces a value, adds a key to the braces, or adds the braces", () => {
    const text = setUseOptions(SPEC, file, [
      { package: "@gan/leaky-relu", option: "alpha", value: "0.3" },
      { package: "@gan/label-smoothing", option: "real", value: "0.8" },
      { package: "@gan/label-smoothing", option: "fake", value: "0.1" },
    ]);
    expect(text).toBe(
      SPEC.replace("{ alpha: 0.2 } // a comment stays", "{ alpha: 0.3 } // a comment stays").replace('use "@gan/label-smoothing"\n', 'use "@gan/label-smoothing" { real: 0.8, fake: 0.1 }\n'),
    );
    const withEntries = setUseOptions(SPEC, file, [{ package: "@gan/leaky-relu", option: "beta", value: "1" }]);
    expect(withEntries).toContain('use "@gan/leaky-relu" { alpha: 0.2, beta: 1 } // a comment stays');
    const empty = 'gan x {\n  use "@gan/ema" {}\n}\n';
    expect(setUseOptions(empty, "x.gan", [{ package: "@gan/ema", option: "decay", value: "0.9" }])).toBe('gan x {\n  use "@gan/ema" { decay: 0.9 }\n}\n');
  });

  test("a grid on a trick the spec does not use names the trick and what the spec uses", () => {
    expect(() => checkAxes(SPEC, file, [{ package: "@gan/gp", option: "lambda", values: ["1"] }])).toThrow(
      `--grid @gan/gp.lambda: ${file} does not use the trick @gan/gp (it uses @gan/leaky-relu, @gan/label-smoothing); add \`use "@gan/gp"\` to the spec to sweep its options`,
    );
    const twice = SPEC.replace('  use "@gan/label-smoothing"\n', '  use "@gan/label-smoothing"\n  use "@gan/label-smoothing" { real: 0.8 } from 2\n');
    expect(() => checkAxes(twice, file, [{ package: "@gan/label-smoothing", option: "real", values: ["1"] }])).toThrow(
      `--grid @gan/label-smoothing.real: ${file} uses @gan/label-smoothing on lines 21 and 22, so it is not clear which to set`,
    );
    expect(() => checkAxes(SPEC, file, [parseGridFlag("@gan/leaky-relu.alpha=1"), parseGridFlag("@gan/leaky-relu.alpha=2")])).toThrow("gan sweep: --grid @gan/leaky-relu.alpha is given twice");
  });
});

describe("expandSweep", () => {
  test("every grid point compiled with its values (rewrites included), times every seed, with stable ids", async () => {
    const axes = [parseGridFlag("@gan/leaky-relu.alpha=0.1,0.3"), parseGridFlag("@gan/label-smoothing.real=0.9,1")];
    const sweep = await expandSweep({ text: SPEC, file }, axes, { seeds: 2, steps: 6, compile: specCompiler(file) });
    expect(sweep.name).toBe("tiny");
    expect(sweep.seeds).toEqual([5, 6]);
    expect(sweep.points.map((p) => [p.id, p.label])).toEqual([
      ["leaky-relu.alpha-0.1_label-smoothing.real-0.9", "@gan/leaky-relu.alpha=0.1 @gan/label-smoothing.real=0.9"],
      ["leaky-relu.alpha-0.1_label-smoothing.real-1", "@gan/leaky-relu.alpha=0.1 @gan/label-smoothing.real=1"],
      ["leaky-relu.alpha-0.3_label-smoothing.real-0.9", "@gan/leaky-relu.alpha=0.3 @gan/label-smoothing.real=0.9"],
      ["leaky-relu.alpha-0.3_label-smoothing.real-1", "@gan/leaky-relu.alpha=0.3 @gan/label-smoothing.real=1"],
    ]);
    expect(sweep.runs).toHaveLength(8);
    const last = sweep.points[3]!.plan;
    expect(last.tricks.map((t) => [t.package, t.options])).toEqual([
      ["@gan/leaky-relu", { alpha: 0.3, networks: "both" }],
      ["@gan/label-smoothing", { real: 1, fake: 0 }],
    ]);
    // The compile-time rewrite saw the swept value.
    expect(last.networks.discriminator.layers[0]).toMatchObject({ activation: { kind: "leakyrelu", alpha: 0.3 } });
    for (const run of sweep.runs) {
      expect(run.plan.train).toMatchObject({ seed: run.seed, steps: 6 });
      expect(run.runId).toBe(runId(run.variant, run.seed, run.plan));
    }
    expect(new Set(sweep.runs.map((r) => r.runId)).size).toBe(8);

    const again = await expandSweep({ text: SPEC, file }, axes, { seeds: 2, steps: 6, compile: specCompiler(file) });
    expect(again.runs.map((r) => r.runId)).toEqual(sweep.runs.map((r) => r.runId));
    const definition = defineSweep({ kind: "sweep", name: sweep.name, spec: file, command: "gan sweep", seeds: sweep.seeds, axes, runs: sweep.runs });
    expect(definition.id).toMatch(/^tiny-[0-9a-f]{10}$/);
    expect(defineSweep({ kind: "sweep", name: again.name, spec: "elsewhere.gan", command: "other", seeds: again.seeds, runs: again.runs }).id).toBe(definition.id);
    expect(sweepId("ablation", "tiny", definition.runs)).not.toBe(definition.id);
    expect(sweepId("sweep", "tiny", definition.runs.slice(1))).not.toBe(definition.id);
  });

  test("values are validated at compile time by the trick's schema, with the point named", async () => {
    await expect(expandSweep({ text: SPEC, file }, [parseGridFlag("@gan/label-smoothing.real=0.9,2")], { compile: specCompiler(file) })).rejects.toThrow(
      `the sweep point @gan/label-smoothing.real=2 of ${file} does not compile: `,
    );
    await expect(expandSweep({ text: SPEC, file }, [parseGridFlag("@gan/label-smoothing.rael=0.9")], { compile: specCompiler(file) })).rejects.toThrow(
      "@gan/label-smoothing has no option 'rael', did you mean 'real'?",
    );
  });
});

test("shellCommand quotes what a shell would split", () => {
  expect(shellCommand(["gan", "sweep", "a.gan", "--grid", "@gan/gp.lambda=1,10", "--grid", "@gan/x.s=linear(1 -> 0, until 9)", "it's"])).toBe(
    "gan sweep a.gan --grid @gan/gp.lambda=1,10 --grid '@gan/x.s=linear(1 -> 0, until 9)' 'it'\\''s'",
  );
});
