/** `eval every`, `keep best` and `stop when ... stalls` in the train block: lowered, located when wrong, formatted back. */
import { describe, expect, test } from "vitest";
import type { EvalFeatures, FeatureNetworkResult } from "@gan/plan";
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
    expect(await errorsOf(train("eval every 20 { sample: 10 }"))).toEqual([`14:21 unknown eval option 'sample', did you mean 'samples'?: the options are metrics, samples, features, featuresLayer and featuresRange (eval every 500 { metrics: ["fid"], samples: 5000 })`]);
    expect(await errorsOf(train("eval every 0"))).toEqual(["14:16 eval every must be a positive integer, got 0"]);
    expect(await errorsOf(train("keep best modes"))).toEqual([`14:5 train.keepBest: keep best modes needs an evaluation during training: eval every N { metrics: ["modes"] }`]);
    expect(await errorsOf(train('eval every 20 { metrics: ["modes"] }\nkeep best reverse_kl'))).toEqual([
      "15:5 train.keepBest: keep best reverse_kl: 'reverse_kl' is not among the metrics of eval every (modes)",
    ]);
    expect(await errorsOf(train("eval every 20\nkeep best fidd"))).toEqual(["15:15 unknown metric 'fidd', did you mean 'fid'?"]);
    expect(await errorsOf(train("eval every 20\nstop when modes stall for 3 evals"))).toEqual(["15:21 stop is written stop when fid stalls for 5 evals"]);
    expect(await errorsOf(train("eval every 20\nstop when modes stalls for 0 evals"))).toEqual(["15:32 stop when ... stalls for must be a positive integer, got 0"]);
  });

  describe("features: the feature network of image metrics", () => {
    const images = (evalLine: string) =>
      minimalWith("  data ring\n", '  data images "faces" { size: [8, 8], channels: 3 }\n')
        .replace("dense 2\n", "dense 8*8*3 tanh\n    reshape [8, 8, 3]\n")
        .replace("discriminator {\n", "discriminator {\n    flatten\n")
        .replace("train { steps 100 }", `train {\n    steps 100\n    ${evalLine}\n  }`);
    const dataShape = () => ({ ok: true as const, shape: [8, 8, 3] });
    const layers = ["conv1", "pool_3", "logits"];
    const featureNetwork = (features: EvalFeatures): FeatureNetworkResult =>
      features.model === "/specs/missing/model.json"
        ? { ok: false, message: "/specs/missing/model.json does not exist", part: "model" }
        : features.layer !== undefined && !layers.includes(features.layer)
          ? { ok: false, message: `no layer '${features.layer}'`, part: "layer" }
          : { ok: true };

    test("a model path (resolved against the spec's folder), its layer and range; or a built-in network", async () => {
      const result = await compileText(images('eval every 20 { metrics: ["fd", "kid"], features: "inception/model.json", featuresLayer: "pool_3", featuresRange: [-1, 1] }'), { dataShape, featureNetwork });
      expect(brief(result.diagnostics)).toEqual([]);
      expect(result.plan!.train.eval).toEqual({ every: 20, metrics: ["fd", "kid"], features: { model: "/specs/inception/model.json", layer: "pool_3", inputRange: [-1, 1] } });
      const builtin = await compileText(images('eval every 20 { features: "emoji-classifier" }\nkeep best fd'), { dataShape, featureNetwork });
      expect(brief(builtin.diagnostics)).toEqual([]);
      expect(builtin.plan!.train).toMatchObject({ eval: { every: 20, features: { model: "emoji-classifier" } }, keepBest: "fd" });
    });

    test("a missing file, a layer the model lacks, a misspelt network, options without features, images without any: located", async () => {
      expect(await errorsOf(images('eval every 20 { features: "missing/model.json" }'), { dataShape, featureNetwork })).toEqual(["16:31 features: /specs/missing/model.json does not exist"]);
      expect(await errorsOf(images('eval every 20 { features: "net/model.json", featuresLayer: "pool3" }'), { dataShape, featureNetwork })).toEqual(["16:64 features: no layer 'pool3'"]);
      expect(await errorsOf(images('eval every 20 { features: "emoji-clasifier" }'), { dataShape, featureNetwork })).toEqual(["16:31 unknown feature network 'emoji-clasifier', did you mean 'emoji-classifier'?"]);
      expect(await errorsOf(images('eval every 20 { featuresLayer: "pool_3" }'), { dataShape, featureNetwork })).toEqual([
        `16:21 featuresLayer needs features, the network it applies to: features: "path/model.json" (a tfjs model) or "emoji-classifier"`,
      ]);
      expect(await errorsOf(images('eval every 20 { features: "net/model.json", featuresRange: [1, -1] }'), { dataShape, featureNetwork })).toEqual([
        "16:64 featuresRange is the pixel range the network expects, two numbers from low to high: featuresRange: [-1, 1]",
      ]);
      expect(await errorsOf(images("eval every 20"), { dataShape, featureNetwork })).toEqual([
          `16:5 train.eval: images of shape [8, 8, 3] need a feature network to be evaluated during training: eval every N { features: "path/model.json" } (a tfjs model; featuresLayer: "NAME" picks its layer), or features: "emoji-classifier" for the emoji set (only 28x28x1 images have a default, the MNIST classifier)`,
      ]);
      expect(await errorsOf(images('eval every 20 { metrics: ["fid"], features: "emoji-classifier" }'), { dataShape, featureNetwork })).toEqual([
        `16:31 train.eval.metrics[0]: 'fid' is not measured on a feature network's features: the metrics are "fd", "kid", "precision", "recall", "density", "coverage"`,
      ]);
    });
  });

  test("gan fmt prints them back as written", () => {
    const text = train('eval every 20 { metrics: ["fid"], samples: 5000 }\nkeep best fid\nstop when fid stalls for 5 evals');
    const formatted = format(text, "t.gan");
    expect(formatted.diagnostics).toEqual([]);
    expect(formatted.text).toContain('    eval every 20 { metrics: ["fid"], samples: 5000 }\n    keep best fid\n    stop when fid stalls for 5 evals\n');
    expect(format(formatted.text!, "t.gan").text).toBe(formatted.text);
  });
});
