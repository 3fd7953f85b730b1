/** validatePlan on `eval every`, `keep best` and `stop when ... stalls` of a plan.json: metrics the data has, and only evaluated ones. */
import { describe, expect, test } from "vitest";
import { evalMetricKey, evaluationKindOf } from "./schema.js";
import { mnistDcgan, ring8 } from "./test-plans.js";
import { validatePlan } from "./validate.js";

const errors = (plan: object) => {
  const result = validatePlan(plan);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

describe("evaluation during training in a plan", () => {
  test("a ring evaluated on its mixture metrics, with keep best and a stop rule, is valid", () => {
    const plan = ring8();
    expect(errors({ ...plan, train: { ...plan.train, eval: { every: 100 }, keepBest: "modes", stopWhenStalls: { metric: "reverse_kl", evals: 4 } } })).toEqual([]);
  });

  test("metrics the data does not have, a best or a stop on a metric not evaluated, data without metrics", () => {
    const mnist = mnistDcgan();
    expect(errors({ ...mnist, train: { ...mnist.train, eval: { every: 100, metrics: ["fid", "modes"] }, keepBest: "classifier_score" } })).toEqual([
      `train.eval.metrics[1]: 'modes' is not measured on 28x28x1 images without a feature network: the metrics are "fid", "classifier_score"`,
      "train.keepBest: keep best classifier_score: 'classifier_score' is not among the metrics of eval every (fid, modes)",
    ]);
    const ring = ring8();
    expect(errors({ ...ring, train: { ...ring.train, stopWhenStalls: { metric: "modes", evals: 2 } } })).toEqual([
      `train.stopWhenStalls: stop when modes stalls needs an evaluation during training: eval every N { metrics: ["modes"] }`,
    ]);
    const images = { ...mnist, data: { kind: "images", dir: "/data/faces", shape: [28, 28, 3], nativeRange: [0, 1], range: [-1, 1] } };
    expect(evaluationKindOf(images.data)).toBeUndefined();
    expect(errors({ ...images, train: { ...mnist.train, eval: { every: 100 } } })).toContainEqual(
      `train.eval: images of shape [28, 28, 3] need a feature network to be evaluated during training: eval every N { features: "path/model.json" } (a tfjs model; featuresLayer: "NAME" picks its layer), or features: "emoji-classifier" for the emoji set (only 28x28x1 images have a default, the MNIST classifier)`,
    );
  });

  test("a feature network makes any images measurable on its features, named after it; it takes images only", () => {
    const mnist = mnistDcgan();
    const images = { ...mnist, data: { kind: "images", dir: "/data/faces", shape: [28, 28, 3], nativeRange: [0, 1], range: [-1, 1] } };
    const features = { model: "/models/inception-v3/model.json", layer: "pool_3", inputRange: [-1, 1] };
    const evaluation = { every: 100, metrics: ["fd", "kid", "fid"], features };
    expect(evaluationKindOf(images.data, evaluation)).toBe("features");
    expect(errors({ ...images, train: { ...mnist.train, eval: evaluation, keepBest: "fd" } })).toContainEqual(
      `train.eval.metrics[2]: 'fid' is not measured on a feature network's features: the metrics are "fd", "kid", "precision", "recall", "density", "coverage"`,
    );
    expect(evalMetricKey("kid", evaluation)).toBe("kid@inception-v3:pool_3");
    expect(evalMetricKey("fd", { features: { model: "emoji-classifier" } })).toBe("fd@emoji-classifier");
    expect(evalMetricKey("fid", undefined)).toBe("fd@mnist-classifier");
    const ring = ring8();
    expect(errors({ ...ring, train: { ...ring.train, eval: { every: 100, features: { model: "emoji-classifier" } } } })).toEqual([
      "train.eval.features: a feature network takes images; data 'ring' of shape [2] is not images",
    ]);
  });
});
