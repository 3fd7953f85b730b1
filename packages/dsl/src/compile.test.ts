import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LOSS_KINDS, PlanSchema, validatePlan, type Plan } from "@gan/plan";
import { compile } from "./compile.js";
import { testHost } from "./test-host.js";
import { brief, compileText, errorsOf, MINIMAL, minimalWith } from "./test-support.js";

async function planOf(text: string, options: Parameters<typeof compileText>[1] = {}): Promise<Plan> {
  const result = await compileText(text, options);
  expect(brief(result.diagnostics)).toEqual([]);
  expect(result.plan).toBeDefined();
  return result.plan!;
}

const withStatements = (...statements: string[]) => minimalWith("  train { steps 100 }\n", `  train { steps 100 }\n${statements.map((s) => `  ${s}\n`).join("")}`);

describe("compile: the plan of a small spec", () => {
  it("fills every part, with defaults from the plan's schemas, and validates", async () => {
    const plan = await planOf(MINIMAL);
    expect(validatePlan(plan).ok).toBe(true);
    expect(PlanSchema.parse(plan)).toEqual(plan);
    expect(plan).toMatchObject({
      planVersion: 1,
      name: "t",
      source: { file: "t.gan", sha256: createHash("sha256").update(MINIMAL).digest("hex") },
      data: { kind: "ring", modes: 8, radius: 1, std: 0.01, shape: [2], nativeRange: null, range: null, source: { line: 2, column: 3 } },
      latent: { size: 8, distribution: "normal" },
      loss: { kind: "nonsaturating" },
      optimizers: {
        generator: { kind: "adam", lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
        discriminator: { kind: "adam", lr: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
      },
      train: { steps: 100, batch: 64, seed: 0, sampleEvery: 0, checkpointEvery: 0, keepCheckpoints: 3, logEvery: 10, backend: "auto" },
      tricks: [],
      rewrites: [],
    });
    expect(plan.networks.generator).toEqual({
      inputShape: [8],
      outputShape: [2],
      layers: [
        { type: "dense", units: 16, activation: { kind: "relu" }, outputShape: [16], source: { line: 5, column: 5 } },
        { type: "dense", units: 2, outputShape: [2], source: { line: 6, column: 5 } },
      ],
    });
    expect(plan.networks.discriminator).toMatchObject({ inputShape: [2], outputShape: [1] });
  });

  it("never resolves relative to the working directory: tricks load from the spec's directory", async () => {
    const host = testHost();
    const result = await compile(withStatements('use "@gan/fixture"'), { file: "/work/specs/a.gan", host });
    expect(result.plan).toBeDefined();
    expect(host.loads).toEqual([{ packageName: "@gan/fixture", fromDir: "/work/specs" }]);
  });
});

describe("compile: lowering of each construct", () => {
  it("train settings", async () => {
    const plan = await planOf(minimalWith("train { steps 100 }", "train { steps 20_000 batch 512 seed 1 sample every 1000 checkpoint every 5000 keep 0 log every 50 backend wasm }"));
    expect(plan.train).toEqual({ steps: 20000, batch: 512, seed: 1, sampleEvery: 1000, checkpointEvery: 5000, keepCheckpoints: 0, logEvery: 50, backend: "wasm" });
    expect(await errorsOf(minimalWith("train { steps 100 }", "train { steps 100 keep -1 }"))).toEqual([expect.stringMatching(/keep/)]);
  });

  it("data sources: ring, grid and mnist with their shapes and ranges", async () => {
    const ring = await planOf(minimalWith("data ring", "data ring { modes: 6, radius: 2, std: 0.02 }"));
    expect(ring.data).toMatchObject({ kind: "ring", modes: 6, radius: 2, std: 0.02, shape: [2], nativeRange: null, range: null });
    const grid = await planOf(minimalWith("data ring", "data grid { side: 4 }"));
    expect(grid.data).toMatchObject({ kind: "grid", side: 4, spacing: 2, std: 0.05, shape: [2] });
    const mnist = await planOf(
      minimalWith("data ring", 'data mnist { split: "test" }')
        .replace("dense 2\n", "dense 784 sigmoid\n    reshape [28, 28, 1]\n")
        .replace("dense 16 relu\n    dense 1", "flatten\n    dense 16 relu\n    dense 1"),
    );
    expect(mnist.data).toMatchObject({ kind: "mnist", split: "test", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] });
    expect(mnist.networks.discriminator.inputShape).toEqual([28, 28, 1]);
  });

  it("idx and images data: paths resolved against the spec's directory, shape from the spec or the host", async () => {
    const idx = await planOf(minimalWith("data ring", 'data idx { images: "data/img.idx", labels: "/abs/lbl.idx", shape: [2] }'), { file: "/specs/x/t.gan" });
    expect(idx.data).toMatchObject({ kind: "idx", images: "/specs/x/data/img.idx", labels: "/abs/lbl.idx", shape: [2], nativeRange: [0, 1] });

    const asked: unknown[] = [];
    const images = await planOf(minimalWith("data ring", 'data images "faces"'), {
      file: "/specs/t.gan",
      dataShape: (data) => {
        asked.push(data);
        return { ok: true, shape: [2] };
      },
    });
    expect(images.data).toMatchObject({ kind: "images", dir: "/specs/faces", shape: [2] });
    expect(asked).toEqual([
      { kind: "images", dir: "/specs/faces", crop: "center", resize: "area", background: "#000000", onBadFile: "stop", nativeRange: [0, 1], range: [0, 1] },
    ]);

    expect(await errorsOf(minimalWith("data ring", 'data images "faces"'))).toEqual([
      "2:8 the shape of the samples of data images is not known: give it in the spec: data images { ..., shape: [28, 28, 1] }",
    ]);
    expect(await errorsOf(minimalWith("data ring", 'data idx { images: "a" }'), { dataShape: () => ({ ok: false, message: "a: no such file" }) })).toEqual([
      '2:22 data idx: a: no such file',
    ]);
    expect(await errorsOf(minimalWith("data ring", "data idx { shape: [2] }"))).toEqual([
      '2:8 data idx needs the file of its images: idx { images: "train-images-idx3-ubyte" }',
    ]);
  });

  it("images options: size, channels, crop, resize, background, range and classes reach the plan and the host", async () => {
    const asked: unknown[] = [];
    const classes = { from: "folders" as const, names: ["cat", "dog"], counts: [3, 4] };
    const images = await planOf(
      minimalWith("data ring", 'data images "faces" { size: [1, 2], channels: 1, crop: "random", resize: "bilinear", background: "#ffffff", range: [-1, 1], classes: "folders", shape: [2] }'),
      {
        dataShape: (data) => {
          asked.push(data);
          return { ok: true, shape: [1, 2, 1], classes };
        },
      },
    );
    expect(images.data).toEqual({
      kind: "images", dir: "/specs/faces", size: [1, 2], channels: 1, crop: "random", resize: "bilinear", background: "#ffffff", onBadFile: "stop",
      classes, shape: [2], nativeRange: [0, 1], range: [-1, 1], source: { line: 2, column: 3 },
    });
    expect(asked).toEqual([expect.objectContaining({ classes: { from: "folders" }, size: [1, 2], channels: 1 })]);
    const labelled = await planOf(minimalWith("data ring", 'data images "faces" { classes: "labels.csv", shape: [2] }'), {
      dataShape: (data) => ({ ok: true, shape: [2, 1, 1], classes: { ...(data as { classes: { from: "csv"; file: string } }).classes, names: ["a"], counts: [2] } }),
    });
    expect(labelled.data).toMatchObject({ classes: { from: "csv", file: "/specs/labels.csv", names: ["a"], counts: [2] } });
    expect(await errorsOf(minimalWith("data ring", 'data images "faces" { classes: "folders", shape: [2] }'), { dataShape: () => ({ ok: true, shape: [2] }) })).toEqual([
      "2:34 data images: the files gave no class labels",
    ]);
    expect(
      await errorsOf(minimalWith("data ring", 'data images "faces" { crop: "centre", channels: 2, clases: "folders", classes: "subfolders", range: [1, -1] }'), {
        dataShape: () => ({ ok: true, shape: [2] }),
      }),
    ).toEqual([
      '2:25 data images option \'crop\' must be one of "center", "random", got "centre", did you mean \'center\'?',
      "2:51 data images option 'channels' must be 1 (grey), 3 (RGB) or 4 (RGBA), got 2",
      "2:54 data images has no option 'clases', did you mean 'classes'?",
      '2:82 data images option \'classes\' must be "folders" (a sub-folder per class) or the path of a CSV file of file,label lines, got "subfolders"',
      "2:103 range must go from a lower to a higher value, got [1, -1]",
    ]);
  });

  it("csv, npy and labelled mnist: required options, a wrong column at the column, range only for bounded data", async () => {
    expect(await errorsOf(minimalWith("data ring", 'data csv "p.csv"'))).toEqual(['2:8 data csv needs the names of its columns: csv "points.csv" { columns: ["x", "y"] }']);
    expect(await errorsOf(minimalWith("data ring", 'data npy { scale: "minmax" }'))).toEqual(['2:8 data npy needs the .npy file: data npy "x.npy"']);
    const wrongColumn = { dataShape: () => ({ ok: false as const, message: "p.csv: has no column 'yy'", option: ["columns", 1] }) };
    expect(await errorsOf(minimalWith("data ring", 'data csv "p.csv" { columns: ["x", "yy"] }'), wrongColumn)).toEqual(["2:37 data csv: p.csv: has no column 'yy'"]);
    const csv = await planOf(minimalWith("data ring", 'data csv "p.csv" { columns: ["x", "y"], scale: "minmax", range: [-1, 1] }'), { dataShape: () => ({ ok: true, shape: [2] }) });
    expect(csv.data).toMatchObject({ kind: "csv", file: "/specs/p.csv", columns: ["x", "y"], scale: "minmax", shape: [2], nativeRange: [0, 1], range: [-1, 1] });
    expect(await errorsOf(minimalWith("data ring", 'data csv "p.csv" { columns: ["x", "y"], range: [-1, 1] }'), { dataShape: () => ({ ok: true, shape: [2] }) })).toEqual([
      '2:50 data csv option \'range\': this data is unbounded, so there is no range to map it from: scale it first, scale: "minmax"',
    ]);
    expect(await errorsOf(minimalWith("data ring", "data ring { range: [-1, 1] }"))).toEqual(["2:15 data ring has no option 'range': its options are 'modes', 'radius' and 'std'"]);
    expect(await errorsOf(minimalWith("data ring", 'data mnist { classes: "folders" }'))).toEqual([
      '2:25 data mnist option \'classes\' must be "labels" (the classes are the digits of the IDX labels file), got "folders"',
    ]);
  });

  it("file-backed data is opened even when the spec gives its shape, as training will open it", async () => {
    const files = (shape: number[]) => ({ dataShape: () => ({ ok: true as const, shape }) });
    // Files of 2x1x1 images can be served flattened, as the small networks of MINIMAL take them.
    expect(await errorsOf(minimalWith("data ring", 'data images "faces" { shape: [2] }'), files([2, 1, 1]))).toEqual([]);
    expect((await planOf(minimalWith("data ring", 'data idx { images: "a", shape: [2] }'), files([2, 1, 1]))).data.shape).toEqual([2]);
    // A shape the files do not hold, at the shape.
    expect(await errorsOf(minimalWith("data ring", 'data images "faces" { shape: [28, 28, 1] }'), files([8, 8, 1]))).toEqual([
      "2:32 data images: the files hold images of [8, 8, 1] (height x width x channels), but the spec gives shape [28, 28, 1]",
    ]);
    // Files that cannot be read, at their path, without suggesting a shape.
    const missing = { dataShape: () => ({ ok: false as const, message: "/specs/faces: no such folder" }) };
    expect(await errorsOf(minimalWith("data ring", 'data images "faces" { shape: [2] }'), missing)).toEqual(["2:15 data images: /specs/faces: no such folder"]);
  });

  it("latent size and distribution", async () => {
    expect((await planOf(minimalWith("latent 8", "latent 4*2 uniform"))).latent).toEqual({ size: 8, distribution: "uniform" });
  });

  it("every layer kind, with defaults and activations after layers that have none of their own", async () => {
    const text = `gan t {
  data mnist
  latent 16
  generator {
    dense 7*7*8
    batchnorm relu
    reshape [7, 7, 8]
    deconv 8 kernel 4 stride 2 padding same leakyrelu 0.1
    dropout 0.25
    deconv 1 kernel 4 stride 2 sigmoid
  }
  discriminator {
    conv 8 kernel 3 stride 1 padding valid leakyrelu
    maxpool 2
    avgpool 2 stride 1 padding same relu
    batchnorm momentum 0.9 epsilon 1e-5
    flatten
    dense 1 linear
  }
  train { steps 10 }
}`;
    const plan = await planOf(text);
    const strip = (layers: Plan["networks"]["generator"]["layers"]) => layers.map(({ source: _source, ...layer }) => layer);
    expect(strip(plan.networks.generator.layers)).toEqual([
      { type: "dense", units: 392, outputShape: [392] },
      { type: "batchnorm", momentum: 0.99, epsilon: 1e-3, outputShape: [392] },
      { type: "activation", activation: { kind: "relu" }, outputShape: [392] },
      { type: "reshape", shape: [7, 7, 8], outputShape: [7, 7, 8] },
      { type: "deconv", filters: 8, kernel: 4, stride: 2, padding: "same", activation: { kind: "leakyrelu", alpha: 0.1 }, outputShape: [14, 14, 8] },
      { type: "dropout", rate: 0.25, outputShape: [14, 14, 8] },
      { type: "deconv", filters: 1, kernel: 4, stride: 2, padding: "same", activation: { kind: "sigmoid" }, outputShape: [28, 28, 1] },
    ]);
    expect(strip(plan.networks.discriminator.layers)).toEqual([
      { type: "conv", filters: 8, kernel: 3, stride: 1, padding: "valid", activation: { kind: "leakyrelu", alpha: 0.2 }, outputShape: [26, 26, 8] },
      { type: "maxpool", size: 2, padding: "valid", outputShape: [13, 13, 8] },
      { type: "avgpool", size: 2, stride: 1, padding: "same", outputShape: [13, 13, 8] },
      { type: "activation", activation: { kind: "relu" }, outputShape: [13, 13, 8] },
      { type: "batchnorm", momentum: 0.9, epsilon: 1e-5, outputShape: [13, 13, 8] },
      { type: "flatten", outputShape: [1352] },
      { type: "dense", units: 1, activation: { kind: "linear" }, outputShape: [1] },
    ]);
    // The activation layer after batchnorm points at the activation's word.
    expect(plan.networks.generator.layers[2]!.source).toEqual({ line: 6, column: 15 });
  });

  it("losses: every built-in kind", async () => {
    for (const loss of LOSS_KINDS) {
      expect((await planOf(withStatements(`loss ${loss}`))).loss).toEqual({ kind: loss });
    }
  });

  it("a loss that a used trick provides: the plan names the trick, rewrites get its declaration", async () => {
    const plan = await planOf(withStatements('use "@gan/loss-fixture"', 'use "@gan/loss-reader"', "loss softhinge"));
    expect(plan.loss).toEqual({ kind: "trick", trick: "@gan/loss-fixture", name: "softhinge" });
    expect(plan.rewrites.map((rewrite) => rewrite.description)).toEqual(["takesTargets false, generatorUsesRealLogits true"]);
    // A built-in loss's declaration comes from @gan/plan.
    const hinge = await planOf(withStatements('use "@gan/loss-reader"', "loss least-squares"));
    expect(hinge.rewrites.map((rewrite) => rewrite.description)).toEqual(["takesTargets true, generatorUsesRealLogits false"]);
  });

  it("an unknown loss word: did-you-mean over the built-in words, their aliases and the used tricks' losses", async () => {
    expect(await errorsOf(withStatements('use "@gan/loss-fixture"', "loss softhing"))).toEqual(["14:8 unknown loss 'softhing', did you mean 'softhinge'?"]);
    expect(await errorsOf(withStatements("loss rasgan"))).toEqual(["13:8 unknown loss 'rasgan', did you mean 'ragan'?"]);
    // Without its `use`, a trick's loss is not known.
    expect(await errorsOf(withStatements("loss softhinge"))).toEqual([
      `13:8 unknown loss 'softhinge': the losses are ${LOSS_KINDS.map((kind) => `'${kind}'`).join(", ").replace(/, ([^,]*)$/, " or $1")}`,
    ]);
  });

  it("optimizers: one for both, one per network (which wins whatever the order), schedules for lr", async () => {
    const plan = await planOf(
      withStatements(
        "optimizer discriminator sgd { lr: 0.01, momentum: 0.9 }",
        "optimizer adam { lr: 2e-4, beta1: 0.5 }",
        "optimizer generator rmsprop { lr: linear(1e-3 -> 1e-4, until 80) }",
      ),
    );
    expect(plan.optimizers).toEqual({
      generator: { kind: "rmsprop", lr: { schedule: "linear", from: 1e-3, to: 1e-4, start: 0, end: 80 }, decay: 0.9, momentum: 0, epsilon: 1e-7 },
      discriminator: { kind: "sgd", lr: 0.01, momentum: 0.9 },
    });
    const both = await planOf(withStatements("optimizer adam { lr: 1e-3, beta1: 0, beta2: 0.9 }"));
    expect(both.optimizers.generator).toEqual({ kind: "adam", lr: 1e-3, beta1: 0, beta2: 0.9, epsilon: 1e-8 });
    expect(both.optimizers.discriminator).toEqual(both.optimizers.generator);
  });

  it("schedules: linear and cosine with their bounds, until the end of the run by default, step", async () => {
    const lrOf = async (schedule: string) => (await planOf(withStatements(`optimizer adam { lr: ${schedule} }`))).optimizers.generator.lr;
    expect(await lrOf("linear(1e-3 -> 1e-4, until 50)")).toEqual({ schedule: "linear", from: 1e-3, to: 1e-4, start: 0, end: 50 });
    expect(await lrOf("linear(1e-3 -> 1e-4, from 10 until 50)")).toEqual({ schedule: "linear", from: 1e-3, to: 1e-4, start: 10, end: 50 });
    expect(await lrOf("cosine(1e-3 -> 0, from 20)")).toEqual({ schedule: "cosine", from: 1e-3, to: 0, start: 20, end: 100 });
    expect(await lrOf("cosine(2 * 1e-3 -> 1e-3 / 2)")).toEqual({ schedule: "cosine", from: 2e-3, to: 5e-4, start: 0, end: 100 });
    expect(await lrOf("step(1e-3, 1e-4 at 50, 1e-5 at 90)")).toEqual({
      schedule: "step",
      initial: 1e-3,
      changes: [
        { at: 50, value: 1e-4 },
        { at: 90, value: 1e-5 },
      ],
    });
  });
});

describe("compile: tricks", () => {
  it("records each use with its version, validated options (defaults filled, schedules kept), window and source", async () => {
    const plan = await planOf(
      withStatements('use "@gan/fixture" { slope: 0.1, rate: linear(1 -> 0, until 50) } from 10 until 90', 'use "@gan/label-smoothing"'),
    );
    expect(plan.tricks).toEqual([
      {
        package: "@gan/fixture",
        version: "1.2.3",
        options: { slope: 0.1, mode: "fast", rate: { schedule: "linear", from: 1, to: 0, start: 0, end: 50 } },
        window: { from: 10, until: 90 },
        source: { line: 13, column: 3 },
      },
      { package: "@gan/label-smoothing", version: "1.2.3", options: { real: 0.9, fake: 0 }, window: {}, source: { line: 14, column: 3 } },
    ]);
  });

  it("applies rewrites and records what they changed; the plan printed is the plan that runs", async () => {
    const plan = await planOf(withStatements('use "@gan/fixture" { slope: 0.3 }'));
    expect(plan.networks.discriminator.layers[0]).toMatchObject({ type: "dense", activation: { kind: "leakyrelu", alpha: 0.3 } });
    expect(plan.networks.generator.layers[0]).toMatchObject({ activation: { kind: "relu" } });
    expect(plan.rewrites).toEqual([
      {
        trick: "@gan/fixture",
        network: "discriminator",
        index: 0,
        action: "replace",
        description: "relu -> leakyrelu",
        before: { type: "dense", units: 16, activation: { kind: "relu" }, source: { line: 9, column: 5 } },
        after: { type: "dense", units: 16, activation: { kind: "leakyrelu", alpha: 0.3 }, source: { line: 9, column: 5 } },
      },
    ]);
  });

  it("runs rewrites in the order pre, normal, post, each in use order", async () => {
    const plan = await planOf(withStatements('use "@gan/last"', 'use "@gan/fixture"', 'use "@gan/first"'));
    expect(plan.rewrites.map((r) => r.trick)).toEqual(["@gan/first", "@gan/fixture", "@gan/last"]);
    // plan.tricks keeps the order of the spec.
    expect(plan.tricks.map((t) => t.package)).toEqual(["@gan/last", "@gan/fixture", "@gan/first"]);
  });

  it("infers the shape of a layer that a trick adds, through that trick", async () => {
    const text = `gan t {
  data mnist
  latent 8
  generator {
    dense 784 sigmoid
    reshape [28, 28, 1]
  }
  discriminator {
    conv 4 stride 2
    flatten
    dense 1
  }
  train { steps 10 }
  use "@gan/stddev"
}`;
    const plan = await planOf(text);
    expect(plan.networks.discriminator.layers.map((l) => [l.type, l.outputShape])).toEqual([
      ["conv", [14, 14, 4]],
      ["trick", [14, 14, 5]],
      ["flatten", [980]],
      ["dense", [1]],
    ]);
    expect(plan.rewrites).toMatchObject([{ trick: "@gan/stddev", action: "insert", index: 1 }]);
  });

  it("names the trick whose rewrite throws, at its use line", async () => {
    expect(await errorsOf(withStatements('use "@gan/stddev"'))).toEqual([
      "13:3 trick '@gan/stddev' failed in its rewrite hook: the discriminator has no flatten to put the stddev layer before",
    ]);
  });

  it("names the trick whose rewrite makes the plan invalid", async () => {
    expect(await errorsOf(withStatements('use "@gan/fixture"', 'use "@gan/breaks"'))).toEqual([
      "14:3 trick '@gan/breaks' made the plan invalid in its rewrite hook: networks.generator.layers[0].units: Too small: expected number to be >=1",
    ]);
  });

  it("refuses a rewrite that changes the plan it is given", async () => {
    expect(await errorsOf(withStatements('use "@gan/mutates"'))).toEqual([
      "13:3 trick '@gan/mutates' failed in its rewrite hook: Cannot delete property '1' of [object Array] (a rewrite hook returns a new plan: it must not change the one it is given)",
    ]);
  });

  it("reports a host that throws instead of answering", async () => {
    const host = testHost();
    host.loadTrick = async () => {
      throw new Error("disk on fire");
    };
    const result = await compile(withStatements('use "@gan/fixture"'), { file: "t.gan", host });
    expect(brief(result.diagnostics)).toEqual(["13:7 trick '@gan/fixture' could not be loaded: disk on fire"]);
  });
});
