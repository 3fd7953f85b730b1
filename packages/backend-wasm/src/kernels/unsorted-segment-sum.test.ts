import { beforeAll, describe, expect, it } from "vitest";
import { onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);

describe("UnsortedSegmentSum on wasm gives cpu's values", () => {
  it.each([
    ["rows of a matrix, ids repeated and one out of range", [6, 3], [2, 0, 2, 5, 1, 2], 4],
    ["rows of a rank-3 x", [4, 3, 2], [1, 1, 0, 2], 3],
  ] as const)("%s", (_, shape, ids, segments) => {
    const f = () => tf.unsortedSegmentSum(seededTensor([...shape], 140), tf.tensor(ids as never, undefined, "int32"), segments);
    const cpu = onBackend("cpu", f);
    const wasm = onBackend("wasm", f);
    expect(wasm.shape).toEqual(cpu.shape);
    expect([...wasm.values]).toEqual([...cpu.values]);
  });

  it("gather's gradient (an embedding table's)", () => {
    const f = () => tf.grad((table: tf.Tensor) => tf.sum(tf.mul(tf.gather(table, tf.tensor1d([3, 0, 3], "int32")), seededTensor([3, 2], 141))))(seededTensor([4, 2], 142));
    expect([...onBackend("wasm", f).values]).toEqual([...onBackend("cpu", f).values]);
  });
});
