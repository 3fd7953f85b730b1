import { centralDifferences, relativeError, seededValues } from "@gan/backend-wasm/testing";
import { beforeAll, describe, expect, test } from "vitest";
import { blasLoadsHere } from "../../backend/test-blas.js";
import { selectBackend } from "../../backend/select-backend.js";
import { tf, tfl } from "../../tfjs.js";
import { DENSE_KERNEL, DENSE_RELU_GRADIENT_KERNEL, denseWithTapeKernel, withLeakyRelu } from "./dense-kernel.js";

const BACKENDS = blasLoadsHere ? (["cpu", "wasm", "blas"] as const) : (["cpu", "wasm"] as const);

const bits = (tensor: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

interface Case {
  activation: "relu" | "linear";
  useBias: boolean;
  /** Rows (the batch), inputs, units. */
  shape: [number, number, number];
}

const CASES: Case[] = [
  { activation: "relu", useBias: true, shape: [9, 5, 7] },
  { activation: "linear", useBias: true, shape: [9, 5, 7] },
  { activation: "relu", useBias: false, shape: [9, 5, 7] },
  // dz in whole groups of four (SIMD on wasm), and in fewer than four values (wasm's kernels).
  { activation: "relu", useBias: true, shape: [8, 3, 4] },
  { activation: "relu", useBias: true, shape: [1, 3, 3] },
  { activation: "linear", useBias: false, shape: [6, 4, 3] },
  // Products long enough for OpenBLAS to split them (the bias of the fused product is then added first).
  { activation: "relu", useBias: true, shape: [33, 700, 17] },
  { activation: "linear", useBias: true, shape: [33, 700, 1] },
];

const name = ({ activation, useBias, shape }: Case) => `${activation}${useBias ? "" : " without bias"}, ${shape.join("x")}`;

/** A Dense layer with seeded weights, built for `inputs` features; with GanDense under the tape when `viaKernel`. */
function denseLayer({ activation, useBias, shape }: Case, viaKernel: boolean): tfl.layers.Layer {
  const [, inputs, units] = shape;
  const layer = tfl.layers.dense({ units, activation, useBias, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }), biasInitializer: tfl.initializers.randomNormal({ seed: 6 }) });
  layer.build([null, inputs]);
  return viaKernel ? denseWithTapeKernel(layer) : layer;
}

function disposeWeights(...layers: tfl.layers.Layer[]): void {
  for (const layer of layers) layer.weights.forEach((w) => w.dispose());
}

/** The layer's input and the weights of the loss sum(R * dense(x)), seeded. */
function lossInputs({ shape }: Pick<Case, "shape">) {
  const [rows, inputs, units] = shape;
  return { x: seededValues(rows * inputs, 11), r: seededValues(rows * units, 12) };
}

/**
 * sum(R * apply(x)) and its gradients with respect to x and the layer's weights (or x alone, as a
 * discriminator's layers in the generator's step), and the kernels the engine ran; the layer's
 * weights are disposed after. `apply` is the dense layer alone or the layer with what follows it.
 */
async function lossAndGradientsOf(layer: tfl.layers.Layer, apply: (x: tf.Tensor) => tf.Tensor, shape: Case["shape"], of: "all" | "input") {
  const [rows, inputs, units] = shape;
  const { x: xValues, r: rValues } = lossInputs({ shape });
  const x = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from(xValues), [rows, inputs])));
  const r = tf.tensor2d(Float32Array.from(rValues), [rows, units]);
  let result: { value: number[]; grads: number[][] } | undefined;
  const profile = await tf.profile(() => {
    tf.tidy(() => {
      const variables = [x, ...(of === "all" ? layer.trainableWeights.map((w) => w.read() as tf.Variable) : [])];
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(x), r)), variables);
      result = { value: bits(value), grads: variables.map((v) => bits(grads[v.name]!)) };
    });
  });
  tf.dispose([x, r]);
  disposeWeights(layer);
  return { ...result!, kernels: profile.kernels.map((k) => k.name) };
}

/** sum(R * dense(x)) and its gradients (x and the weights, or x alone), and the kernels the engine ran. */
function lossAndGradients(testCase: Case, viaKernel: boolean, of: "all" | "input" = "all") {
  const layer = denseLayer(testCase, viaKernel);
  return lossAndGradientsOf(layer, (x) => layer.apply(x) as tf.Tensor, testCase.shape, of);
}

describe.each(BACKENDS)("GanDense on %s", (backendName) => {
  beforeAll(async () => {
    expect((await selectBackend(backendName)).name).toBe(backendName);
  });

  test.each(CASES.map((c) => [name(c), c] as const))("%s: the loss and every gradient are tfjs-layers' Dense's bit for bit, in fewer kernels", async (_name, testCase) => {
    const tensors = tf.memory().numTensors;
    const layers = await lossAndGradients(testCase, false);
    const kernel = await lossAndGradients(testCase, true);
    expect(kernel.value).toEqual(layers.value);
    kernel.grads.forEach((grad, i) => expect(grad, `gradient ${i}`).toEqual(layers.grads[i]));
    expect(kernel.kernels).toContain(DENSE_KERNEL);
    expect(layers.kernels).not.toContain(DENSE_KERNEL);
    expect(kernel.kernels.length).toBeLessThan(layers.kernels.length);
    // A ReLU layer's dz and db are one kernel: no Step left (the loss has none of its own).
    if (testCase.activation === "relu") {
      expect(kernel.kernels.filter((k) => k === DENSE_RELU_GRADIENT_KERNEL)).toHaveLength(1);
      expect(kernel.kernels).not.toContain("Step");
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test.each(CASES.map((c) => [name(c), c] as const))("%s: the input's gradient alone is tfjs-layers' Dense's bit for bit, and what it did not ask for is freed", async (_name, testCase) => {
    const tensors = tf.memory().numTensors;
    const layers = await lossAndGradients(testCase, false, "input");
    const kernel = await lossAndGradients(testCase, true, "input");
    expect(kernel.value).toEqual(layers.value);
    expect(kernel.grads).toEqual(layers.grads);
    expect(kernel.grads).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test.each(CASES.map((c) => [name(c), c] as const))("%s: without a tape, the output is tfjs-layers' Dense's bit for bit, in one kernel", async (_name, testCase) => {
    const tensors = tf.memory().numTensors;
    const [rows, inputs] = testCase.shape;
    const x = tf.tensor2d(Float32Array.from(lossInputs(testCase).x), [rows, inputs]);
    const output = async (viaKernel: boolean) => {
      const layer = denseLayer(testCase, viaKernel);
      let values: number[] = [];
      const profile = await tf.profile(() => {
        values = tf.tidy(() => bits(layer.apply(x) as tf.Tensor));
      });
      disposeWeights(layer);
      return { values, kernels: profile.kernels.map((k) => k.name) };
    };
    const layers = await output(false);
    const kernel = await output(true);
    expect(kernel.values).toEqual(layers.values);
    expect(kernel.kernels).toEqual([DENSE_KERNEL]);
    expect(layers.kernels.length).toBeGreaterThan(1);
    x.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test.each(CASES.filter((c) => c.shape[1] < 100).map((c) => [name(c), c] as const))("%s: the gradients agree with central differences of a float64 dense layer", async (_name, testCase) => {
    const [rows, inputs, units] = testCase.shape;
    const layer = denseLayer(testCase, true);
    const weights = layer.getWeights().map((w) => Float64Array.from(w.dataSync()));
    const { x, r } = lossInputs(testCase);
    const sizes = [x.length, ...weights.map((w) => w.length)];
    /** sum(R * activation(x W + b)) in float64, of x, W and b concatenated. */
    const loss = (params: Float64Array) => {
      const [xs, kernel, bias] = [params.subarray(0, sizes[0]), params.subarray(sizes[0], sizes[0]! + sizes[1]!), testCase.useBias ? params.subarray(sizes[0]! + sizes[1]!) : undefined];
      let total = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < units; j++) {
          let z = bias ? bias[j]! : 0;
          for (let k = 0; k < inputs; k++) z += xs[i * inputs + k]! * kernel[k * units + j]!;
          total += r[i * units + j]! * (testCase.activation === "relu" ? Math.max(z, 0) : z);
        }
      }
      return total;
    };
    const expected = centralDifferences(loss, Float64Array.from([...x, ...weights.flatMap((w) => [...w])]));
    const { grads } = await lossAndGradients(testCase, true);
    const actual = grads.flatMap((g) => [...new Float32Array(new Uint32Array(g).buffer)]);
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
  });

  test("a gradient of a gradient (an input-gradient penalty, as R1's) is tfjs-layers' Dense's", () => {
    const testCase: Case = { activation: "relu", useBias: true, shape: [9, 5, 7] };
    const [rows, inputs] = testCase.shape;
    const penaltyGradients = (viaKernel: boolean) => {
      const layer = denseLayer(testCase, viaKernel);
      const second = denseLayer({ activation: "linear", useBias: true, shape: [rows, testCase.shape[2], 1] }, viaKernel);
      const x = tf.tensor2d(Float32Array.from(lossInputs(testCase).x), [rows, inputs]);
      const values = tf.tidy(() => {
        const variables = [...layer.trainableWeights, ...second.trainableWeights].map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => {
          const inputGradient = tf.grad((input: tf.Tensor) => tf.sum(second.apply(layer.apply(input)) as tf.Tensor))(x);
          return tf.sum(tf.square(inputGradient));
        }, variables);
        return variables.map((v) => grads[v.name] && bits(grads[v.name]!));
      });
      tf.dispose(x);
      disposeWeights(layer, second);
      return values;
    };
    const layers = penaltyGradients(false);
    const kernel = penaltyGradients(true);
    // The second layer's bias does not reach the input gradient: neither path gives it a gradient.
    expect(layers[3]).toBeUndefined();
    expect(kernel[3]).toBeUndefined();
    // The first layer's bias reaches it only through ReLU's mask (step, whose gradient is
    // zero): tfjs's path gives it zeros, GanDense's, which reads the mask from its output
    // saved for the backward pass, none (the same sum once added to the loss's own gradient).
    expect(layers[1]!.every((b) => b === 0)).toBe(true);
    expect(kernel[1]).toBeUndefined();
    for (const i of [0, 2]) expect(kernel[i], `gradient ${i}`).toEqual(layers[i]);
    expect(layers[0]!.some((b) => b !== 0)).toBe(true);
  });
});

interface LeakyCase {
  alpha: number;
  useBias: boolean;
  /** Rows (the batch), inputs, units. */
  shape: [number, number, number];
}

const LEAKY_CASES: LeakyCase[] = [
  { alpha: 0.2, useBias: true, shape: [9, 5, 7] },
  { alpha: 0.2, useBias: false, shape: [6, 4, 3] },
  { alpha: 0, useBias: true, shape: [8, 3, 4] },
  { alpha: 1.5, useBias: true, shape: [1, 3, 3] },
  { alpha: 0.2, useBias: true, shape: [33, 700, 17] },
];

const leakyName = ({ alpha, useBias, shape }: LeakyCase) => `alpha ${alpha}${useBias ? "" : " without bias"}, ${shape.join("x")}`;

/**
 * A linear Dense layer and tfjs-layers' LeakyReLU after it, applied as a chain does: as one
 * GanDense call when `fused`, else the two layers' applies (tfjs-layers' Dense and LeakyReLU).
 */
function leakyPair({ alpha, useBias, shape }: LeakyCase, fused: boolean) {
  const [, inputs, units] = shape;
  const dense = denseLayer({ activation: "linear", useBias, shape: [shape[0], inputs, units] }, fused);
  const leaky = tfl.layers.leakyReLU({ alpha });
  const apply = (x: tf.Tensor): tf.Tensor => {
    if (fused) {
      const output = withLeakyRelu(dense, x, alpha, {});
      if (output === undefined) throw new Error("withLeakyRelu declined");
      return output;
    }
    return leaky.apply(dense.apply(x) as tf.Tensor) as tf.Tensor;
  };
  return { dense, apply };
}

/** sum(R * leaky(dense(x))) and its gradients (x and the weights, or x alone), and the kernels the engine ran. */
function leakyLossAndGradients(testCase: LeakyCase, fused: boolean, of: "all" | "input" = "all") {
  const { dense, apply } = leakyPair(testCase, fused);
  return lossAndGradientsOf(dense, apply, testCase.shape, of);
}

describe.each(BACKENDS)("GanDense with leaky ReLU on %s", (backendName) => {
  beforeAll(async () => {
    expect((await selectBackend(backendName)).name).toBe(backendName);
  });

  test.each(LEAKY_CASES.map((c) => [leakyName(c), c] as const))("%s: the loss and every gradient are tfjs-layers' Dense and LeakyReLU's bit for bit, in fewer kernels", async (_name, testCase) => {
    const tensors = tf.memory().numTensors;
    for (const of of ["all", "input"] as const) {
      const layers = await leakyLossAndGradients(testCase, false, of);
      const kernel = await leakyLossAndGradients(testCase, true, of);
      expect(kernel.value, of).toEqual(layers.value);
      kernel.grads.forEach((grad, i) => expect(grad, `${of}: gradient ${i}`).toEqual(layers.grads[i]));
      expect(kernel.kernels.filter((k) => k === DENSE_KERNEL || k === DENSE_RELU_GRADIENT_KERNEL)).toEqual([DENSE_KERNEL, DENSE_RELU_GRADIENT_KERNEL]);
      for (const gone of ["LeakyRelu", "Greater", "Select"]) expect(kernel.kernels, `${of}: ${gone}`).not.toContain(gone);
      expect(layers.kernels).toContain("LeakyRelu");
      expect(kernel.kernels.length).toBeLessThan(layers.kernels.length);
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test.each(LEAKY_CASES.map((c) => [leakyName(c), c] as const))("%s: without a tape, the output is the two layers' bit for bit, in one kernel", async (_name, testCase) => {
    const tensors = tf.memory().numTensors;
    const [rows, inputs] = testCase.shape;
    const x = tf.tensor2d(Float32Array.from(lossInputs(testCase).x), [rows, inputs]);
    const output = async (fused: boolean) => {
      const { dense, apply } = leakyPair(testCase, fused);
      let values: number[] = [];
      const profile = await tf.profile(() => {
        values = tf.tidy(() => bits(apply(x)));
      });
      disposeWeights(dense);
      return { values, kernels: profile.kernels.map((k) => k.name) };
    };
    const layers = await output(false);
    const kernel = await output(true);
    expect(kernel.values).toEqual(layers.values);
    expect(kernel.kernels).toEqual([DENSE_KERNEL]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  test.each(LEAKY_CASES.filter((c) => c.shape[1] < 100).map((c) => [leakyName(c), c] as const))("%s: the gradients agree with central differences of a float64 layer", async (_name, testCase) => {
    const [rows, inputs, units] = testCase.shape;
    const { dense } = leakyPair(testCase, true);
    const weights = dense.getWeights().map((w) => Float64Array.from(w.dataSync()));
    disposeWeights(dense);
    const { x, r } = lossInputs(testCase);
    const sizes = [x.length, ...weights.map((w) => w.length)];
    const loss = (params: Float64Array) => {
      const [xs, kernel, bias] = [params.subarray(0, sizes[0]), params.subarray(sizes[0], sizes[0]! + sizes[1]!), testCase.useBias ? params.subarray(sizes[0]! + sizes[1]!) : undefined];
      let total = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < units; j++) {
          let z = bias ? bias[j]! : 0;
          for (let k = 0; k < inputs; k++) z += xs[i * inputs + k]! * kernel[k * units + j]!;
          total += r[i * units + j]! * (z > 0 ? z : testCase.alpha * z);
        }
      }
      return total;
    };
    const expected = centralDifferences(loss, Float64Array.from([...x, ...weights.flatMap((w) => [...w])]));
    const { grads } = await leakyLossAndGradients(testCase, true);
    const actual = grads.flatMap((g) => [...new Float32Array(new Uint32Array(g).buffer)]);
    expect(relativeError(actual, expected)).toBeLessThan(1e-4);
  });

  test("a gradient of a gradient (an input-gradient penalty, as R1's) is tfjs-layers' Dense and LeakyReLU's", () => {
    const testCase: LeakyCase = { alpha: 0.2, useBias: true, shape: [9, 5, 7] };
    const [rows, inputs, units] = testCase.shape;
    const penaltyGradients = (fused: boolean) => {
      const { dense, apply } = leakyPair(testCase, fused);
      const second = denseLayer({ activation: "linear", useBias: true, shape: [rows, units, 1] }, fused);
      const x = tf.tensor2d(Float32Array.from(lossInputs(testCase).x), [rows, inputs]);
      const tensors = tf.memory().numTensors;
      const values = tf.tidy(() => {
        const variables = [...dense.trainableWeights, ...second.trainableWeights].map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => {
          const inputGradient = tf.grad((input: tf.Tensor) => tf.sum(second.apply(apply(input)) as tf.Tensor))(x);
          return tf.sum(tf.square(inputGradient));
        }, variables);
        return variables.map((v) => grads[v.name] && bits(grads[v.name]!));
      });
      expect(tf.memory().numTensors).toBe(tensors);
      tf.dispose(x);
      disposeWeights(dense, second);
      return values;
    };
    const layers = penaltyGradients(false);
    const kernel = penaltyGradients(true);
    // As for ReLU above: the biases reach the input gradient only through the mask, whose gradient is zero.
    expect(layers[3]).toBeUndefined();
    expect(kernel[3]).toBeUndefined();
    for (const i of [0, 2]) expect(kernel[i], `gradient ${i}`).toEqual(layers[i]);
    expect(layers[0]!.some((b) => b !== 0)).toBe(true);
    if (layers[1] !== undefined) expect(layers[1].every((b) => b === 0)).toBe(true);
    if (kernel[1] !== undefined) expect(kernel[1].every((b) => b === 0)).toBe(true);
  });

  test("declines what it cannot fuse: a layer of tfjs-layers' own, a ReLU layer, a negative slope, a call replaced since", () => {
    const x = tf.ones([2, 5]);
    const plain = denseLayer({ activation: "linear", useBias: true, shape: [2, 5, 3] }, false);
    const relu = denseLayer({ activation: "relu", useBias: true, shape: [2, 5, 3] }, true);
    const linear = denseLayer({ activation: "linear", useBias: true, shape: [2, 5, 3] }, true);
    expect(withLeakyRelu(plain, x, 0.2, {})).toBeUndefined();
    expect(withLeakyRelu(relu, x, 0.2, {})).toBeUndefined();
    expect(withLeakyRelu(linear, x, -0.5, {})).toBeUndefined();
    const wrapped = denseLayer({ activation: "linear", useBias: true, shape: [2, 5, 3] }, true);
    const kernelCall = wrapped.call.bind(wrapped);
    wrapped.call = (inputs, kwargs) => kernelCall(inputs, kwargs);
    expect(withLeakyRelu(wrapped, x, 0.2, {}), "a call replaced after GanDense's").toBeUndefined();
    disposeWeights(wrapped);
    const output = withLeakyRelu(linear, x, 0.2, {});
    expect(output?.shape).toEqual([2, 3]);
    tf.dispose([x, output!]);
    disposeWeights(plain, relu, linear);
  });
});
