import { beforeAll, describe, expect, it } from "vitest";
import {
  centralDifferences,
  f32,
  onBackend,
  relativeError,
  seededValues,
  setUpBackends,
  sizeOf,
  tf,
  type Backend,
} from "./test-helpers.js";
import { conv2dRef, conv2dTransposeRef, depthwiseRef, dot, type ConvGeometry } from "./test-reference-conv.js";

/**
 * The wasm gradient kernels against float64 central differences of a float64 JavaScript
 * convolution: independent of tfjs's own kernels, so a shared mistake cannot hide.
 * Loss L = sum(conv(x, W) * R) for a fixed R; its gradients are exactly the backprop kernels.
 */
beforeAll(setUpBackends);

function geometry(x: ConvGeometry["x"], filter: number[], strides: number, pad: "same" | "valid"): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(x, filter as [number, number, number, number], strides, 1, pad);
  return {
    x,
    kernel: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    padTopLeft: [info.padInfo.top, info.padInfo.left],
    out: [info.outHeight, info.outWidth],
  };
}

describe.each([
  ["stride 2, same, 3x3", [2, 5, 7, 2], [3, 3, 2, 3], 2, "same"],
  ["stride 2, valid, 4x4", [2, 7, 5, 2], [4, 4, 2, 3], 2, "valid"],
  ["stride 1, same, 4x4", [1, 5, 5, 3], [4, 4, 3, 2], 1, "same"],
  // More input channels: the convolution forms instead of im2col (see im2col.ts).
  ["stride 2, same, 3x3, 6 channels", [2, 5, 7, 6], [3, 3, 6, 2], 2, "same"],
  ["stride 2, valid, 4x4, 9 channels", [1, 7, 6, 9], [4, 4, 9, 3], 2, "valid"],
] as const)("conv2d gradients against finite differences: %s", (_, xShape, filterShape, strides, pad) => {
  const g = geometry([...xShape], [...filterShape], strides, pad);
  const co = filterShape[3];
  const xv = seededValues(sizeOf(xShape), 51);
  const wv = seededValues(sizeOf(filterShape), 52);
  const rv = seededValues(xShape[0] * g.out[0] * g.out[1] * co, 53);
  const yShape = [xShape[0], g.out[0], g.out[1], co];

  const tfGrad = (backend: Backend, which: 0 | 1) =>
    onBackend(backend, () => {
      const loss = (x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad), tf.tensor(f32(rv), yShape)));
      return tf.grads(loss)([tf.tensor(f32(xv), [...xShape]), tf.tensor(f32(wv), [...filterShape])])[which] as tf.Tensor;
    }).values;

  it("Conv2DBackpropFilter (gradient of the filter)", () => {
    const fd = centralDifferences((w) => dot(conv2dRef(xv, w, g, co), rv), wv);
    expect(relativeError(tfGrad("wasm", 1), fd)).toBeLessThan(1e-4);
  });

  it("Conv2DBackpropInput (gradient of the input)", () => {
    const fd = centralDifferences((x) => dot(conv2dRef(x, wv, g, co), rv), xv);
    expect(relativeError(tfGrad("wasm", 0), fd)).toBeLessThan(1e-4);
  });

  it("conv2dTranspose: its gradients (conv2d of dy, Conv2DBackpropFilter) against finite differences", () => {
    // y = conv2d^T(d, W) has input d of the conv's output shape and output of x's shape.
    const dv = seededValues(sizeOf(yShape), 54);
    const sv = seededValues(sizeOf(xShape), 55);
    const grads = onBackend("wasm", () => {
      const loss = (d: tf.Tensor, w: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.conv2dTranspose(d as tf.Tensor4D, w as tf.Tensor4D, [...xShape], strides, pad),
            tf.tensor(f32(sv), [...xShape]),
          ),
        );
      const [gd, gw] = tf.grads(loss)([tf.tensor(f32(dv), yShape), tf.tensor(f32(wv), [...filterShape])]);
      return tf.concat([tf.reshape(gd as tf.Tensor, [-1]), tf.reshape(gw as tf.Tensor, [-1])]);
    }).values;
    const fdD = centralDifferences((d) => dot(conv2dTransposeRef(d, wv, g, co), sv), dv);
    const fdW = centralDifferences((w) => dot(conv2dTransposeRef(dv, w, g, co), sv), wv);
    expect(relativeError(grads.subarray(0, fdD.length), fdD)).toBeLessThan(1e-4);
    expect(relativeError(grads.subarray(fdD.length), fdW)).toBeLessThan(1e-4);
  });
});

describe("depthwise gradients against finite differences", () => {
  const xShape: [number, number, number, number] = [2, 5, 7, 2];
  const filterShape = [3, 3, 2, 2];
  const g = geometry(xShape, filterShape, 2, "same");
  const xv = seededValues(sizeOf(xShape), 61);
  const wv = seededValues(sizeOf(filterShape), 62);
  const yShape = [2, g.out[0], g.out[1], 4];
  const rv = seededValues(sizeOf(yShape), 63);

  it("DepthwiseConv2dNativeBackpropFilter and ...BackpropInput, stride 2, multiplier 2", () => {
    const grads = onBackend("wasm", () => {
      const loss = (x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"), tf.tensor(f32(rv), yShape)));
      const [gx, gw] = tf.grads(loss)([tf.tensor(f32(xv), xShape), tf.tensor(f32(wv), filterShape)]);
      return tf.concat([tf.reshape(gx as tf.Tensor, [-1]), tf.reshape(gw as tf.Tensor, [-1])]);
    }).values;
    const fdX = centralDifferences((x) => dot(depthwiseRef(x, wv, g, 2), rv), xv);
    const fdW = centralDifferences((w) => dot(depthwiseRef(xv, w, g, 2), rv), wv);
    expect(relativeError(grads.subarray(0, fdX.length), fdX)).toBeLessThan(1e-4);
    expect(relativeError(grads.subarray(fdX.length), fdW)).toBeLessThan(1e-4);
  });
});
