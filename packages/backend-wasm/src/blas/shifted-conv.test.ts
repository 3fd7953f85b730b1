import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { disableNativeBlas, enableNativeBlas, loadNativeBlas, type NativeBlas } from "../index.js";
import { setMaxPatchFloats, setShiftedConvMinChannels } from "./blas-kernels.js";
import {
  centralDifferences,
  countingBlas,
  expectWasmMatchesCpu,
  f32,
  liveCounts,
  onBackend,
  relativeError,
  seededTensor,
  seededValues,
  setUpBackends,
  sizeOf,
  tf,
  whyBlasTestsSkip,
} from "../test-helpers.js";
import { conv2dRef, dot, type ConvGeometry } from "../test-reference-conv.js";

/**
 * The stride-1 convolutions as shifted products (shifted-conv.ts) against the cpu backend and
 * float64 finite differences. The channel limit is set to 1 so that every geometry here takes
 * the shifted form; each case checks that it did (one product per filter tap).
 */
type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: Pad;
}

const cases: Case[] = [
  { x: [3, 5, 7, 3], filter: [3, 3, 3, 5], pad: "same" }, // odd sizes, batch 3, channels not multiples of 4
  { x: [3, 5, 7, 6], filter: [3, 3, 6, 2], pad: "valid" },
  { x: [1, 6, 6, 5], filter: [4, 4, 5, 3], pad: "same" }, // even filter: 1 row above, 2 below
  { x: [2, 4, 9, 1], filter: [2, 3, 1, 7], pad: "same" }, // one input channel
  { x: [2, 7, 5, 7], filter: [3, 2, 7, 1], pad: "valid" }, // one output channel
  { x: [2, 6, 8, 3], filter: [1, 3, 3, 5], pad: "same" }, // a filter one row high
  { x: [2, 6, 8, 3], filter: [3, 1, 3, 5], pad: "valid" },
  { x: [2, 6, 8, 3], filter: [2, 3, 3, 5], pad: [[0, 0], [1, 0], [0, 2], [0, 0]] }, // explicit, up to the filter less one
  { x: [2, 3, 3, 4], filter: [3, 3, 4, 3], pad: "valid" }, // a single output pixel per image
  { x: [4, 14, 14, 9], filter: [3, 3, 9, 10], pad: "same" },
];
const name = (c: Case) => `x [${c.x}] filter [${c.filter}] pad ${JSON.stringify(c.pad)}`;

/** dy's shape, from the geometry alone (running a convolution for it would count its products). */
function outShape(c: Case): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, 1, 1, c.pad).outShape;
}

describe.skipIf(whyBlasTestsSkip() !== undefined)("stride-1 convolutions as shifted products on the native BLAS", () => {
  let blas: NativeBlas & { calls: number };
  let previousLimit: number;
  beforeAll(async () => {
    await setUpBackends();
    blas = countingBlas(loadNativeBlas());
    enableNativeBlas(blas);
    previousLimit = setShiftedConvMinChannels(1);
  });
  afterEach(() => void (blas.calls = 0));
  afterAll(() => {
    setShiftedConvMinChannels(previousLimit);
    disableNativeBlas();
  });

  /** Expects `f` to match cpu, and its wasm run to take one product per filter tap. */
  function expectShifted(c: Case, f: () => tf.Tensor): void {
    blas.calls = 0;
    expectWasmMatchesCpu(f);
    expect(blas.calls).toBe(c.filter[0] * c.filter[1]);
  }

  it.each(cases.map((c) => [name(c), c] as const))("Conv2D %s", (_, c) => {
    expectShifted(c, () => tf.conv2d(seededTensor(c.x, 1) as tf.Tensor4D, seededTensor(c.filter, 2) as tf.Tensor4D, 1, c.pad));
  });

  it.each(cases.map((c) => [name(c), c] as const))("FusedConv2D with bias and relu %s", (_, c) => {
    expectShifted(c, () =>
      tf.fused.conv2d({
        x: seededTensor(c.x, 3) as tf.Tensor4D,
        filter: seededTensor(c.filter, 4) as tf.Tensor4D,
        strides: 1,
        pad: c.pad,
        bias: seededTensor([c.filter[3]], 5),
        activation: "relu",
      }),
    );
  });

  it.each(cases.map((c) => [name(c), c] as const))("Conv2DBackpropInput %s", (_, c) => {
    expectShifted(c, () =>
      tf.engine().runKernel(
        "Conv2DBackpropInput",
        { dy: seededTensor(outShape(c), 6), filter: seededTensor(c.filter, 7) },
        { strides: 1, pad: c.pad, dataFormat: "NHWC", inputShape: c.x } as never,
      ) as tf.Tensor,
    );
  });

  it.each(cases.map((c) => [name(c), c] as const))("Conv2DBackpropFilter %s", (_, c) => {
    expectShifted(c, () =>
      tf.engine().runKernel(
        "Conv2DBackpropFilter",
        { x: seededTensor(c.x, 8), dy: seededTensor(outShape(c), 9) },
        { strides: 1, pad: c.pad, dataFormat: "NHWC", filterShape: c.filter } as never,
      ) as tf.Tensor,
    );
  });

  it("runs a batch whose grids exceed the scratch limit a few images at a time, with the same results", () => {
    const previous = setMaxPatchFloats(400); // one image per run: a 7x9 grid of 3 + 4 channels is 441 floats
    try {
      const c: Case = { x: [3, 5, 7, 3], filter: [3, 3, 3, 4], pad: "same" };
      expectWasmMatchesCpu(() => tf.conv2d(seededTensor(c.x, 40) as tf.Tensor4D, seededTensor(c.filter, 41) as tf.Tensor4D, 1, c.pad));
      expect(blas.calls).toBe(3 * 9);
      const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, c.pad), seededTensor(outShape(c), 42)));
      for (const which of [0, 1]) {
        expectWasmMatchesCpu(() => tf.grads(loss)([seededTensor(c.x, 40), seededTensor(c.filter, 41)])[which] as tf.Tensor);
      }
    } finally {
      setMaxPatchFloats(previous);
    }
  });

  it("leaves the patch-matrix form to padding wider than the filter less one, and to strides", () => {
    for (const c of [
      { x: [2, 5, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: [[0, 0], [3, 0], [0, 1], [0, 0]] },
      { x: [2, 5, 5, 3], filter: [3, 3, 3, 4], strides: 2, pad: "same" },
    ] as const) {
      blas.calls = 0;
      expectWasmMatchesCpu(() => tf.conv2d(seededTensor([...c.x], 10) as tf.Tensor4D, seededTensor([...c.filter], 11) as tf.Tensor4D, c.strides, c.pad as Pad));
      expect(blas.calls).toBe(1);
    }
  });

  it.each([
    ["3x3 same, 3 -> 2 channels", [2, 5, 6, 3], [3, 3, 3, 2], "same"],
    ["2x3 valid, 2 -> 3 channels", [1, 4, 5, 2], [2, 3, 2, 3], "valid"],
  ] as const)("gradients of x and the filter against float64 finite differences: %s", (_, xShape, filterShape, pad) => {
    const info = tf.backend_util.computeConv2DInfo([...xShape], [...filterShape], 1, 1, pad);
    const g: ConvGeometry = { x: [...xShape], kernel: [info.filterHeight, info.filterWidth], strides: [1, 1], padTopLeft: [info.padInfo.top, info.padInfo.left], out: [info.outHeight, info.outWidth] };
    const co = filterShape[3];
    const xv = seededValues(sizeOf(xShape), 21);
    const wv = seededValues(sizeOf(filterShape), 22);
    const yShape = [xShape[0], g.out[0], g.out[1], co];
    const rv = seededValues(sizeOf(yShape), 23);
    const grads = onBackend("wasm", () => {
      const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad), tf.tensor(f32(rv), yShape)));
      const [gx, gw] = tf.grads(loss)([tf.tensor(f32(xv), [...xShape]), tf.tensor(f32(wv), [...filterShape])]);
      return tf.concat([tf.reshape(gx!, [-1]), tf.reshape(gw!, [-1])]);
    }).values;
    const fdX = centralDifferences((x) => dot(conv2dRef(x, wv, g, co), rv), xv);
    const fdW = centralDifferences((w) => dot(conv2dRef(xv, w, g, co), rv), wv);
    expect(relativeError(grads.subarray(0, fdX.length), fdX)).toBeLessThan(1e-4);
    expect(relativeError(grads.subarray(fdX.length), fdW)).toBeLessThan(1e-4);
  });

  it("a gradient penalty through stride-1 convolutions (gradients of gradients) matches cpu, and leaks nothing", () => {
    const penaltyGradients = () => {
      const x = seededTensor([2, 6, 5, 3], 31);
      const penalty = (w1: tf.Tensor, w2: tf.Tensor) => {
        const d = (input: tf.Tensor) => {
          const h = tf.leakyRelu(tf.fused.conv2d({ x: input as tf.Tensor4D, filter: w1 as tf.Tensor4D, strides: 1, pad: "same", bias: tf.fill([4], 0.1) }), 0.2);
          return tf.sum(tf.mul(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, "valid"), 0.5));
        };
        const gradX = tf.grad(d)(x);
        return tf.sum(tf.square(gradX));
      };
      const grads = tf.grads(penalty)([seededTensor([3, 3, 3, 4], 32), seededTensor([2, 3, 4, 5], 33)]);
      return tf.concat(grads.map((t) => tf.reshape(t, [-1])));
    };
    expectWasmMatchesCpu(penaltyGradients);
    expect(blas.calls).toBeGreaterThan(0);
    tf.setBackend("wasm");
    tf.dispose(tf.tidy(penaltyGradients));
    const before = liveCounts();
    tf.dispose(tf.tidy(penaltyGradients));
    expect(liveCounts()).toEqual(before);
  });
});
