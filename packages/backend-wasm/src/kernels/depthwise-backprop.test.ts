import { beforeAll, describe, it } from "vitest";
import { expectWasmMatchesCpu, seededTensor, setUpBackends, tf } from "../test-helpers.js";

type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];
interface DepthwiseCase {
  x: [number, number, number, number];
  filter: [number, number, number, number]; // [kh, kw, channels, multiplier]
  strides: number | [number, number];
  pad: Pad;
}

const cases: DepthwiseCase[] = [];
for (const [kh, kw] of [[3, 3], [4, 4]] as const) {
  for (const strides of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      for (const [c, m] of [[1, 1], [3, 2]] as const) {
        cases.push({ x: [3, 5, 7, c], filter: [kh, kw, c, m], strides, pad });
      }
    }
  }
}
cases.push(
  { x: [2, 6, 6, 2], filter: [3, 3, 2, 1], strides: 2, pad: "valid" },
  { x: [2, 6, 8, 3], filter: [2, 3, 3, 2], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 9, 8, 2], filter: [3, 3, 2, 2], strides: 3, pad: "same" },
);
const name = (c: DepthwiseCase) => `x [${c.x}] filter [${c.filter}] strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

function outShape(c: DepthwiseCase): number[] {
  return tf.tidy(
    () => tf.depthwiseConv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape,
  );
}

beforeAll(setUpBackends);

describe("DepthwiseConv2dNativeBackpropFilter on wasm matches cpu", () => {
  it.each(cases.map((c) => [name(c), c] as const))("%s", (_, c) => {
    const dyShape = outShape(c);
    expectWasmMatchesCpu(() =>
      tf.engine().runKernel(
        "DepthwiseConv2dNativeBackpropFilter",
        { x: seededTensor(c.x, 21), dy: seededTensor(dyShape, 22) },
        { strides: c.strides, pad: c.pad, dilations: 1, filterShape: c.filter } as never,
      ) as tf.Tensor,
    );
  });
});

describe("DepthwiseConv2dNativeBackpropInput on wasm matches cpu", () => {
  it.each(cases.map((c) => [name(c), c] as const))("%s", (_, c) => {
    const dyShape = outShape(c);
    expectWasmMatchesCpu(() =>
      tf.engine().runKernel(
        "DepthwiseConv2dNativeBackpropInput",
        { dy: seededTensor(dyShape, 23), filter: seededTensor(c.filter, 24) },
        { strides: c.strides, pad: c.pad, dilations: 1, inputShape: c.x } as never,
      ) as tf.Tensor,
    );
  });
});

describe("depthwiseConv2d gradients through tfjs ops", () => {
  it.each([0, 1])("gradient %i (x, filter) of a stride-2 depthwise convolution", (which) => {
    expectWasmMatchesCpu(() => {
      const loss = (x: tf.Tensor, w: tf.Tensor) => {
        const y = tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same");
        return tf.sum(tf.mul(y, seededTensor(y.shape, 27)));
      };
      return tf.grads(loss)([seededTensor([3, 5, 7, 3], 25), seededTensor([3, 3, 3, 2], 26)])[which] as tf.Tensor;
    });
  });
});
