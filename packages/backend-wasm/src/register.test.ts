import { beforeAll, describe, expect, it } from "vitest";
import { liveCounts, seededTensor, setUpBackends, tf } from "./test-helpers.js";
import { registerDoubleBackpropGradients, registerWasmTraining, useWasmBackend, WASM_TRAINING_KERNELS } from "./index.js";

beforeAll(setUpBackends);

describe("registerWasmTraining", () => {
  it("registers every training kernel for wasm, and is idempotent", async () => {
    const before = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k.kernelName, "wasm"));
    await registerWasmTraining();
    registerDoubleBackpropGradients();
    const after = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k.kernelName, "wasm"));
    expect(after).toEqual(before);
    expect(WASM_TRAINING_KERNELS.map((k) => k.kernelName).sort()).toEqual(
      [
        "BatchMatMul",
        "Conv2D",
        "FusedConv2D",
        "Conv2DBackpropFilter",
        "Conv2DBackpropInput",
        "DepthwiseConv2dNativeBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
        "LeakyRelu",
        "Sum",
        "Mean",
        "Tile",
        "Identity",
        "Cast",
        "MaxPoolGrad",
        "MaxPoolWithArgmax",
        "AvgPoolGrad",
        "FusedBatchNorm",
        "GanBatchNormGrad",
        "Tanh",
        "UnsortedSegmentSum",
        "_FusedMatMul",
      ].sort(),
    );
    for (const config of WASM_TRAINING_KERNELS) {
      expect(tf.getKernel(config.kernelName, "wasm")?.kernelFunc).toBe(config.kernelFunc);
    }
  });

  it("keeps the setupFunc of each kernel it replaces, so a backend re-initialisation still binds wasm", async () => {
    for (const name of ["BatchMatMul", "_FusedMatMul", "Conv2DBackpropInput", "LeakyRelu", "Tanh", "Sum"]) {
      expect(typeof tf.getKernel(name, "wasm")?.setupFunc, name).toBe("function");
    }
    // setBackend runs every setupFunc again; the replaced kernels must still work after it.
    await tf.setBackend("cpu");
    await tf.setBackend("wasm");
    const out = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true).dataSync());
    expect([...out]).toEqual([3, 3, 3, 3]);
  });
});

describe("useWasmBackend", () => {
  it("leaves the wasm backend selected, with the training kernels", async () => {
    await tf.setBackend("cpu");
    await useWasmBackend();
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeTruthy();
  });
});

describe("no leaks", () => {
  // Engine tensors and wasm buffers: a composed kernel that forgot an intermediate would
  // leave a buffer behind even though the engine never saw it.
  const calls: [string, () => tf.Tensor][] = [
    [
      "Conv2DBackpropFilter",
      () =>
        tf.engine().runKernel(
          "Conv2DBackpropFilter",
          { x: seededTensor([2, 6, 6, 2], 1), dy: seededTensor([2, 2, 2, 3], 2) },
          { strides: 2, pad: "valid", dataFormat: "NHWC", filterShape: [3, 3, 2, 3] } as never,
        ) as tf.Tensor,
    ],
    [
      "Conv2DBackpropInput",
      () =>
        tf.engine().runKernel(
          "Conv2DBackpropInput",
          { dy: seededTensor([2, 3, 4, 3], 3), filter: seededTensor([3, 3, 2, 3], 4) },
          { strides: 2, pad: "same", dataFormat: "NHWC", inputShape: [2, 5, 7, 2] } as never,
        ) as tf.Tensor,
    ],
    [
      "Conv2DBackpropFilter, dilated-convolution path (12 input channels)",
      () =>
        tf.engine().runKernel(
          "Conv2DBackpropFilter",
          { x: seededTensor([2, 6, 6, 12], 21), dy: seededTensor([2, 2, 2, 3], 22) },
          { strides: 2, pad: "valid", dataFormat: "NHWC", filterShape: [3, 3, 12, 3] } as never,
        ) as tf.Tensor,
    ],
    [
      "Conv2DBackpropInput, sub-pixel path (6 input channels, odd output size)",
      () =>
        tf.engine().runKernel(
          "Conv2DBackpropInput",
          { dy: seededTensor([2, 3, 4, 3], 23), filter: seededTensor([3, 3, 6, 3], 24) },
          { strides: 2, pad: "same", dataFormat: "NHWC", inputShape: [2, 5, 7, 6] } as never,
        ) as tf.Tensor,
    ],
    [
      "DepthwiseConv2dNativeBackpropFilter",
      () =>
        tf.engine().runKernel(
          "DepthwiseConv2dNativeBackpropFilter",
          { x: seededTensor([2, 5, 7, 2], 5), dy: seededTensor([2, 3, 4, 4], 6) },
          { strides: 2, pad: "same", dilations: 1, filterShape: [3, 3, 2, 2] } as never,
        ) as tf.Tensor,
    ],
    [
      "DepthwiseConv2dNativeBackpropInput",
      () =>
        tf.engine().runKernel(
          "DepthwiseConv2dNativeBackpropInput",
          { dy: seededTensor([2, 3, 4, 4], 7), filter: seededTensor([3, 3, 2, 2], 8) },
          { strides: 2, pad: "same", dilations: 1, inputShape: [2, 5, 7, 2] } as never,
        ) as tf.Tensor,
    ],
    ["LeakyRelu", () => tf.leakyRelu(seededTensor([2, 3, 4], 18), 0.2)],
    ["Tanh", () => tf.tanh(seededTensor([2, 3, 4], 19))],
    ["Sum", () => tf.sum(seededTensor([2, 3, 4], 20), [0, 1])],
    ["BatchMatMul", () => tf.matMul(seededTensor([4, 3], 9), seededTensor([5, 4], 10), true, true)],
    [
      "_FusedMatMul",
      () => tf.fused.matMul({ a: seededTensor([3, 4], 11) as tf.Tensor2D, b: seededTensor([5, 4], 12) as tf.Tensor2D, transposeB: true, bias: tf.ones([5]) }),
    ],
  ];

  it.each(calls)("%s leaves no tensor and no wasm buffer behind", (_, call) => {
    tf.setBackend("wasm");
    tf.tidy(call); // first call: any lazily created state
    const start = liveCounts();
    for (let i = 0; i < 5; i++) tf.tidy(() => void call().dataSync());
    expect(liveCounts()).toEqual(start);
  });

  it("a conv GAN-style training step with a gradient penalty keeps the tensor count flat", () => {
    tf.setBackend("wasm");
    const w1 = tf.variable(tf.mul(seededTensor([3, 3, 1, 4], 13), 0.3));
    const w2 = tf.variable(tf.mul(seededTensor([3 * 4 * 4, 1], 14), 0.3));
    const g1 = tf.variable(tf.mul(seededTensor([4, 4, 1, 2], 15), 0.3));
    const z = seededTensor([2, 3, 4, 2], 16);
    const real = seededTensor([2, 6, 7, 1], 17);
    const d = (x: tf.Tensor) => {
      const h = tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, "same"), 0.2);
      return tf.matMul(tf.reshape(h, [2, 3 * 4 * 4]), w2 as tf.Tensor2D);
    };
    const gen = () => tf.tanh(tf.conv2dTranspose(z as tf.Tensor4D, g1 as tf.Tensor4D, [2, 6, 7, 1], 2, "same"));
    const optD = tf.train.adam(1e-3);
    const optG = tf.train.adam(1e-3);
    const step = () => {
      optD.minimize(() => {
        const gp = tf.sum(tf.square(tf.grad((x: tf.Tensor) => tf.sum(d(x)))(real)));
        return tf.add(tf.sub(tf.mean(d(gen())), tf.mean(d(real))), tf.mul(gp, 10)) as tf.Scalar;
      }, false, [w1, w2]);
      optG.minimize(() => tf.neg(tf.mean(d(gen()))) as tf.Scalar, false, [g1]);
    };
    step();
    step();
    const start = liveCounts();
    for (let i = 0; i < 8; i++) step();
    expect(liveCounts()).toEqual(start);
    tf.dispose([w1, w2, g1, z, real]);
    optD.dispose();
    optG.dispose();
  });
});
