import { seededValues } from "@gan/backend-wasm/testing";
import { beforeAll, describe, expect, test } from "vitest";
import { blasLoadsHere } from "./backend/test-blas.js";
import { selectBackend } from "./backend/select-backend.js";
import { registerBinaryKernel } from "./binary-kernel.js";
import { BINARY_KERNEL, type BinaryKernelName } from "./host-kernels.js";
import { tf } from "./tfjs.js";

const BACKENDS = blasLoadsHere ? (["cpu", "wasm", "blas"] as const) : (["cpu", "wasm"] as const);

const bits = (tensor: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

const OPS: [BinaryKernelName, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ["Add", tf.add],
  ["Sub", tf.sub],
  ["Multiply", tf.mul],
  ["RealDiv", tf.div],
];

/** [a's shape, b's shape]: one shape (SIMD on wasm), a single value, and broadcasts the loops do not take (the backend's kernel). */
const SHAPES: [number[], number[]][] = [
  [[13, 1], [13, 1]],
  [[13, 1], []],
  [[13, 1], [1, 1]],
  [[13], [1, 1]],
  [[13, 1], [13]],
  [[4, 3], [3]],
];

describe.each(BACKENDS)("GanBinary on %s", (backendName) => {
  beforeAll(async () => {
    expect((await selectBackend(backendName)).name).toBe(backendName);
    registerBinaryKernel();
  });

  test.each(OPS)("%s is the backend's own kernel bit for bit, for every shape pair, without a tensor left behind", (op, reference) => {
    const tensors = tf.memory().numTensors;
    SHAPES.forEach(([aShape, bShape], i) => {
      tf.tidy(() => {
        const size = (shape: number[]) => shape.reduce((n, d) => n * d, 1);
        // Signed zeros, a NaN and an infinity among seeded values of many scales.
        const aValues = Float32Array.from(seededValues(size(aShape), 40 + i), (v, j) => [0, -0, NaN, Infinity][j] ?? v * 10 ** ((j % 5) - 2));
        const a = tf.tensor(aValues, aShape);
        const b = tf.tensor(Float32Array.from(seededValues(size(bShape), 60 + i), (v) => v - 0.25), bShape);
        const out = tf.engine().runKernel(BINARY_KERNEL, { a, b }, { op }) as tf.Tensor;
        const expected = reference(a, b);
        expect(out.shape, `${aShape} and ${bShape}`).toEqual(expected.shape);
        expect(bits(out), `${aShape} and ${bShape}`).toEqual(bits(expected));
      });
    });
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
