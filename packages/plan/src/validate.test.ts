import { describe, expect, it } from "vitest";
import { mnistDcgan, ring8 } from "./test-plans.js";
import { formatPlanErrors, validatePlan, type PlanError } from "./validate.js";
import { LAYER_TYPES, type PlanInput } from "./schema.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- tests break plans in ways the types forbid */

/** The errors of `make()` after `change`; fails the test if the plan is valid. */
function errorsAfter(change: (plan: any) => void, make: () => PlanInput = ring8): PlanError[] {
  const plan = make();
  change(plan);
  const result = validatePlan(JSON.parse(JSON.stringify(plan)));
  if (result.ok) throw new Error("expected the plan to be refused");
  return result.errors;
}

describe("validatePlan: valid plans", () => {
  it("accepts a plan and fills in defaults", () => {
    const result = validatePlan(ring8());
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(result.plan.train).toEqual({
      steps: 20000, batch: 512, seed: 1, sampleEvery: 0, checkpointEvery: 0, keepCheckpoints: 3, logEvery: 10, backend: "auto",
    });
    expect(result.plan.latent).toEqual({ size: 64, distribution: "normal" });
    expect(result.plan.optimizers.discriminator).toEqual({
      kind: "adam", lr: { schedule: "linear", from: 1e-4, to: 1e-5, start: 0, end: 20000 }, beta1: 0.5, beta2: 0.999, epsilon: 1e-8,
    });
    expect(result.plan.tricks[0]!.window).toEqual({});
  });

  it("writes the inferred shape of every layer and network", () => {
    const result = validatePlan(ring8());
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(result.plan.networks.generator.layers.map((l) => l.outputShape)).toEqual([[128], [128], [2]]);
    expect(result.plan.networks.generator.outputShape).toEqual([2]);
    expect(result.plan.networks.discriminator.outputShape).toEqual([1]);
  });

  it("accepts a conv plan whose recorded shapes are right", () => {
    const result = validatePlan(mnistDcgan());
    if (!result.ok) throw new Error(formatPlanErrors(result.errors));
    expect(result.plan.networks.generator.layers[4]).toEqual({
      type: "deconv", filters: 128, kernel: 5, stride: 1, padding: "same", outputShape: [7, 7, 128],
    });
  });

  it("does not change the JSON it is given", () => {
    const json = JSON.parse(JSON.stringify(ring8()));
    const before = JSON.stringify(json);
    validatePlan(json);
    expect(JSON.stringify(json)).toBe(before);
  });
});

describe("validatePlan: what the schema refuses", () => {
  it("names an unknown field by its path", () => {
    expect(
      errorsAfter((p) => {
        p.networks.generator.layers[2] = { type: "dense", unitz: 2 };
      }),
    ).toEqual([
      { path: "networks.generator.layers[2].units", message: "required field is missing" },
      { path: "networks.generator.layers[2].unitz", message: "unknown field" },
    ]);
    expect(errorsAfter((p) => (p.train.stpes = 10))).toEqual([{ path: "train.stpes", message: "unknown field" }]);
    expect(errorsAfter((p) => (p.comment = "hi"))).toEqual([{ path: "comment", message: "unknown field" }]);
  });

  it("finds unknown fields deep inside a layer", () => {
    expect(errorsAfter((p) => (p.networks.discriminator.layers[0].activation = { kind: "leakyrelu", alpah: 0.1 }))).toEqual([
      { path: "networks.discriminator.layers[0].activation.alpah", message: "unknown field" },
    ]);
  });

  it("lists the layer types when a type is unknown", () => {
    expect(errorsAfter((p) => (p.networks.generator.layers[0].type = "desne"))).toEqual([
      {
        path: "networks.generator.layers[0].type",
        // Every kind of layer-kinds/, in its order.
        message: `unknown value "desne": expected one of ${LAYER_TYPES.map((type) => JSON.stringify(type)).join(", ")}`,
      },
    ]);
  });

  it("lists the data kinds when a kind is unknown", () => {
    expect(errorsAfter((p) => (p.data.kind = "rnig"))).toEqual([
      { path: "data.kind", message: 'unknown value "rnig": expected one of "ring", "grid", "mnist", "idx", "images", "csv", "npy"' },
    ]);
  });

  it("takes a built-in loss kind, or a trick's loss only when the plan uses that trick", () => {
    expect(errorsAfter((p) => (p.loss = { kind: "rasgan" }))[0]!.path).toBe("loss.kind");
    expect(errorsAfter((p) => (p.loss = { kind: "trick", trick: "gan-loss-gap", name: "gap" }))).toEqual([
      { path: "loss.trick", message: "the loss 'gap' comes from trick 'gan-loss-gap', which the plan does not use (tricks[] has no 'gan-loss-gap')" },
    ]);
    const plan = { ...ring8(), loss: { kind: "trick" as const, trick: "gan-loss-gap", name: "gap" } };
    plan.tricks = [{ package: "gan-loss-gap", version: "1.0.0", options: {}, window: {} }];
    expect(validatePlan(plan).ok).toBe(true);
  });

  it("reports a wrong value of a field of the layer the author meant", () => {
    expect(errorsAfter((p) => (p.networks.generator.layers[4].padding = "sme"), mnistDcgan)).toEqual([
      { path: "networks.generator.layers[4].padding", message: 'must be one of "same", "valid", got "sme"' },
    ]);
    expect(errorsAfter((p) => (p.networks.discriminator.layers[1].rate = 1), mnistDcgan)).toEqual([
      { path: "networks.discriminator.layers[1].rate", message: "must be less than 1, got 1" },
    ]);
  });

  it("says what a number must be", () => {
    expect(errorsAfter((p) => (p.train.steps = 0))).toEqual([{ path: "train.steps", message: "must be at least 1, got 0" }]);
    expect(errorsAfter((p) => (p.train.steps = 1.5))).toEqual([{ path: "train.steps", message: "must be an integer, got 1.5" }]);
    expect(errorsAfter((p) => (p.train.steps = "many"))).toEqual([{ path: "train.steps", message: 'expected a number, got "many"' }]);
    expect(errorsAfter((p) => delete p.train.steps)).toEqual([{ path: "train.steps", message: "required field is missing" }]);
  });

  it("reports every problem at once", () => {
    expect(
      errorsAfter((p) => {
        p.planVersion = 2;
        p.source.sha256 = "abc";
        p.name = "";
        p.networks.generator.inputShape = [];
        p.data.nativeRange = [0];
      }),
    ).toEqual([
      { path: "planVersion", message: "must be 1, got 2" },
      { path: "name", message: "must not be empty" },
      { path: "source.sha256", message: 'must match /^[0-9a-f]{64}$/, got "abc"' },
      { path: "data.nativeRange", message: "must have at least 2 items, got 1" },
      { path: "networks.generator.inputShape", message: "must have at least 1 item, got 0" },
    ]);
  });

  it("tells a bad schedule from a bad number", () => {
    expect(errorsAfter((p) => (p.optimizers.generator.lr = "fast"))).toEqual([
      { path: "optimizers.generator.lr", message: 'expected a number or an object, got "fast"' },
    ]);
    expect(errorsAfter((p) => delete p.optimizers.discriminator.lr.end)).toEqual([
      { path: "optimizers.discriminator.lr.end", message: "required field is missing" },
    ]);
    expect(errorsAfter((p) => (p.optimizers.discriminator.lr.schedule = "linaer"))).toEqual([
      { path: "optimizers.discriminator.lr.schedule", message: 'unknown value "linaer": expected one of "linear", "cosine", "step"' },
    ]);
  });

  it("refuses what is not a plan at all", () => {
    expect(validatePlan(5)).toEqual({ ok: false, errors: [{ path: "", message: "expected an object, got 5" }] });
    expect(validatePlan(null)).toEqual({ ok: false, errors: [{ path: "", message: "expected an object, got null" }] });
    expect(validatePlan([])).toEqual({ ok: false, errors: [{ path: "", message: "expected an object, got a list" }] });
  });
});

describe("validatePlan: data", () => {
  it("refuses a range that goes down", () => {
    expect(errorsAfter((p) => (p.data.range = [1, -1]), mnistDcgan)).toEqual([
      { path: "data.range", message: "must go from a lower to a higher value, got [1, -1]" },
    ]);
    expect(errorsAfter((p) => (p.data.nativeRange = [0, 0]), mnistDcgan)).toEqual([
      { path: "data.nativeRange", message: "must go from a lower to a higher value, got [0, 0]" },
    ]);
  });
});

describe("validatePlan: schedules", () => {
  it("refuses a window that ends before it starts", () => {
    expect(errorsAfter((p) => (p.optimizers.discriminator.lr = { schedule: "cosine", from: 1, to: 0, start: 200, end: 100 }))).toEqual([
      { path: "optimizers.discriminator.lr", message: "end (100) must be after start (200)" },
    ]);
  });

  it("checks schedules inside trick options, which the plan's schema sees as plain JSON", () => {
    const unsorted = { schedule: "step", initial: 0.1, changes: [{ at: 500, value: 0.05 }, { at: 100, value: 0 }] };
    expect(errorsAfter((p) => (p.tricks[0].options = { levels: [0, unsorted] }))).toEqual([
      { path: "tricks[0].options.levels[1]", message: "step changes must be in increasing order of 'at': 100 comes after 500" },
    ]);
    expect(errorsAfter((p) => (p.tricks[0].options.std.until = 5000))).toEqual([
      { path: "tricks[0].options.std.until", message: "unknown field" },
    ]);
    expect(errorsAfter((p) => (p.tricks[0].options = { "max-norm": { schedule: "linear", from: 1 } }))).toEqual([
      { path: 'tricks[0].options["max-norm"].to', message: "required field is missing" },
      { path: 'tricks[0].options["max-norm"].end', message: "required field is missing" },
    ]);
  });

  it("refuses an empty trick window", () => {
    expect(errorsAfter((p) => (p.tricks[0].window = { from: 5000, until: 1000 }))).toEqual([
      { path: "tricks[0].window", message: "the window is empty: from (5000) must be before until (1000)" },
    ]);
    expect(validatePlan({ ...ring8(), tricks: [{ ...ring8().tricks[0]!, window: { from: 1000 } }] }).ok).toBe(true);
  });
});

describe("validatePlan: shapes", () => {
  it("reports a layer that does not fit its input, at the layer", () => {
    expect(errorsAfter((p) => p.networks.discriminator.layers.splice(3, 1), mnistDcgan)).toEqual([
      { path: "networks.discriminator.layers[3]", message: "dense needs a flat input but gets [7, 7, 128]: add 'flatten' before it" },
    ]);
  });

  it("refuses a recorded shape that the layers do not compute", () => {
    expect(errorsAfter((p) => (p.networks.generator.layers[5].outputShape = [14, 14, 128]), mnistDcgan)).toEqual([
      { path: "networks.generator.layers[5].outputShape", message: "recorded as [14, 14, 128] but the layers compute [14, 14, 64]" },
    ]);
    expect(errorsAfter((p) => (p.networks.discriminator.outputShape = [2]), mnistDcgan)).toEqual([
      { path: "networks.discriminator.outputShape", message: "recorded as [2] but the layers compute [1]" },
    ]);
  });

  it("requires the generator to produce a sample of the data's shape", () => {
    expect(
      errorsAfter((p) => {
        p.networks.generator.layers = [{ type: "dense", units: 784 }];
        delete p.networks.generator.outputShape;
      }, mnistDcgan),
    ).toEqual([
      {
        path: "networks.generator.layers[0]",
        message: "the generator outputs [784] but the data's samples have shape [28, 28, 1]: add 'reshape [28, 28, 1]' at the end",
      },
    ]);
    expect(errorsAfter((p) => (p.networks.generator.layers[2].units = 3))).toEqual([
      { path: "networks.generator.layers[2]", message: "the generator outputs [3] but the data's samples have shape [2]" },
    ]);
  });

  it("requires the discriminator to output one score", () => {
    expect(errorsAfter((p) => (p.networks.discriminator.layers[2].units = 2))).toEqual([
      { path: "networks.discriminator.layers[2]", message: "the discriminator outputs [2] but must output one score per sample, [1]: end it with 'dense 1'" },
    ]);
    expect(
      errorsAfter((p) => {
        p.networks.discriminator.layers = p.networks.discriminator.layers.slice(0, 3);
        delete p.networks.discriminator.outputShape;
      }, mnistDcgan),
    ).toEqual([
      {
        path: "networks.discriminator.layers[2]",
        message: "the discriminator outputs [7, 7, 128] but must output one score per sample, [1]: end it with 'flatten' and 'dense 1'",
      },
    ]);
  });

  it("requires the networks' inputs to be the latent vector and a sample", () => {
    expect(errorsAfter((p) => (p.latent.size = 32))).toEqual([
      { path: "networks.generator.inputShape", message: "is [64] but the latent vector has size 32: it must be [32]" },
    ]);
    expect(errorsAfter((p) => (p.networks.discriminator.inputShape = [784]), mnistDcgan)).toEqual([
      { path: "networks.discriminator.inputShape", message: "is [784] but the data's samples have shape [28, 28, 1]: it must be [28, 28, 1]" },
      { path: "networks.discriminator.layers[0]", message: "conv needs an image input [height, width, channels] but gets [784]: add 'reshape' before it" },
    ]);
  });

  describe("trick layers", () => {
    const withStddev = (outputShape?: number[]) => (p: any) => {
      const layer: Record<string, unknown> = { type: "trick", trick: "@gan/minibatch-stddev", name: "minibatch-stddev" };
      if (outputShape) layer.outputShape = outputShape;
      p.networks.discriminator.layers.splice(3, 0, layer);
    };

    it("trust the recorded output shape when no trick is loaded", () => {
      const plan: any = mnistDcgan();
      withStddev([7, 7, 129])(plan);
      plan.networks.discriminator.layers[4].outputShape = [6321];
      const result = validatePlan(plan);
      if (!result.ok) throw new Error(formatPlanErrors(result.errors));
      expect(result.plan.networks.discriminator.layers.map((l) => l.outputShape)).toEqual([
        [14, 14, 64], [14, 14, 64], [7, 7, 128], [7, 7, 129], [6321], [1],
      ]);
    });

    it("require a recorded output shape when no trick is loaded", () => {
      expect(errorsAfter(withStddev(), mnistDcgan)).toEqual([
        {
          path: "networks.discriminator.layers[3].outputShape",
          message: "required for a trick layer: only '@gan/minibatch-stddev' can compute it, and it is not loaded here",
        },
      ]);
    });

    it("ask the loaded trick when one is given", () => {
      const plan: any = mnistDcgan();
      withStddev([7, 7, 129])(plan);
      plan.networks.discriminator.layers[4].outputShape = [6321];
      const result = validatePlan(plan, { trickLayerShape: (_layer, input) => [input[0]!, input[1]!, input[2]! + 2] });
      expect(result.ok ? [] : result.errors).toEqual([
        { path: "networks.discriminator.layers[3].outputShape", message: "recorded as [7, 7, 129] but the layers compute [7, 7, 130]" },
        { path: "networks.discriminator.layers[4].outputShape", message: "recorded as [6321] but the layers compute [6370]" },
      ]);
    });
  });
});

describe("formatPlanErrors", () => {
  it("prints one `path: message` line per error", () => {
    expect(
      formatPlanErrors([
        { path: "train.steps", message: "must be at least 1, got 0" },
        { path: "", message: "expected an object, got 5" },
      ]),
    ).toBe("train.steps: must be at least 1, got 0\nexpected an object, got 5");
  });
});
