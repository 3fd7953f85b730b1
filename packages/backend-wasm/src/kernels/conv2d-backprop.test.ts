import { beforeAll, describe, expect, it } from "vitest";
import { describeOnBothKernelPaths, expectWasmMatchesCpu, seededTensor, setUpBackends, tf } from "../test-helpers.js";

type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

/**
 * Odd spatial sizes, batch 3, several channel counts, 3x3/4x4/2x3 kernels, strides 1 and 2.
 * With few input channels (up to 4 for the input gradient, 8 for the filter gradient) the
 * kernels take the im2col + matrix product path, above it the convolution forms (sub-pixel
 * for the input, dilated for the filter): both are covered.
 */
const grid: ConvCase[] = [];
for (const [kh, kw] of [[3, 3], [4, 4], [2, 3]] as const) {
  for (const strides of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      for (const [ci, co] of [[1, 4], [3, 2], [6, 5]] as const) {
        grid.push({ x: [3, 5, 7, ci], filter: [kh, kw, ci, co], strides, pad });
      }
    }
  }
}
/** Geometry the grid misses: even sizes, explicit and oversized pads, other strides, 1x1. */
const edges: ConvCase[] = [
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: "valid" }, // an input row no output reads
  { x: [2, 6, 6, 5], filter: [3, 3, 5, 3], strides: 2, pad: "valid" },
  { x: [2, 6, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: "same" },
  { x: [2, 6, 8, 6], filter: [3, 3, 6, 3], strides: 2, pad: "same" },
  { x: [2, 6, 8, 3], filter: [2, 3, 3, 5], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 6, 8, 7], filter: [2, 3, 7, 5], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: [[0, 0], [3, 0], [0, 4], [0, 0]] },
  { x: [2, 6, 6, 5], filter: [3, 3, 5, 3], strides: 2, pad: [[0, 0], [3, 0], [0, 4], [0, 0]] },
  { x: [2, 9, 8, 3], filter: [3, 5, 3, 4], strides: 3, pad: "same" },
  { x: [2, 9, 8, 5], filter: [3, 5, 5, 4], strides: 3, pad: "same" },
  { x: [2, 9, 8, 3], filter: [3, 2, 3, 4], strides: [2, 3], pad: "valid" },
  { x: [2, 9, 8, 6], filter: [3, 2, 6, 4], strides: [2, 3], pad: "valid" },
  { x: [2, 9, 8, 3], filter: [1, 1, 3, 4], strides: 2, pad: "same" },
  { x: [2, 9, 8, 6], filter: [1, 1, 6, 4], strides: 2, pad: "same" }, // phases no tap reaches
  { x: [1, 28, 28, 1], filter: [5, 5, 1, 8], strides: 2, pad: "same" },
  // More than 8 input channels: the dilated convolution form of the filter gradient.
  { x: [2, 6, 8, 9], filter: [3, 3, 9, 4], strides: 2, pad: "same" },
  { x: [3, 5, 7, 10], filter: [4, 4, 10, 3], strides: 1, pad: "valid" },
  { x: [2, 6, 6, 9], filter: [3, 3, 9, 3], strides: 2, pad: "valid" },
  { x: [2, 9, 8, 9], filter: [3, 2, 9, 4], strides: [2, 3], pad: "valid" },
  { x: [2, 6, 6, 12], filter: [3, 3, 12, 3], strides: 2, pad: [[0, 0], [3, 0], [0, 4], [0, 0]] },
  { x: [4, 7, 7, 16], filter: [4, 4, 16, 8], strides: 2, pad: "same" },
];
const cases = [...grid, ...edges];
const name = (c: ConvCase) => `x [${c.x}] filter [${c.filter}] strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

function outShape(c: ConvCase): number[] {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
}

beforeAll(setUpBackends);

describeOnBothKernelPaths("Conv2DBackpropFilter on wasm matches cpu", () => {
  it.each(cases.map((c) => [name(c), c] as const))("%s", (_, c) => {
    const dyShape = outShape(c);
    expectWasmMatchesCpu(() =>
      tf.engine().runKernel(
        "Conv2DBackpropFilter",
        { x: seededTensor(c.x, 1), dy: seededTensor(dyShape, 2) },
        { strides: c.strides, pad: c.pad, dataFormat: "NHWC", filterShape: c.filter } as never,
      ) as tf.Tensor,
    );
  });
});

describeOnBothKernelPaths("Conv2DBackpropInput on wasm matches cpu", () => {
  it.each(cases.map((c) => [name(c), c] as const))("%s", (_, c) => {
    const dyShape = outShape(c);
    expectWasmMatchesCpu(() =>
      tf.engine().runKernel(
        "Conv2DBackpropInput",
        { dy: seededTensor(dyShape, 3), filter: seededTensor(c.filter, 4) },
        { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x } as never,
      ) as tf.Tensor,
    );
  });
});

describeOnBothKernelPaths("conv gradients through tfjs ops use the wasm kernels", () => {
  // tfjs-layers' conv2d runs the fused convolution; its gradient calls Conv2DBackpropFilter
  // and Conv2DBackpropInput directly.
  it.each([
    ["stride 2 same", 2, "same"],
    ["stride 1 valid", 1, "valid"],
  ] as const)("fused conv2d with bias, %s: gradients of x, filter and bias", (_, strides, pad) => {
    const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
      const y = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad, bias: b });
      return tf.sum(tf.mul(y, seededTensor(y.shape, 9)));
    };
    for (const which of [0, 1, 2]) {
      expectWasmMatchesCpu(() => {
        const grads = tf.grads(loss)([seededTensor([3, 5, 7, 2], 5), seededTensor([3, 3, 2, 4], 6), seededTensor([4], 7)]);
        return grads[which] as tf.Tensor;
      });
    }
  });

  it("conv2dTranspose (a generator layer): output, and gradients of input and filter", () => {
    const y = (x: tf.Tensor, w: tf.Tensor) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [3, 9, 7, 2], 2, "same");
    expectWasmMatchesCpu(() => y(seededTensor([3, 5, 4, 4], 10), seededTensor([4, 4, 2, 4], 11)));
    for (const which of [0, 1]) {
      expectWasmMatchesCpu(() => {
        const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(y(x, w), seededTensor([3, 9, 7, 2], 12)));
        return tf.grads(loss)([seededTensor([3, 5, 4, 4], 10), seededTensor([4, 4, 2, 4], 11)])[which] as tf.Tensor;
      });
    }
  });
});

describe("what the wasm conv gradient kernels refuse", () => {
  it("names the dilation it cannot take", () => {
    tf.setBackend("wasm");
    const run = () =>
      tf.tidy(() =>
        tf.engine().runKernel(
          "Conv2DBackpropFilter",
          { x: tf.zeros([1, 5, 5, 1]), dy: tf.zeros([1, 5, 5, 1]) },
          { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 1, 1], dilations: 2 } as never,
        ),
      );
    expect(run).toThrow("@gan/backend-wasm Conv2DBackpropFilter: dilations [2, 2] are not supported; only dilation 1 has a gradient kernel.");
  });

  it("names the data format it cannot take", () => {
    tf.setBackend("wasm");
    const run = () =>
      tf.tidy(() =>
        tf.engine().runKernel(
          "Conv2DBackpropInput",
          { dy: tf.zeros([1, 1, 5, 5]), filter: tf.zeros([3, 3, 1, 1]) },
          { strides: 1, pad: "same", dataFormat: "NCHW", inputShape: [1, 1, 5, 5] } as never,
        ),
      );
    expect(run).toThrow("dataFormat 'NCHW' is not supported on the wasm backend; use 'NHWC' (channels last).");
  });

  it("names a dy whose shape does not fit the convolution", () => {
    tf.setBackend("wasm");
    const run = () =>
      tf.tidy(() =>
        tf.engine().runKernel(
          "Conv2DBackpropFilter",
          { x: tf.zeros([1, 5, 5, 1]), dy: tf.zeros([1, 4, 4, 1]) },
          { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 1, 1] } as never,
        ),
      );
    expect(run).toThrow("dy has shape [1,4,4,1], but input [1,5,5,1] with filter [3,3,1,1] gives [1,5,5,1].");
  });
});
