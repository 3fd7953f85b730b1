/**
 * Shared by the tests: backends, seeded inputs, comparisons, finite differences. Not part of
 * the package API: other workspace packages' tests import it as `@gan/backend-wasm/testing`
 * (an export for the workspace's source condition only; it is not built, and package.json's
 * publishConfig leaves it out of the published package's exports).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
// tfjs-core's main entry registers no gradients; tfjs-layers' bundle registers all of them,
// as it does in the runtime that trains with layers models.
import "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { disableNativeBlas, enableNativeBlas, loadNativeBlas, registerWasmTraining, type NativeBlas } from "./index.js";

export { tf };

export type Backend = "cpu" | "wasm";

/** Registers the training kernels and initialises both backends once. */
export async function setUpBackends(): Promise<void> {
  await registerWasmTraining();
  for (const name of ["cpu", "wasm"] as const) {
    await tf.setBackend(name);
    await tf.ready();
  }
}

/** mulberry32: a tiny seeded generator of uniforms in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values uniform in [-1, 1), reproducible from the seed. */
export function seededValues(size: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  return Float64Array.from({ length: size }, () => 2 * next() - 1);
}

/** Float64 reference values as the float32 a tensor is made of. */
export const f32 = (values: Float64Array): Float32Array => Float32Array.from(values);

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A float32 tensor on the current backend with seeded values. */
export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(Float32Array.from(seededValues(sizeOf(shape), seed)), shape);
}

/**
 * Runs `f` on the given backend inside a tidy and returns the values and shape of its
 * result. Inputs are rebuilt on that backend by `f` itself, from seeds.
 */
export function onBackend(backend: Backend, f: () => tf.Tensor): { values: Float32Array; shape: number[] } {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const out = f();
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

/** max |actual - expected| relative to max |expected| (1 when expected is all zeros). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return maxDiff / (scale === 0 ? 1 : scale);
}

/** Expects `f` to give the same result on wasm as on cpu, to `tolerance` relative error. */
export function expectWasmMatchesCpu(f: () => tf.Tensor, tolerance = 1e-4): void {
  const cpu = onBackend("cpu", f);
  const wasm = onBackend("wasm", f);
  expect(wasm.shape).toEqual(cpu.shape);
  expect(relativeError(wasm.values, cpu.values)).toBeLessThan(tolerance);
  // A kernel that returned zeros would pass a relative test against zeros: make sure the
  // cases exercise something.
  expect(cpu.values.some((v) => v !== 0)).toBe(true);
}

/** Central differences of a float64 function at `params`. */
export function centralDifferences(f: (p: Float64Array) => number, params: Float64Array, h = 1e-6): Float64Array {
  const grad = new Float64Array(params.length);
  const p = Float64Array.from(params);
  for (let i = 0; i < p.length; i++) {
    const saved = p[i] as number;
    p[i] = saved + h;
    const up = f(p);
    p[i] = saved - h;
    const down = f(p);
    p[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/**
 * The gradient in `params` of the penalty ||grad_x f(params, x)||^2, from a float64 f alone:
 * with g = grad_x f (central differences), d/dparams ||g||^2 = 2 d/dparams [d/de f(params, x + e g)],
 * a mixed second derivative taken by nested central differences (step 1e-4 each: truncation
 * and rounding errors both about 1e-8 relative). What double backprop computes, independently.
 */
export function penaltyGradientByDifferences(f: (params: Float64Array, x: Float64Array) => number, params: Float64Array, x: Float64Array): Float64Array {
  const g = centralDifferences((input) => f(params, input), x);
  const step = 1e-4;
  const along = (sign: number) => x.map((xi, i) => xi + sign * step * (g[i] as number));
  const [forward, backward] = [along(1), along(-1)];
  const directional = (p: Float64Array) => (f(p, forward) - f(p, backward)) / (2 * step);
  return centralDifferences(directional, params, step).map((d) => 2 * d);
}

/** Number of tensors the engine tracks and buffers the wasm backend holds. */
export function liveCounts(): { tensors: number; wasmBuffers: number } {
  return { tensors: tf.memory().numTensors, wasmBuffers: tf.findBackend("wasm")?.numDataIds() ?? 0 };
}

/**
 * Why the native-BLAS tests are skipped here (no BLAS library loads), or undefined when they
 * run. Never skipped under CI, which installs OpenBLAS: there a missing library must fail them.
 */
export function whyBlasTestsSkip(): string | undefined {
  if (process.env["CI"]) return undefined;
  try {
    loadNativeBlas();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Declares the suite twice: with the wasm kernels on XNNPACK, and with matrix products and
 * convolutions on the native BLAS (the second skipped where whyBlasTestsSkip says so).
 */
export function describeOnBothKernelPaths(title: string, body: () => void): void {
  describe(`${title} (XNNPACK)`, () => {
    beforeAll(disableNativeBlas);
    body();
  });
  describe.skipIf(whyBlasTestsSkip() !== undefined)(`${title} (native BLAS)`, () => {
    beforeAll(() => void enableNativeBlas());
    afterAll(disableNativeBlas);
    body();
  });
}

/** Wraps a BLAS to count the products the kernels hand it (sgemm and sgemv calls). */
export function countingBlas(inner: NativeBlas): NativeBlas & { calls: number } {
  const counting = {
    ...inner,
    calls: 0,
    sgemm(...args: Parameters<NativeBlas["sgemm"]>) {
      counting.calls++;
      inner.sgemm(...args);
    },
    sgemv(...args: Parameters<NativeBlas["sgemv"]>) {
      counting.calls++;
      inner.sgemv(...args);
    },
  };
  return counting;
}
