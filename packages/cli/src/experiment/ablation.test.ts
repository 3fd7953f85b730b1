import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "@gan/core";
import { createCompileHost } from "@gan/core/runtime";
import { tinyRingSpec, tinyTraining } from "@gan/core/testing";
import { compile } from "@gan/dsl";
import type { Plan } from "@gan/plan";
import { describe, expect, test } from "vitest";
import { captureOutput } from "../io.js";
import { main } from "../main.js";
import { scratchDirectory } from "../test-support.js";
import { hasTsxLoader } from "../gan-invocation.js";
import { runId } from "./expand.js";
import { runPool } from "./run-here.js";
import { formatCell, meanAndStandardError, summarise, summaryMarkdown, type RunResult } from "./summarise.js";
import { ablationVariants, expandAblation, parseAddedTrick, removeUse } from "./variants.js";

// Specs are written inside the repository, where the trick packages resolve.
const dir = scratchDirectory("gan-ablate-test-", { inRepository: true });

const SPEC =
  "// A tiny ring GAN.\n" +
  tinyRingSpec(
    `${tinyTraining({ steps: 4, batch: 16, seed: 5, backend: "cpu", "log every": 2 })}
  // ganhacks #5
  use "@gan/leaky-relu" { alpha: 0.2 } // no sparse gradients
  use "@gan/label-smoothing" { real: 0.9 }`,
  );
const file = path.join(dir, "tiny.gan");
writeFileSync(file, SPEC);

async function compileText(text: string): Promise<Plan> {
  const { plan, diagnostics } = await compile(text, { file, host: createCompileHost() });
  if (!plan) throw new UserError(diagnostics.map((d) => d.message).join("; "));
  return plan;
}

describe("ablationVariants", () => {
  test("the spec as written, then one variant per use line with that line taken out", () => {
    const variants = ablationVariants(SPEC, file);
    expect(variants.map((v) => [v.id, v.label])).toEqual([
      ["as-written", "as written"],
      ["without-leaky-relu", "without @gan/leaky-relu"],
      ["without-label-smoothing", "without @gan/label-smoothing"],
    ]);
    expect(variants[0]!.text).toBe(SPEC);
    // The whole line goes, its trailing comment with it; the comment above stays.
    expect(variants[1]!.text).toBe(SPEC.replace('  use "@gan/leaky-relu" { alpha: 0.2 } // no sparse gradients\n', ""));
    expect(variants[2]!.text).toBe(SPEC.replace('  use "@gan/label-smoothing" { real: 0.9 }\n', ""));
    expect(variants[1]!.change).toEqual({ kind: "remove", package: "@gan/leaky-relu", line: 23 });
  });

  test("--add puts a use line with default options before the closing brace", () => {
    const variants = ablationVariants(SPEC, file, { add: ["@gan/ema"] });
    expect(variants.at(-1)).toMatchObject({ id: "with-ema", label: "with @gan/ema", change: { kind: "add", package: "@gan/ema" } });
    expect(variants.at(-1)!.text).toBe(SPEC.replace(/}\n$/, '  use "@gan/ema"\n}\n'));
  });

  test("--add with options: the rest of a use line, one variant per distinct argument", () => {
    const variants = ablationVariants(SPEC, file, { add: ["@gan/ncritic { n: 2 }", "@gan/ncritic  {\n n: 5 }", "@gan/ema { decay: 0.99 } from 2", "@gan/pack"] });
    expect(variants.slice(3).map((v) => [v.id, v.label])).toEqual([
      ["with-ncritic", "with @gan/ncritic { n: 2 }"],
      ["with-ncritic-2", "with @gan/ncritic { n: 5 }"],
      ["with-ema", "with @gan/ema { decay: 0.99 } from 2"],
      ["with-pack", "with @gan/pack"],
    ]);
    expect(variants[3]!.change).toEqual({ kind: "add", package: "@gan/ncritic", options: "{ n: 2 }" });
    expect(variants[6]!.change).toEqual({ kind: "add", package: "@gan/pack" });
    expect(variants[3]!.text).toBe(SPEC.replace(/}\n$/, '  use "@gan/ncritic" { n: 2 }\n}\n'));
    expect(variants[5]!.text).toBe(SPEC.replace(/}\n$/, '  use "@gan/ema" { decay: 0.99 } from 2\n}\n'));
  });

  test("--add refuses an argument that is not a package name and a use line's rest, and the same one twice", () => {
    expect(parseAddedTrick(" @gan/gp ")).toEqual({ package: "@gan/gp" });
    expect(() => parseAddedTrick("@gan/gp n: 2")).toThrow(
      "gan ablate: --add '@gan/gp n: 2': give a trick's package name, alone or followed by its options as in a spec, e.g. --add @gan/ema or --add '@gan/ncritic { n: 2 }'",
    );
    expect(() => parseAddedTrick('"@gan/gp"')).toThrow(/give a trick's package name/);
    expect(() => parseAddedTrick("")).toThrow(/give a trick's package name/);
    expect(() => ablationVariants(SPEC, file, { add: ["@gan/ncritic { n: 2 }", "@gan/ncritic {n: 2}"] })).not.toThrow();
    expect(() => ablationVariants(SPEC, file, { add: ["@gan/ncritic { n: 2 }", " @gan/ncritic  { n: 2 }"] })).toThrow("gan ablate: --add @gan/ncritic { n: 2 } is given twice");
  });

  test("--remove keeps only the variants without the named tricks", () => {
    const variants = ablationVariants(SPEC, file, { remove: ["@gan/label-smoothing"], add: ["@gan/ema"] });
    expect(variants.map((v) => v.id)).toEqual(["as-written", "without-label-smoothing", "with-ema"]);
    expect(variants[1]!.text).toBe(SPEC.replace('  use "@gan/label-smoothing" { real: 0.9 }\n', ""));
    expect(() => ablationVariants(SPEC, file, { remove: ["@gan/pack"] })).toThrow(
      `gan ablate: --remove @gan/pack: ${file} does not use it (its tricks: @gan/leaky-relu, @gan/label-smoothing)`,
    );
    expect(() => ablationVariants(SPEC, file, { remove: ["@gan/leaky-relu", "@gan/leaky-relu"] })).toThrow("gan ablate: --remove @gan/leaky-relu is given twice");
  });

  test("a trick used twice gets one variant per line, told apart by line number", () => {
    const twice = SPEC.replace('  use "@gan/label-smoothing" { real: 0.9 }\n', '  use "@gan/label-smoothing" { real: 0.9 }\n  use "@gan/label-smoothing" { real: 0.8 } from 2\n');
    expect(ablationVariants(twice, file).map((v) => v.id)).toEqual(["as-written", "without-leaky-relu", "without-label-smoothing-line24", "without-label-smoothing-line25"]);
  });

  test("a use sharing its line with other text leaves the rest of the line", () => {
    const text = 'gan x { latent 2\n  use "@gan/ema" }\n';
    const variants = ablationVariants(text, "x.gan");
    expect(variants[1]!.text).toBe("gan x { latent 2\n   }\n");
    expect(ablationVariants("gan x { latent 2 }", "x.gan", { add: ["@gan/ema"] })[1]!.text).toBe('gan x { latent 2 \n  use "@gan/ema"\n}');
  });

  test("refuses to add a trick the spec already uses, and a spec that does not parse", () => {
    expect(() => ablationVariants(SPEC, file, { add: ["@gan/leaky-relu"] })).toThrow(
      "gan ablate: --add @gan/leaky-relu: " + file + " already uses it (line 23); its variant without it is measured anyway",
    );
    expect(() => ablationVariants("gan x { laten 2 }", "x.gan")).toThrow(/^x\.gan:1:9: .*\(gan check x\.gan shows every error\)$/);
  });
});

describe("removeUse and addUse", () => {
  test("work on the text alone", () => {
    const text = 'gan x {\n  latent 2\n  use "a"\n}';
    const use = { kind: "use" as const, span: { line: 3, column: 3, endLine: 3, endColumn: 9, startOffset: 21, endOffset: 27 } };
    expect(text.slice(21, 28)).toBe('use "a"');
    expect(removeUse(text, use)).toBe("gan x {\n  latent 2\n}");
  });
});

describe("expandAblation", () => {
  test("variants x seeds, each run's plan carrying its seed and steps, with stable ids", async () => {
    const ablation = await expandAblation({ text: SPEC, file }, { seeds: 2, steps: 6, add: ["@gan/ema"], compile: compileText });
    expect(ablation.name).toBe("tiny");
    expect(ablation.seeds).toEqual([5, 6]);
    expect(ablation.runs.map((r) => `${r.variant}:${r.seed}`)).toEqual([
      "as-written:5",
      "as-written:6",
      "without-leaky-relu:5",
      "without-leaky-relu:6",
      "without-label-smoothing:5",
      "without-label-smoothing:6",
      "with-ema:5",
      "with-ema:6",
    ]);
    for (const run of ablation.runs) {
      expect(run.plan.train).toMatchObject({ seed: run.seed, steps: 6 });
      expect(run.runId).toBe(runId(run.variant, run.seed, run.plan));
      expect(run.runId).toMatch(new RegExp(`^${run.variant}-s${run.seed}-[0-9a-f]{10}$`));
    }
    // Taking the use line out takes its rewrite out too: the relus stay relus.
    const activation = (variant: string) => ablation.points.find((v) => v.id === variant)!.plan.networks.discriminator.layers[0]!;
    expect(activation("as-written")).toMatchObject({ activation: { kind: "leakyrelu", alpha: 0.2 } });
    expect(activation("without-leaky-relu")).toMatchObject({ activation: { kind: "relu" } });
    expect(ablation.points.find((v) => v.id === "without-leaky-relu")!.plan.rewrites).toEqual([]);
    expect(ablation.points.find((v) => v.id === "without-label-smoothing")!.plan.tricks.map((t) => t.package)).toEqual(["@gan/leaky-relu"]);
    expect(ablation.points.find((v) => v.id === "with-ema")!.plan.tricks.map((t) => t.package)).toEqual(["@gan/leaky-relu", "@gan/label-smoothing", "@gan/ema"]);

    const again = await expandAblation({ text: SPEC, file }, { seeds: 2, steps: 6, add: ["@gan/ema"], compile: compileText });
    expect(again.runs.map((r) => r.runId)).toEqual(ablation.runs.map((r) => r.runId));
    const longer = await expandAblation({ text: SPEC, file }, { seeds: 1, steps: 7, compile: compileText });
    expect(longer.runs[0]!.runId).not.toBe(ablation.runs[0]!.runId);
  });

  test("asWrittenOnly: the seeds of the spec as written and nothing else", async () => {
    const seeds = await expandAblation({ text: SPEC, file }, { seeds: 3, firstSeed: 1, asWrittenOnly: true, compile: compileText });
    expect(seeds.runs.map((r) => `${r.variant}:${r.seed}`)).toEqual(["as-written:1", "as-written:2", "as-written:3"]);
  });

  test("--add with options compiles them into the variant's plan, and a bad option is the variant's compile error", async () => {
    const ablation = await expandAblation({ text: SPEC, file }, { seeds: 1, add: ["@gan/ncritic { n: 3 }"], compile: compileText });
    expect(ablation.points.find((v) => v.id === "with-ncritic")!.plan.tricks.at(-1)).toMatchObject({ package: "@gan/ncritic", options: { n: 3 } });
    await expect(expandAblation({ text: SPEC, file }, { seeds: 1, add: ["@gan/ncritic { n: -1 }"], compile: compileText })).rejects.toThrow(
      /the variant with @gan\/ncritic \{ n: -1 \} of .*tiny\.gan does not compile: .*n/,
    );
  });

  test("a variant that does not compile is named", async () => {
    await expect(
      expandAblation({ text: SPEC, file }, { compile: async (text) => (text === SPEC ? compileText(text) : Promise.reject(new UserError("it broke"))) }),
    ).rejects.toThrow(`the variant without @gan/leaky-relu of ${file} does not compile: it broke`);
  });
});

describe("summarise", () => {
  const result = (variant: string, seed: number, metrics?: Record<string, number | null>, error?: string): RunResult => ({
    runId: `${variant}-s${seed}`,
    variant,
    label: variant.replace("-", " "),
    seed,
    ...(metrics ? { metrics } : {}),
    ...(error ? { error } : {}),
  });

  test("mean and standard error (sample sd / sqrt n)", () => {
    expect(meanAndStandardError([1, 2, 3, 4])).toEqual({ mean: 2.5, standardError: Math.sqrt(5 / 3 / 4) });
    expect(meanAndStandardError([7])).toEqual({ mean: 7, standardError: null });
  });

  test("a row per variant, undefined values and failed runs counted apart", () => {
    const summary = summarise([
      result("as-written", 1, { modes: 25, reverse_kl: 0.01 }),
      result("as-written", 2, { modes: 24, reverse_kl: 0.03 }),
      result("without-x", 1, { modes: 10, reverse_kl: null }),
      result("without-x", 2, undefined, "gan train exited with code 1"),
    ]);
    expect(summary.metrics).toEqual(["modes", "reverse_kl"]);
    expect(summary.rows[0]).toMatchObject({ variant: "as-written", runs: 2, failed: 0, cells: { modes: { mean: 24.5, standardError: 0.5, n: 2, undefinedCount: 0 } } });
    expect(summary.rows[1]).toMatchObject({ variant: "without-x", runs: 2, failed: 1, cells: { modes: { mean: 10, n: 1 }, reverse_kl: null } });
    expect(summaryMarkdown(summary)).toBe(
      "| variant | runs | modes captured | reverse KL | failed |\n" +
        "|---|---|--:|--:|--:|\n" +
        "| as written | 2 | 24.5 ± 0.5 | 0.020 ± 0.010 | 0 |\n" +
        "| without x | 1 | 10.0 | - | 1 |\n",
    );
    expect(formatCell("reverse_kl", { mean: 0.5, standardError: null, n: 1, undefinedCount: 2 })).toBe("0.500 (2 undefined)");
  });
});

describe("hasTsxLoader", () => {
  test("finds tsx given to --import, not a path that merely contains the word", () => {
    expect(hasTsxLoader(["--conditions=@gan/source", "--import", "tsx"])).toBe(true);
    expect(hasTsxLoader(["--import=file:///repo/node_modules/.pnpm/tsx@4.23.15/node_modules/tsx/dist/loader.mjs"])).toBe(true);
    expect(hasTsxLoader(["--require", "/repo/node_modules/.pnpm/vitest@4_tsx@4.23.15_/node_modules/vitest/suppress-warnings.cjs"])).toBe(false);
    expect(hasTsxLoader([])).toBe(false);
  });
});

describe("runPool", () => {
  test("never runs more than `jobs` at once and keeps the order of results", async () => {
    let running = 0;
    let most = 0;
    const results = await runPool([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});

describe("gan ablate", () => {
  test("trains and evaluates every variant in child processes, writes the table and the raw numbers, and reuses finished runs", async () => {
    const out = path.join(dir, "out");
    const { result, stdout, stderr } = await captureOutput(() => main(["ablate", file, "--seeds", "1", "--jobs", "2", "--out", out]));
    expect(stderr, stderr).toContain(`ablation of ${file}: 3 variants x 1 seeds = 3 runs of 4 steps, 2 at a time here, results in ${out}\n`);
    expect(result, stderr).toBe(0);
    expect(stdout).toMatch(/^\| variant \| runs \| modes captured \| high quality % \| reverse KL \|\n\|---\|---\|--:\|--:\|--:\|\n\| as written \| 1 \| \d\.0 \| \d+\.\d \| (\d\.\d{3}|-) \|\n/);
    expect(stdout).toContain("| without @gan/leaky-relu | 1 |");
    expect(stdout).toContain("| without @gan/label-smoothing | 1 |");
    const record = JSON.parse(readFileSync(path.join(out, "ablation.json"), "utf8"));
    expect(record).toMatchObject({ ablationVersion: 1, name: "tiny", steps: 4, seeds: [5], complete: true });
    expect(record.runs).toHaveLength(3);
    for (const run of record.runs) {
      expect(run.error).toBeUndefined();
      expect(existsSync(path.join(out, run.runDir, "eval.json"))).toBe(true);
      expect(run.metrics.modes).toBeGreaterThanOrEqual(0);
    }
    const markdown = readFileSync(path.join(out, "ablation.md"), "utf8");
    expect(markdown).toContain(stdout);
    expect(markdown).toContain("## Every run");

    // Same spec, seeds and steps: the same run ids, so nothing is trained again.
    const again = await captureOutput(() => main(["ablate", file, "--seeds", "1", "--jobs", "2", "--out", out]));
    expect(again.result).toBe(0);
    expect(again.stderr.match(/finished earlier, reused/g)).toHaveLength(3);
    expect(again.stdout).toBe(stdout);
  }, 300_000);

  test("mistakes are one line each", async () => {
    const run = async (...argv: string[]) => {
      const { result, stderr } = await captureOutput(() => main(argv));
      return { code: result, stderr };
    };
    expect(await run("ablate")).toMatchObject({ code: 2, stderr: "gan: gan ablate: missing argument\n" });
    expect(await run("ablate", file, "--seeds", "0")).toMatchObject({ code: 2, stderr: "gan: gan ablate: --seeds needs an integer of at least 1, got '0'\n" });
    expect(await run("ablate", "plan.json")).toMatchObject({ code: 2, stderr: "gan: gan ablate: give the .gan spec: its variants are made by taking `use` lines out of the text\n" });
    expect(await run("ablate", path.join(dir, "none.gan"))).toMatchObject({ code: 1, stderr: `gan: ${path.join(dir, "none.gan")}: no such file\n` });
    expect(await run("ablate", file, "--as-written", "--add", "@gan/ema")).toMatchObject({
      code: 2,
      stderr: "gan: gan ablate: --as-written trains only the spec as written; it cannot be combined with --add\n",
    });
    expect(await run("ablate", file, "--add", "@gan/ema", "--add", "@gan/ema")).toMatchObject({ code: 2, stderr: "gan: gan ablate: --add @gan/ema is given twice\n" });
    expect(await run("ablate", file, "--as-written", "--remove", "@gan/leaky-relu")).toMatchObject({
      code: 2,
      stderr: "gan: gan ablate: --as-written trains only the spec as written; it cannot be combined with --remove\n",
    });
    expect(await run("ablate", file, "--remove", "@gan/ema")).toMatchObject({ code: 2, stderr: expect.stringMatching(/^gan: gan ablate: --remove @gan\/ema: .* does not use it \(its tricks: /) });
  });
});
