import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

describe("Sum and Mean on wasm match cpu", () => {
  const cases: [number[], number | number[], boolean][] = [
    [[3, 5, 7, 2], [0, 1, 2], false], // a bias gradient: leading axes (matrix product path)
    [[3, 5, 7, 2], [2, 0, 1], true], // the same axes unordered, dimensions kept
    [[64, 14, 14, 16], [0, 1, 2], false],
    [[7, 5], 0, false], // a dense layer's bias gradient
    [[7, 5], [0], true],
    [[3, 5, 7, 2], [3], false], // trailing axis: the original kernel
    [[3, 5, 7, 2], [1, 2], false], // middle axes: the original kernel
    [[3, 5, 7, 2], [0, 1, 2, 3], false], // everything: the original kernel
    [[9], 0, false],
  ];
  it.each(cases.map(([s, a, k]) => [`shape [${s}] axis ${JSON.stringify(a)} keepDims ${k}`, s, a, k] as const))(
    "%s",
    (_, shape, axis, keepDims) => {
      expectWasmMatchesCpu(() => tf.sum(seededTensor([...shape], 111), axis, keepDims), 1e-5);
      expectWasmMatchesCpu(() => tf.mean(seededTensor([...shape], 112), axis, keepDims), 1e-5);
    },
  );

  it("batch norm's moments over N, H, W (leading axes)", () => {
    expectWasmMatchesCpu(() => tf.moments(seededTensor([8, 5, 7, 6], 113), [0, 1, 2]).variance, 1e-5);
  });

  it("int32 sums stay exact (the original kernel)", () => {
    const out = onBackend("wasm", () => tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"), 0));
    expect([...out.values]).toEqual([4, 6]);
  });
});
