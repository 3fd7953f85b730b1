/** `eval every`, `keep best` and `stop when ... stalls` in the train block: lowered, located when wrong, formatted back. */
import { describe, expect, test } from "vitest";
import { format } from "./format.js";
import { brief, compileText, errorsOf, minimalWith } from "./test-support.js";

const train = (settings: string) => minimalWith("  train { steps 100 }\n", `  train {\n    steps 100\n${settings.split("\n").map((line) => `    ${line}\n`).join("")}  }\n`);

describe("evaluation during training", () => {
  test("the three settings lower into the plan's train block", async () => {
    const result = await compileText(train('eval every 20 { metrics: ["modes", "reverse_kl"], samples: 500 }\nkeep best modes\nkeep 1\nstop when reverse_kl stalls for 3 evals'));
    expect(brief(result.diagnostics)).toEqual([]);
    expect(result.plan!.train).toMatchObject({
      eval: { every: 20, metrics: ["modes", "reverse_kl"], samples: 500 },
      keepBest: "modes",
      keepCheckpoints: 1,
      stopWhenStalls: { metric: "reverse_kl", evals: 3 },
    });
    // Without options: every metric of the data; on one line with other settings.
    const plain = await compileText(minimalWith("train { steps 100 }", "train { steps 100 eval every 50 stop when modes stalls for 1 eval keep 2 }"));
    expect(brief(plain.diagnostics)).toEqual([]);
    expect(plain.plan!.train).toMatchObject({ eval: { every: 50 }, stopWhenStalls: { metric: "modes", evals: 1 }, keepCheckpoints: 2 });
    expect(plain.plan!.train.eval!.metrics).toBeUndefined();
  });

  test("mistakes are located: a metric the data does not have, a misspelt word, a best without an eval, the wrong form", async () => {
    expect(await errorsOf(train('eval every 20 { metrics: ["modes", "fid"] }'))).toEqual([
      `14:40 train.eval.metrics[1]: 'fid' is not measured on 2-D mixtures: the metrics are "modes", "high_quality", "reverse_kl"`,
    ]);
    expect(await errorsOf(train('eval every 20 { metrics: ["mode"] }'))).toEqual(["14:30 unknown metric 'mode', did you mean 'modes'?"]);
    expect(await errorsOf(train("eval every 20 { sample: 10 }"))).toEqual([`14:21 unknown eval option 'sample': the options are metrics and samples (eval every 500 { metrics: ["fid"], samples: 5000 })`]);
    expect(await errorsOf(train("eval every 0"))).toEqual(["14:16 eval every must be a positive integer, got 0"]);
    expect(await errorsOf(train("keep best modes"))).toEqual([`14:5 train.keepBest: keep best modes needs an evaluation during training: eval every N { metrics: ["modes"] }`]);
    expect(await errorsOf(train('eval every 20 { metrics: ["modes"] }\nkeep best reverse_kl'))).toEqual([
      "15:5 train.keepBest: keep best reverse_kl: 'reverse_kl' is not among the metrics of eval every (modes)",
    ]);
    expect(await errorsOf(train("eval every 20\nkeep best fidd"))).toEqual(["15:15 unknown metric 'fidd', did you mean 'fid'?"]);
    expect(await errorsOf(train("eval every 20\nstop when modes stall for 3 evals"))).toEqual(["15:21 stop is written stop when fid stalls for 5 evals"]);
    expect(await errorsOf(train("eval every 20\nstop when modes stalls for 0 evals"))).toEqual(["15:32 stop when ... stalls for must be a positive integer, got 0"]);
  });

  test("gan fmt prints them back as written", () => {
    const text = train('eval every 20 { metrics: ["fid"], samples: 5000 }\nkeep best fid\nstop when fid stalls for 5 evals');
    const formatted = format(text, "t.gan");
    expect(formatted.diagnostics).toEqual([]);
    expect(formatted.text).toContain('    eval every 20 { metrics: ["fid"], samples: 5000 }\n    keep best fid\n    stop when fid stalls for 5 evals\n');
    expect(format(formatted.text!, "t.gan").text).toBe(formatted.text);
  });
});
