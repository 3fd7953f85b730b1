import { describe, expect, it } from "vitest";
import { formatDiagnostic, formatDiagnostics, type Diagnostic } from "./diagnostics.js";
import { parse } from "./parse.js";
import { errorsOf, MINIMAL, minimalWith } from "./test-support.js";

/** MINIMAL with one more statement after the train block (line 13). */
const withStatement = (statement: string) => minimalWith("  train { steps 100 }\n", `  train { steps 100 }\n  ${statement}\n`);

describe("diagnostics: rendering", () => {
  it("names file, line and column, and shows the line with a caret under the range", () => {
    const text = minimalWith("dense 16 relu\n    dense 2", "desne 16 relu\n    dense 2");
    const [diagnostic] = parse(text, "examples/ring8.gan").diagnostics;
    expect(formatDiagnostic(diagnostic!, text)).toBe(
      [
        "examples/ring8.gan:5:5: error: unknown layer 'desne', did you mean 'dense'?",
        "    5 |     desne 16 relu",
        "      |     ^^^^^",
      ].join("\n"),
    );
  });

  it("keeps tabs under the source line so the caret lines up", () => {
    const text = "gan t {\n\tlsos x\n}";
    const [diagnostic] = parse(text, "t.gan").diagnostics;
    expect(formatDiagnostic(diagnostic!, text).split("\n").slice(1)).toEqual(["    2 | \tlsos x", "      | \t^^^^"]);
  });

  it("points after the last token at the end of the file", () => {
    const text = "gan t {\n  latent 8";
    const [diagnostic] = parse(text, "t.gan").diagnostics;
    expect(formatDiagnostic(diagnostic!, text)).toBe(
      ["t.gan:2:11: error: expected '}' to close 'gan t {' from line 1, found the end of the file", "    2 |   latent 8", "      |           ^"].join(
        "\n",
      ),
    );
  });

  it("escapes what a terminal would act on (ESC sequences, bidi overrides), with the caret under the escaped text", () => {
    const text = "gan t {\n  latent 8 \x1b]0;title\x07\u202e lsos\n}";
    const diagnostics = parse(text, "t\x1b[2J.gan").diagnostics;
    const shown = formatDiagnostics(diagnostics, text);
    expect(shown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    const [first] = diagnostics;
    expect(formatDiagnostic(first!, text).split("\n")).toEqual([
      "t\\x1b[2J.gan:2:12: error: unexpected character '\\u001b'",
      "    2 |   latent 8 \\x1b]0;title\\x07\\u202e lsos",
      "      |            ^^^^",
    ]);
  });

  it("cuts a long line around the caret and a message that quotes a long token", () => {
    const long = "x".repeat(10_000_000);
    const text = `gan t { latent 8 ${long} }`;
    const diagnostic: Diagnostic = { file: "t.gan", line: 1, column: 18, endLine: 1, endColumn: 18 + long.length - 1, severity: "error", message: `unexpected '${long}' at the end of the latent statement` };
    const [header, line, caret] = formatDiagnostic(diagnostic, text).split("\n");
    expect(header).toMatch(/^t\.gan:1:18: error: unexpected 'x+…x+' at the end of the latent statement$/);
    expect(header!.length).toBeLessThan(500);
    expect(line).toBe(`    1 | gan t { latent 8 ${"x".repeat(143)}…`);
    expect(caret).toBe(`      | ${" ".repeat(17)}${"^".repeat(143)}`);
    // In the middle: 60 characters before the caret, 160 in all, "…" at both ends.
    const middle = formatDiagnostic({ ...diagnostic, column: 5_000_000, endColumn: 5_000_000 }, text).split("\n").slice(1);
    expect(middle).toEqual([`    1 | …${"x".repeat(160)}…`, `      | ${" ".repeat(61)}^`]);
    // Far into a line that ends soon after: the last 160 characters, "…" before them.
    const far = `gan t {\n  latent 8 /* ${"y".repeat(500)} */ @\n}`;
    const [deep] = parse(far, "t.gan").diagnostics;
    const [farHeader, farLine, farCaret] = formatDiagnostic(deep!, far).split("\n");
    expect(farHeader).toBe("t.gan:2:519: error: unexpected character '@'");
    expect(farLine).toBe(`    2 | …${"y".repeat(155)} */ @`);
    expect(farCaret).toBe(`      | ${" ".repeat(160)}^`);
  });

  it("without the text: the header line only; several: separated by blank lines", () => {
    const diagnostics = parse("gan t { lsos a\n lsos b\n}", "t.gan").diagnostics;
    expect(formatDiagnostic(diagnostics[0]!)).toBe("t.gan:1:9: error: unknown statement 'lsos', did you mean 'loss'?");
    expect(formatDiagnostics(diagnostics).split("\n\n")).toHaveLength(2);
  });
});

describe("diagnostics: each kind of error, at its line and column", () => {
  const cases: [string, string, string[]][] = [
    ["a character that starts no token", minimalWith("latent 8", "latent 8 @"), ["3:12 unexpected character '@'"]],
    ["a '#' comment", minimalWith("latent 8", "latent 8 # size"), ["3:12 unexpected character '#': comments start with // (or are written /* ... */)"]],
    ["an unterminated string", minimalWith("data ring", 'data images "faces'), ["2:15 unterminated string: add the closing '\"' on the same line"]],
    ["an unterminated comment", `${MINIMAL}/* never closed`, ["14:1 unterminated comment: '/*' is never closed with '*/'"]],
    ["an unknown layer", minimalWith("dense 16 relu\n    dense 2", "desne 16 relu\n    dense 2"), ["5:5 unknown layer 'desne', did you mean 'dense'?"]],
    ["a PyTorch layer name", minimalWith("dense 16 relu\n    dense 2", "conv2d 16\n    dense 2"), ["5:5 unknown layer 'conv2d', did you mean 'conv'?"]],
    ["an unknown activation after a layer", minimalWith("dense 16 relu\n    dense 2", "dense 16 rleu\n    dense 2"), ["5:14 unknown word 'rleu' after dense, did you mean 'relu'?"]],
    ["an unknown statement", minimalWith("latent 8", "latnet 8"), ["3:3 unknown statement 'latnet', did you mean 'latent'?"]],
    ["a layer outside a network", withStatement("dense 8"), ["13:3 'dense' is a layer: layers go inside generator { ... } or discriminator { ... }"]],
    ["a missing closing brace", minimalWith("    dense 2\n  }", "    dense 2"), ["7:3 expected '}' to close 'generator {' from line 4, found 'discriminator'"]],
    ["a missing opening brace", minimalWith("generator {", "generator"), ["5:5 expected '{' after 'generator', found 'dense'"]],
    ["a value that is not one", withStatement('use "@gan/fixture" { slope: fast }'), ['13:31 expected a value (a number, a string, true or false, a [list], an { object } or a schedule), found \'fast\'; strings are written in quotes: "fast"']],
    ["a missing colon", withStatement('use "@gan/fixture" { slope 0.1 }'), ["13:30 expected ':' after the key 'slope', found '0.1': options are written { key: value }"]],
    ["a missing arrow in a schedule", withStatement('optimizer adam { lr: linear(1e-3, until 50) }'), ["13:35 expected '->' between the first and the last value, found ',': linear(0.1 -> 0, until 10000)"]],
    ["words left at the end of a statement", minimalWith("latent 8", "latent 8 normal extra"), ["3:19 unexpected 'extra' at the end of the latent statement"]],
    ["no wrapper around the statements", "data ring\nlatent 8\n", ["1:1 a spec starts with 'gan NAME {': wrap the statements in gan NAME { ... }"]],
    ["text after the spec", `${MINIMAL}gan u {}\n`, ["14:1 unexpected 'gan' after the end of the spec: a file holds one 'gan NAME { ... }'"]],
    ["an unknown data source", minimalWith("data ring", "data rnig"), ["2:8 unknown data source 'rnig', did you mean 'ring'?"]],
    ["an unknown data option", minimalWith("data ring", "data ring { mdoes: 8 }"), ["2:15 data ring has no option 'mdoes', did you mean 'modes'?"]],
    ["a data option out of range", minimalWith("data ring", "data ring { modes: 0 }"), ["2:15 data ring option 'modes' must be at least 1, got 0"]],
    ["an unknown loss", withStatement("loss wgan"), ["13:8 unknown loss 'wgan', did you mean 'wasserstein'?"]],
    ["an unknown optimizer", withStatement("optimizer adma"), ["13:13 unknown optimizer 'adma', did you mean 'adam'?"]],
    ["an unknown optimizer option", withStatement("optimizer adam { betta1: 0.5 }"), ["13:20 adam has no option 'betta1', did you mean 'beta1'?"]],
    ["an optimizer option out of range", withStatement("optimizer adam { beta1: 1 }"), ["13:20 adam option 'beta1' must be less than 1, got 1"]],
    ["a schedule where a number is needed", withStatement("optimizer adam { beta1: linear(0.9 -> 0.5) }"), ["13:20 adam option 'beta1' must be a number, got a linear schedule"]],
    ["an unknown train setting", minimalWith("steps 100", "steps 100 stesp 4"), ["12:21 unknown train setting 'stesp', did you mean 'steps'?"]],
    ["steps that are not a positive integer", minimalWith("steps 100", "steps 0"), ["12:17 steps must be a positive integer, got 0"]],
    ["a batch that is not an integer", minimalWith("steps 100", "steps 100 batch 64.5"), ["12:27 batch must be a positive integer, got 64.5"]],
    ["a size that is not a positive integer", minimalWith("dense 16 relu\n    dense 2", "dense 7*7/2 relu\n    dense 2"), ["5:11 the number of units of dense must be a positive integer, got 24.5"]],
    ["a division by zero", minimalWith("latent 8", "latent 8/(4 - 4)"), ["3:12 division by zero"]],
    ["an unknown padding", minimalWith("dense 16 relu\n    dense 2", "dense 16 relu\n    dense 2\n    conv 1 padding vaild"), ["7:20 unknown padding 'vaild', did you mean 'valid'?"]],
    ["an option the layer does not take", minimalWith("dense 16 relu\n    dense 2", "dense 16 kernel 3\n    dense 2"), ["5:14 dense has no option 'kernel'"]],
    ["two activations after a layer", minimalWith("dense 16 relu\n    dense 2", "dense 16 relu tanh\n    dense 2"), ["5:19 dense already has the activation 'relu': write 'tanh' on a line of its own if you want both"]],
    ["an unknown trick", withStatement('use "@gan/fixtrue"'), ["13:7 trick '@gan/fixtrue' is not installed: pnpm add @gan/fixtrue (did you mean '@gan/fixture'?)"]],
    ["an unknown trick option", withStatement('use "@gan/fixture" { slop: 0.1 }'), ["13:24 @gan/fixture has no option 'slop', did you mean 'slope'?"]],
    ["a trick option the trick refuses", withStatement('use "@gan/fixture" { mode: "fsat" }'), ['13:24 @gan/fixture option \'mode\': must be one of "fast", "slow"']],
    ["a trick whose rewrite throws", withStatement('use "@gan/throws"'), ["13:3 trick '@gan/throws' failed in its rewrite hook: the discriminator is too small"]],
    ["a generator that does not fit the data", minimalWith("dense 2\n", "dense 3\n"), ["6:5 the generator ends with shape [3] but the data 'ring' has shape [2]"]],
    ["a discriminator with more than one output", minimalWith("dense 1\n", "dense 4\n"), ["10:5 the discriminator must end in one unit (a score per sample) but ends with shape [4]: end it with 'dense 1'"]],
    ["layers whose shapes do not fit", minimalWith("dense 2\n", "dense 2\n    conv 1\n"), ["7:5 conv needs an image input [height, width, channels] but gets [2]: add 'reshape' before it"]],
    ["a window outside the run", withStatement('use "@gan/fixture" from 10 until 300'), ["13:36 the trick's window ends at step 300, after the run ends (steps 100)"]],
    ["an empty window", withStatement('use "@gan/fixture" from 50 until 50'), ["13:36 the trick's window is empty: until 50 is not after from 50"]],
    ["a schedule that ends after the run", withStatement("optimizer adam { lr: linear(1e-3 -> 1e-4, until 200) }"), ["13:51 linear(...) ends at step 200, after the run ends (steps 100)"]],
    ["a step schedule that changes after the run", withStatement("optimizer adam { lr: step(1e-3, 1e-4 at 100) }"), ["13:43 step(...) changes at step 100, when the run ends (steps 100)"]],
    ["step changes out of order", withStatement("optimizer adam { lr: step(1e-3, 1e-4 at 50, 1e-5 at 20) }"), ["13:55 the changes of step(...) must be in increasing order of step: 20 comes after 50"]],
    ["a second data statement", minimalWith("latent 8", "latent 8\n  data grid"), ["4:3 a second data statement: the spec already has one at line 2"]],
    ["a missing statement", minimalWith("  latent 8\n", ""), ["1:5 the spec has no latent statement: add one, e.g. 'latent 64'"]],
  ];

  it.each(cases)("%s", async (_name, text, expected) => {
    expect(await errorsOf(text)).toEqual(expected);
  });

  it("warns when the generator's last activation cannot reach the data's range", async () => {
    const text = `gan t {
  data mnist
  latent 8
  generator {
    dense 7*7*8 relu
    reshape [7, 7, 8]
    deconv 1 kernel 4 stride 4 tanh
  }
  discriminator {
    flatten
    dense 1
  }
  train { steps 10 }
}`;
    expect(await errorsOf(text)).toEqual([
      "7:5 warning: the generator ends in tanh, which outputs [-1, 1], but the discriminator sees the data 'mnist' in [0, 1]: end it with sigmoid, or map the data with use \"@gan/normalize\"",
    ]);
  });
});

describe("diagnostics: all errors of a file in one run", () => {
  it("reports syntax and semantic errors together, in source order", async () => {
    const text = `gan t {
  data rnig
  latent 8
  generator {
    desne 16 relu
    dense 16 rleu
    dense 2
  }
  discriminator {
    dense 16 relu
    dense 1
  }
  lsos nonsaturating
  optimizer adam { betta1: 0.5 }
  train { steps 100 batch 0 }
  use "@gan/fixtrue"
  use "@gan/fixture" { slop: 1 } until 500
}`;
    expect(await errorsOf(text)).toEqual([
      "2:8 unknown data source 'rnig', did you mean 'ring'?",
      "5:5 unknown layer 'desne', did you mean 'dense'?",
      "6:14 unknown word 'rleu' after dense, did you mean 'relu'?",
      "13:3 unknown statement 'lsos', did you mean 'loss'?",
      "14:20 adam has no option 'betta1', did you mean 'beta1'?",
      "15:27 batch must be a positive integer, got 0",
      "16:7 trick '@gan/fixtrue' is not installed: pnpm add @gan/fixtrue (did you mean '@gan/fixture'?)",
      "17:24 @gan/fixture has no option 'slop', did you mean 'slope'?",
      "17:40 the trick's window ends at step 500, after the run ends (steps 100)",
    ]);
  });

  it("recovers inside objects and lists without losing the statements after them", async () => {
    const text = minimalWith("data ring", "data ring { modes: 8 radius: 2 }").replace(
      "  train { steps 100 }",
      "  optimizer adam { lr: , beta1: 0.5 }\n  train { steps 100 }\n  loss hnige",
    );
    expect(await errorsOf(text)).toEqual([
      "2:24 expected ',' or '}' in the object, found 'radius'",
      "12:24 expected a value (a number, a string, true or false, a [list], an { object } or a schedule), found ','",
      "14:8 unknown loss 'hnige', did you mean 'hinge'?",
    ]);
  });

  it("reports shape errors of one network while another part of the spec is wrong", async () => {
    const text = minimalWith("dense 2\n", "dense 3\n").replace("train { steps 100 }", "train { steps 100 }\n  loss hnige");
    expect(await errorsOf(text)).toEqual([
      "6:5 the generator ends with shape [3] but the data 'ring' has shape [2]",
      "13:8 unknown loss 'hnige', did you mean 'hinge'?",
    ]);
  });
});
