import type { TokenType } from "chevrotain";
import { Lexer } from "./chevrotain.js";
import { describe, expect, it } from "vitest";
import type { KeywordLayerNode, NetworkStatement, ObjectValue, SpecNode, TrainStatement, UseStatement, Value } from "./ast.js";
import { parse } from "./parse.js";
import { ALL_TOKENS } from "./tokens.js";

function parseOk(text: string): SpecNode {
  const result = parse(text, "t.gan");
  expect(result.diagnostics).toEqual([]);
  return result.ast!;
}

function statementsOf(body: string) {
  return parseOk(`gan t {\n${body}\n}`).statements;
}

/** A value as plain data, without spans, to compare trees. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "span" && key !== "open" && key !== "close").map(([key, v]) => [key, plain(v)]));
  }
  return value;
}

function optionsOf(body: string): ObjectValue {
  const [statement] = statementsOf(body);
  return (statement as UseStatement).options!;
}

function valueOf(source: string): Value {
  return optionsOf(`use "x" { v: ${source} }`).entries[0]!.value!;
}

describe("parse: the tokens", () => {
  it("keep chevrotain's first-character optimisation of the lexer (a big spec lexes in linear time)", () => {
    expect(() => new Lexer(ALL_TOKENS as TokenType[], { ensureOptimizations: true, positionTracking: "full" })).not.toThrow();
  });

  it("tell keywords from longer words that start with one", () => {
    const [train] = statementsOf("train { steps 10 }");
    expect((train as TrainStatement).settings[0]!.name.text).toBe("steps");
    expect(statementsOf("data ring_step")[0]).toMatchObject({ source: { text: "ring_step" } });
    expect(statementsOf("loss least-squares")[0]).toMatchObject({ loss: { text: "least-squares" } });
  });
});

describe("parse: the spec", () => {
  it("reads the name, as a word or a string", () => {
    expect(parseOk("gan ring8 {}").name).toMatchObject({ text: "ring8" });
    expect(parseOk("gan mnist-dcgan {}").name).toMatchObject({ text: "mnist-dcgan" });
    expect(parseOk('gan "my spec" {}').name).toMatchObject({ kind: "string", value: "my spec" });
    // A keyword is a name like any other there.
    expect(parseOk("gan train {}").name).toMatchObject({ text: "train" });
  });

  it("skips comments and whitespace, keeping spans on every node", () => {
    const spec = parseOk("// a comment\n/* a block\ncomment */ gan t { // here\n  latent 8 /* size */\n}");
    expect(spec.span).toMatchObject({ line: 3, column: 12 });
    expect(spec.statements[0]).toMatchObject({ kind: "latent", span: { line: 4, column: 3, endLine: 4, endColumn: 10 } });
  });
});

describe("parse: statements", () => {
  it("data with options, a path, or nothing", () => {
    const [grid, images, mnist] = statementsOf('data grid { side: 5, spacing: 2, std: 0.05 }\ndata images "faces" { shape: [64, 64, 3] }\ndata mnist');
    expect(plain(grid)).toEqual({
      kind: "data",
      source: { text: "grid" },
      options: {
        kind: "object",
        entries: [
          { key: { text: "side" }, value: { kind: "number", text: "5", value: 5 } },
          { key: { text: "spacing" }, value: { kind: "number", text: "2", value: 2 } },
          { key: { text: "std" }, value: { kind: "number", text: "0.05", value: 0.05 } },
        ],
      },
    });
    expect(images).toMatchObject({ source: { text: "images" }, path: { value: "faces" } });
    expect(plain(mnist)).toEqual({ kind: "data", source: { text: "mnist" } });
  });

  it("latent with and without a distribution", () => {
    const [a, b] = statementsOf("latent 256 uniform\nlatent 64");
    expect(plain(a)).toEqual({ kind: "latent", size: { kind: "number", text: "256", value: 256 }, distribution: { text: "uniform" } });
    expect(plain(b)).toEqual({ kind: "latent", size: { kind: "number", text: "64", value: 64 } });
  });

  it("loss and optimizers, for both networks or one", () => {
    const [loss, both, generator, discriminator] = statementsOf(
      "loss least-squares\noptimizer adam { lr: 2e-4, beta1: 0.5 }\noptimizer generator rmsprop\noptimizer discriminator sgd { lr: 0.01 }",
    );
    expect(plain(loss)).toEqual({ kind: "loss", loss: { text: "least-squares" } });
    expect(both).toMatchObject({ kind: "optimizer", optimizer: { text: "adam" } });
    expect(both).not.toHaveProperty("network");
    expect(generator).toMatchObject({ network: { text: "generator" }, optimizer: { text: "rmsprop" } });
    expect(generator).not.toHaveProperty("options");
    expect(discriminator).toMatchObject({ network: { text: "discriminator" }, optimizer: { text: "sgd" } });
  });

  it("train settings, on one line or many", () => {
    const [train] = statementsOf("train { steps 20000 batch 512 seed 1 sample every 1000 checkpoint every 5000 log every 10 backend wasm }");
    const settings = (train as TrainStatement).settings.map((s) => [s.name.text, s.every?.text, s.value && ("text" in s.value ? s.value.text : undefined)]);
    expect(settings).toEqual([
      ["steps", undefined, "20000"],
      ["batch", undefined, "512"],
      ["seed", undefined, "1"],
      ["sample", "every", "1000"],
      ["checkpoint", "every", "5000"],
      ["log", "every", "10"],
      ["backend", undefined, "wasm"],
    ]);
    const [multi] = statementsOf("train {\n  steps 10\n  batch 4\n}");
    expect((multi as TrainStatement).settings.map((s) => s.name.text)).toEqual(["steps", "batch"]);
  });

  it("use with options, a window, or neither", () => {
    const [a, b, c] = statementsOf(
      'use "@gan/label-smoothing" { real: 0.9 }\nuse "@gan/instance-noise" { std: 0.1 } from 100 until 10000\nuse "@gan/ncritic"',
    );
    expect(a).toMatchObject({ package: { value: "@gan/label-smoothing" }, options: { entries: [{ key: { text: "real" } }] } });
    expect(plain(b)).toMatchObject({ from: { kind: "number", value: 100 }, until: { kind: "number", value: 10000 } });
    expect(plain(c)).toEqual({ kind: "use", package: { kind: "string", value: "@gan/ncritic" } });
    const [untilOnly] = statementsOf('use "x" until 50');
    expect(untilOnly).toMatchObject({ until: { value: 50 } });
    expect(untilOnly).not.toHaveProperty("from");
  });
});

describe("parse: layers", () => {
  function layersOf(lines: string): NetworkStatement["layers"] {
    const [network] = statementsOf(`generator {\n${lines}\n}`);
    return (network as NetworkStatement).layers;
  }

  it("every layer kind, with its argument and the words after it", () => {
    const layers = layersOf(
      [
        "dense 128 relu",
        "conv 64 kernel 3 stride 1 padding valid leakyrelu 0.2",
        "deconv 64 kernel 4 stride 2 padding same relu",
        "reshape [7, 7, 128]",
        "flatten",
        "batchnorm momentum 0.9 epsilon 1e-3",
        "maxpool 2",
        "avgpool 2 stride 2 padding same",
        "dropout 0.3",
      ].join("\n"),
    ) as KeywordLayerNode[];
    expect(layers.map((l) => l.keyword.text)).toEqual(["dense", "conv", "deconv", "reshape", "flatten", "batchnorm", "maxpool", "avgpool", "dropout"]);
    expect(plain(layers[1]!.tail)).toEqual([
      { kind: "option", name: { text: "kernel" }, value: { kind: "number", text: "3", value: 3 } },
      { kind: "option", name: { text: "stride" }, value: { kind: "number", text: "1", value: 1 } },
      { kind: "option", name: { text: "padding" }, value: { text: "valid" } },
      { kind: "activation", name: { text: "leakyrelu" }, alpha: { kind: "number", text: "0.2", value: 0.2 } },
    ]);
    expect(plain(layers[3]!.argument)).toMatchObject({ kind: "list", items: [{ value: 7 }, { value: 7 }, { value: 128 }] });
    expect(layers[4]!.tail).toEqual([]);
    expect(layers[6]!.argument).toMatchObject({ value: 2 });
  });

  it("activations on their own line are layers; on a layer's line they belong to it", () => {
    const layers = layersOf("dense 128\nrelu\ndense 64 tanh\nleakyrelu 0.1\nsigmoid\nlinear");
    expect(layers.map((l) => (l.kind === "layer" ? `${l.keyword.text}(${l.tail.map((t) => t.name.text).join()})` : l.kind === "activationLayer" ? l.activation.name.text : l.kind))).toEqual([
      "dense()",
      "relu",
      "dense(tanh)",
      "leakyrelu",
      "sigmoid",
      "linear",
    ]);
    expect(layers[3]).toMatchObject({ kind: "activationLayer", activation: { alpha: { value: 0.1 } } });
  });

  it("arithmetic in sizes, with precedence and parentheses", () => {
    const [dense, sum, paren, negative] = layersOf("dense 7*7*128\ndense 2*64 + 1\ndense (3 + 4) * 2\ndense -1 + 9") as KeywordLayerNode[];
    expect(plain(dense!.argument)).toEqual({
      kind: "binary",
      operator: "*",
      left: { kind: "binary", operator: "*", left: { kind: "number", text: "7", value: 7 }, right: { kind: "number", text: "7", value: 7 } },
      right: { kind: "number", text: "128", value: 128 },
    });
    expect(plain(sum!.argument)).toMatchObject({ operator: "+", left: { operator: "*" }, right: { value: 1 } });
    expect(plain(paren!.argument)).toMatchObject({ operator: "*", left: { kind: "paren", expression: { operator: "+" } } });
    expect(plain(negative!.argument)).toMatchObject({ operator: "+", left: { kind: "unary", operator: "-", operand: { value: 1 } } });
  });
});

describe("parse: values", () => {
  it("numbers as written, strings, booleans, lists and nested objects", () => {
    expect(valueOf("2e-4")).toMatchObject({ kind: "number", text: "2e-4", value: 2e-4 });
    expect(valueOf("20_000")).toMatchObject({ kind: "number", text: "20_000", value: 20000 });
    expect(valueOf(".5")).toMatchObject({ value: 0.5 });
    expect(valueOf('"a \\"quoted\\" word\\n"')).toMatchObject({ kind: "string", value: 'a "quoted" word\n' });
    expect(valueOf("true")).toMatchObject({ kind: "boolean", value: true });
    expect(valueOf("false")).toMatchObject({ kind: "boolean", value: false });
    expect(plain(valueOf("[1, [2, 3], \"x\",]"))).toMatchObject({ kind: "list", items: [{ value: 1 }, { kind: "list" }, { value: "x" }] });
    expect(plain(valueOf('{ a: { b: 1 }, "c d": [], }'))).toMatchObject({
      kind: "object",
      entries: [{ key: { text: "a" }, value: { kind: "object" } }, { key: { text: "c d" }, value: { kind: "list", items: [] } }],
    });
  });

  it("schedules: linear and cosine with and without bounds, step", () => {
    expect(plain(valueOf("linear(0.1 -> 0, until 10000)"))).toEqual({
      kind: "ramp",
      curve: "linear",
      from: { kind: "number", text: "0.1", value: 0.1 },
      to: { kind: "number", text: "0", value: 0 },
      end: { kind: "number", text: "10000", value: 10000 },
    });
    expect(plain(valueOf("cosine(1e-3 -> 1e-5, from 1000 until 5000)"))).toMatchObject({ curve: "cosine", start: { value: 1000 }, end: { value: 5000 } });
    expect(plain(valueOf("linear(1 → 0)"))).toMatchObject({ curve: "linear", from: { value: 1 }, to: { value: 0 } });
    expect(plain(valueOf("step(0.1, 0.01 at 5000, 0.001 at 8000)"))).toEqual({
      kind: "step",
      initial: { kind: "number", text: "0.1", value: 0.1 },
      changes: [
        { value: { kind: "number", text: "0.01", value: 0.01 }, at: { kind: "number", text: "5000", value: 5000 } },
        { value: { kind: "number", text: "0.001", value: 0.001 }, at: { kind: "number", text: "8000", value: 8000 } },
      ],
    });
  });

  it("keywords may be object keys", () => {
    expect(optionsOf('use "x" { momentum: 0.9, step: 1, from: 2, kernel: 3 }').entries.map((e) => e.key.text)).toEqual(["momentum", "step", "from", "kernel"]);
  });
});
