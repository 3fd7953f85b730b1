import { FusedBatchNorm } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  centralDifferences,
  expectWasmMatchesCpu,
  f32,
  onBackend,
  relativeError,
  seededTensor,
  seededValues,
  setUpBackends,
  sizeOf,
  tf,
} from "../test-helpers.js";
import { heapAddress, heapSimd } from "../heap-simd.js";
import { originalWasmKernel } from "../wasm-ops.js";
import { batchNormGradConfig, tfjsBatchNormGradient } from "./batch-norm.js";

beforeAll(setUpBackends);

/** FusedBatchNorm's inputs: per-channel statistics unless `statsShape` says otherwise. */
function inputs(xShape: number[], statsShape: number[], seed: number, withAffine = true): Record<string, tf.Tensor> {
  const channels = statsShape;
  return {
    x: seededTensor(xShape, seed),
    mean: seededTensor(channels, seed + 1),
    // Variances from 0 (epsilon alone) up.
    variance: tf.abs(seededTensor(channels, seed + 2)),
    ...(withAffine ? { offset: seededTensor(channels, seed + 3), scale: seededTensor(channels, seed + 4) } : {}),
  };
}

type Case = [string, number[], number[], boolean];
const CASES: Case[] = [
  ["NHWC, 8 channels (the SIMD pass)", [3, 5, 4, 8], [8], true],
  ["rank 2, 4 channels (the SIMD pass)", [7, 4], [4], true],
  ["rank 3, 12 channels (the SIMD pass)", [2, 3, 12], [12], true],
  ["6 channels (the SIMD pass)", [2, 3, 3, 6], [6], true],
  ["5 channels (wasm's kernel)", [2, 3, 3, 5], [5], true],
  ["statistics of rank 4 (wasm's kernel)", [2, 3, 3, 8], [1, 1, 1, 8], true],
  ["no offset or scale (wasm's kernel)", [2, 3, 3, 8], [8], false],
];

describe("FusedBatchNorm on wasm", () => {
  it.each(CASES)("%s: matches cpu, and wasm's own kernel bit for bit", (_name, xShape, statsShape, withAffine) => {
    const attrs = { varianceEpsilon: 1e-3 };
    const run = () => tf.engine().runKernel(FusedBatchNorm, inputs(xShape, statsShape, 1, withAffine), attrs as never) as tf.Tensor;
    expectWasmMatchesCpu(run, 1e-6);
    tf.setBackend("wasm");
    const backend = tf.backend() as BackendWasm;
    const before = { tensors: tf.memory().numTensors, buffers: backend.numDataIds() };
    tf.tidy(() => {
      const ours = run().dataSync();
      const own = originalWasmKernel(FusedBatchNorm)({ inputs: inputs(xShape, statsShape, 1, withAffine) as never, backend, attrs: attrs as never }) as tf.TensorInfo;
      const theirs = (backend.typedArrayFromHeap(own) as Float32Array).slice();
      backend.disposeData(own.dataId);
      expect(new Uint32Array(ours.buffer)).toEqual(new Uint32Array(theirs.buffer));
    });
    // Nothing left behind: no tensor, and no heap buffer (the kernel's per-channel scratch).
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(backend.numDataIds()).toBe(before.buffers);
  });

  it("runs heapSimd's batchNorm: f32((x - mean) * scale), then the division and the offset in float64", () => {
    tf.setBackend("wasm");
    const backend = tf.backend() as BackendWasm;
    const simd = heapSimd(backend)!;
    expect(simd).toBeDefined();
    const channels = 6;
    const count = 5 * channels;
    tf.tidy(() => {
      const [x, mean, scale, out] = [count, channels, channels, count].map((size, i) => seededTensor([size], 70 + i));
      const doubles = tf.zeros([4 * channels]); // norm and offset, float64
      const scratch = backend.typedArrayFromHeap(doubles) as Float32Array;
      const norm = new Float64Array(scratch.buffer, scratch.byteOffset, channels);
      const offset = new Float64Array(scratch.buffer, scratch.byteOffset + 8 * channels, channels);
      norm.set(Float32Array.from(seededValues(channels, 80), (v) => Math.abs(v) + 0.25));
      offset.set(Float32Array.from(seededValues(channels, 81)));
      const at = (t: tf.Tensor) => heapAddress(backend.typedArrayFromHeap(t) as Float32Array);
      simd.batchNorm(at(x!), at(mean!), at(scale!), heapAddress(scratch), heapAddress(scratch, 2 * channels), at(out!), count, 4 * channels);
      const [xv, mv, sv, ov] = [x!, mean!, scale!, out!].map((t) => t.dataSync());
      const expected = Float32Array.from(xv!, (v, i) => offset[i % channels]! + Math.fround(Math.fround(v - mv![i % channels]!) * sv![i % channels]!) / norm[i % channels]!);
      expect(new Uint32Array(ov!.buffer)).toEqual(new Uint32Array(expected.buffer));
    });
  });

  it("gives wasm's bits on special values: infinities, NaN, zero variance, huge and tiny values", () => {
    tf.setBackend("wasm");
    const backend = tf.backend() as BackendWasm;
    const special = [0, -0, 1, -1, 1e30, -1e30, 1e-30, 3.4e38, Infinity, -Infinity, NaN, 7.5, -2.25, 1e-45, 0.1, 123456.7];
    tf.tidy(() => {
      const feed = {
        x: tf.tensor(Float32Array.from({ length: 64 }, (_, i) => special[i % 16]! * (1 + (i >> 4))), [4, 16]),
        mean: tf.tensor(Float32Array.from(special.slice().reverse()), [16]),
        variance: tf.tensor(Float32Array.from(special, (v) => Math.abs(v) % 5), [16]),
        offset: tf.tensor(Float32Array.from(special, (v, i) => (i % 3 === 0 ? v : 0.5)), [16]),
        scale: tf.tensor(Float32Array.from(special, (v, i) => (i % 2 === 0 ? -v : 2)), [16]),
      };
      for (const varianceEpsilon of [0, 1e-3]) {
        const attrs = { varianceEpsilon };
        const ours = (tf.engine().runKernel(FusedBatchNorm, feed, attrs as never) as tf.Tensor).dataSync() as Float32Array;
        const own = originalWasmKernel(FusedBatchNorm)({ inputs: feed as never, backend, attrs: attrs as never }) as tf.TensorInfo;
        const theirs = (backend.typedArrayFromHeap(own) as Float32Array).slice();
        backend.disposeData(own.dataId);
        // NaN payloads aside (wasm leaves a NaN's bits to the engine), every bit the same.
        const bits = (values: Float32Array) => [...values].map((v, i) => (Number.isNaN(v) ? "NaN" : new Uint32Array(values.buffer)[i]));
        expect(bits(ours)).toEqual(bits(theirs));
        expect(ours.some(Number.isNaN)).toBe(true);
      }
    });
  });

  it("trains: a batch-norm layer's gradients (tfjs's, through this kernel) match float64 central differences", () => {
    // L = sum(batchNorm(x, moments(x)) * R) over a [2, 3, 2, 4] map, statistics over every axis but the last.
    const shape = [2, 3, 2, 4];
    const channels = 4;
    const rows = sizeOf(shape) / channels;
    const eps = 1e-3;
    const xv = seededValues(sizeOf(shape), 61);
    const sv = seededValues(channels, 62);
    const ov = seededValues(channels, 63);
    const rv = seededValues(sizeOf(shape), 64);
    const loss64 = (x: Float64Array, scale: Float64Array, offset: Float64Array): number => {
      let total = 0;
      for (let c = 0; c < channels; c++) {
        let mean = 0;
        for (let r = 0; r < rows; r++) mean += x[r * channels + c]!;
        mean /= rows;
        let variance = 0;
        for (let r = 0; r < rows; r++) variance += (x[r * channels + c]! - mean) ** 2;
        variance /= rows;
        for (let r = 0; r < rows; r++) {
          const y = ((x[r * channels + c]! - mean) * scale[c]!) / Math.sqrt(variance + eps) + offset[c]!;
          total += y * rv[r * channels + c]!;
        }
      }
      return total;
    };
    const expected = [
      centralDifferences((p) => loss64(p, sv, ov), xv),
      centralDifferences((p) => loss64(xv, p, ov), sv),
      centralDifferences((p) => loss64(xv, sv, p), ov),
    ];
    for (const which of [0, 1, 2]) {
      const grad = onBackend("wasm", () => {
        const loss = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.sum(tf.mul(tf.batchNorm(x, mean, variance, offset, scale, eps), tf.tensor(f32(rv), shape)));
        };
        return tf.grads(loss)([tf.tensor(f32(xv), shape), tf.tensor(f32(sv), [channels]), tf.tensor(f32(ov), [channels])])[which]!;
      });
      expect(relativeError(grad.values, expected[which]!)).toBeLessThan(1e-3);
    }
  });

  /** The gradients of L = sum(batchNorm(x, moments(x), offset, scale) * R) in x, scale and offset, and the tensor and buffer counts around them. */
  function layerGradients(backend: "cpu" | "wasm", shape: number[]): Float32Array[] {
    tf.setBackend(backend);
    const channels = shape[shape.length - 1]!;
    return tf.tidy(() => {
      const loss = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(x, mean, variance, offset, scale, 1e-3), seededTensor(shape, 94)));
      };
      const inputs = [seededTensor(shape, 91), seededTensor([channels], 92), seededTensor([channels], 93)];
      return tf.grads(loss)(inputs).map((g) => g.dataSync() as Float32Array);
    });
  }

  it.each([
    ["8 channels (one kernel)", [3, 5, 4, 8]],
    ["4 channels, odd sizes (one kernel)", [2, 3, 5, 4]],
    ["6 channels (tfjs's gradient)", [2, 3, 3, 6]],
  ])("the gradient, %s: tfjs's bit for bit on wasm, cpu's to rounding, nothing left behind", (_name, shape) => {
    const cpu = layerGradients("cpu", shape);
    const backend = tf.backend() as BackendWasm;
    tf.setBackend("wasm");
    const before = { tensors: tf.memory().numTensors, buffers: (tf.backend() as BackendWasm).numDataIds() };
    const ours = layerGradients("wasm", shape);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect((tf.backend() as BackendWasm).numDataIds()).toBe(before.buffers);
    tf.registerGradient(tfjsBatchNormGradient()!);
    let theirs: Float32Array[];
    try {
      theirs = layerGradients("wasm", shape);
    } finally {
      tf.registerGradient(batchNormGradConfig);
    }
    for (let i = 0; i < 3; i++) {
      expect(new Uint32Array(ours[i]!.buffer)).toEqual(new Uint32Array(theirs[i]!.buffer));
      expect(relativeError(ours[i]!, cpu[i]!)).toBeLessThan(1e-4);
    }
    void backend;
  });

  it("the gradient runs as one kernel on wasm where tfjs runs Sub, Tile, Multiply and Sum kernels", async () => {
    tf.setBackend("wasm");
    const kernelsOfGradient = async () => {
      const info = await tf.profile(() => {
        layerGradients("wasm", [2, 3, 2, 8]);
      });
      return info.kernels.map((k) => k.name);
    };
    const ours = await kernelsOfGradient();
    tf.registerGradient(tfjsBatchNormGradient()!);
    let theirs: string[];
    try {
      theirs = await kernelsOfGradient();
    } finally {
      tf.registerGradient(batchNormGradConfig);
    }
    expect(ours).toContain("GanBatchNormGrad");
    expect(theirs).not.toContain("GanBatchNormGrad");
    expect(ours.length).toBeLessThan(theirs.length - 10);
  });

  it("a gradient of the gradient (a penalty through batch norm) still goes through tfjs's ops, and matches cpu", () => {
    const shape = [2, 3, 2, 8];
    const penaltyGradient = (backend: "cpu" | "wasm") =>
      onBackend(backend, () => {
        const scale = seededTensor([8], 96);
        const offset = seededTensor([8], 98);
        const r = seededTensor(shape, 97);
        const inner = (x: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.sum(tf.mul(tf.batchNorm(x, mean, variance, offset, scale, 1e-3), r));
        };
        // d/dx of ||d inner / dx||^2.
        return tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.grad(inner)(x))))(seededTensor(shape, 95));
      });
    const cpu = penaltyGradient("cpu");
    const wasm = penaltyGradient("wasm");
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-3);
    expect(cpu.values.some((v) => v !== 0)).toBe(true);
  });
});
