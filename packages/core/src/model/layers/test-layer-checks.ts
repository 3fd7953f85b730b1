/**
 * For the layer tests: one layer checked against a float64 reference written in plain
 * JavaScript, on cpu and wasm (and, where the suite is declared on both kernel paths, wasm on
 * the native BLAS):
 *
 * - its output and output shape (`computeOutputShape`, what the plan's shapes must agree with);
 * - the gradients of L = sum(R * tanh(layer(x * s))) with respect to the layer's weights, the
 *   input x and a per-channel scale s in front of the layer, against central differences;
 * - the gradient with respect to the weights and s of the penalty ||grad_x L||^2, double
 *   backprop as @gan/gp takes it, against differences of differences
 *   (`penaltyGradientByDifferences`).
 *
 * tanh makes L nonlinear in the layer's output, so the penalty's gradient goes through the
 * gradient of the layer's own gradient even for a linear layer; s gives a weightless layer
 * something to differentiate the penalty by. Not part of the package.
 */
import { expect } from "vitest";
import {
  centralDifferences,
  f32,
  onBackend,
  penaltyGradientByDifferences,
  relativeError,
  seededValues,
  sizeOf,
  type Backend,
} from "@gan/backend-wasm/testing";
import { tf, tfl } from "../../tfjs.js";

export interface LayerCase {
  /** A new layer (a fresh one per backend: tfjs layers hold their weights). */
  build: () => tfl.layers.Layer;
  /** The input's shape, batch included. */
  inputShape: number[];
  /** The shapes of the layer's weights, in `getWeights()` order. */
  weightShapes: number[][];
  /** The layer's output in float64 for `weights` (in that order) and the input x (NHWC). */
  reference: (weights: Float64Array[], x: Float64Array) => Float64Array;
  /** Input values: seeded uniforms in [-1, 1) unless given. */
  input?: Float64Array;
  /** Weight values: seeded uniforms in [-1, 1) unless given (per weight). */
  weights?: Float64Array[];
}

function split(flat: Float64Array, shapes: number[][]): Float64Array[] {
  let offset = 0;
  return shapes.map((shape) => {
    const part = flat.subarray(offset, offset + sizeOf(shape));
    offset += sizeOf(shape);
    return part;
  });
}

/** Seeded inputs and weights of a case, and its fixed output weighting R. */
export function caseValues(layerCase: LayerCase, outputSize: number) {
  const x = layerCase.input ?? seededValues(sizeOf(layerCase.inputShape), 201);
  const weights = layerCase.weights ?? layerCase.weightShapes.map((shape, i) => seededValues(sizeOf(shape), 210 + i));
  const channels = layerCase.inputShape.at(-1)!;
  const scale = seededValues(channels, 202).map((v) => 1 + 0.25 * v);
  const r = seededValues(outputSize, 203);
  return { x, weights, scale, r };
}

/** L(weights, scale, x) = sum(R * tanh(reference(x * scale))) in float64. */
function referenceLoss(layerCase: LayerCase, r: Float64Array) {
  const channels = layerCase.inputShape.at(-1)!;
  return (weights: Float64Array[], scale: Float64Array, x: Float64Array) => {
    const scaled = x.map((v, i) => v * (scale[i % channels] as number));
    const y = layerCase.reference(weights, scaled);
    return y.reduce((sum, v, i) => sum + (r[i] as number) * Math.tanh(v), 0);
  };
}

/** Runs `f` with the case's layer built on `backend` and its weights set to `weights`. */
function withLayer(backend: Backend, layerCase: LayerCase, weights: Float64Array[], f: (layer: tfl.layers.Layer) => tf.Tensor) {
  return onBackend(backend, () => {
    const layer = layerCase.build();
    layer.build(layerCase.inputShape);
    layer.setWeights(layerCase.weightShapes.map((shape, i) => tf.tensor(f32(weights[i]!), shape)));
    try {
      return f(layer);
    } finally {
      // Layer.dispose() refuses a layer never applied to a symbolic input: free the weights.
      for (const weight of layer.weights) weight.dispose();
    }
  });
}

export function expectForwardMatchesReference(layerCase: LayerCase, backend: Backend): void {
  const { x, weights } = caseValues(layerCase, 0);
  const expected = layerCase.reference(weights, x);
  const actual = withLayer(backend, layerCase, weights, (layer) => layer.apply(tf.tensor(f32(x), layerCase.inputShape)) as tf.Tensor);
  const declared = layerCase.build().computeOutputShape(layerCase.inputShape);
  expect(actual.shape).toEqual(declared);
  expect(relativeError(actual.values, expected)).toBeLessThan(1e-5);
  expect(expected.some((v) => v !== 0)).toBe(true);
}

/** The tfjs gradients of L in the order weights, scale, x; and of the penalty in the order weights, scale. */
function tfjsGradients(backend: Backend, layerCase: LayerCase, values: ReturnType<typeof caseValues>, outputShape: number[], penalty: boolean) {
  const channels = layerCase.inputShape.at(-1)!;
  return withLayer(backend, layerCase, values.weights, (layer) => {
    const x = tf.tensor(f32(values.x), layerCase.inputShape);
    const scale = tf.variable(tf.tensor1d(f32(values.scale)));
    const r = tf.tensor(f32(values.r), outputShape);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(r, tf.tanh(layer.apply(tf.mul(input, tf.reshape(scale, [channels]))) as tf.Tensor)));
    const variables = [...layer.trainableWeights.map((w) => w.read() as tf.Variable), scale];
    let grads: tf.Tensor[];
    if (penalty) {
      const { grads: byName } = tf.variableGrads(() => tf.sum(tf.square(tf.grad(loss)(x))) as tf.Scalar, variables);
      grads = variables.map((v) => byName[v.name]!);
    } else {
      const { grads: byName } = tf.variableGrads(() => loss(x) as tf.Scalar, variables);
      grads = [...variables.map((v) => byName[v.name]!), tf.grad(loss)(x)];
    }
    scale.dispose();
    return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
  }).values;
}

export function expectGradientsMatchDifferences(layerCase: LayerCase, backend: Backend): void {
  const outputShape = layerCase.build().computeOutputShape(layerCase.inputShape) as number[];
  const values = caseValues(layerCase, sizeOf(outputShape));
  const loss = referenceLoss(layerCase, values.r);
  const shapes = [...layerCase.weightShapes, [values.scale.length]];
  const params = new Float64Array([...values.weights.flatMap((w) => [...w]), ...values.scale]);
  const byParams = (p: Float64Array, x: Float64Array) => {
    const parts = split(p, shapes);
    return loss(parts.slice(0, -1), parts.at(-1)!, x);
  };
  const expected = new Float64Array([...centralDifferences((p) => byParams(p, values.x), params), ...centralDifferences((x) => byParams(params, x), values.x)]);
  expect(relativeError(tfjsGradients(backend, layerCase, values, outputShape, false), expected)).toBeLessThan(1e-4);
}

export function expectPenaltyGradientsMatchDifferences(layerCase: LayerCase, backend: Backend, tolerance = 1e-3): void {
  const outputShape = layerCase.build().computeOutputShape(layerCase.inputShape) as number[];
  const values = caseValues(layerCase, sizeOf(outputShape));
  const loss = referenceLoss(layerCase, values.r);
  const shapes = [...layerCase.weightShapes, [values.scale.length]];
  const params = new Float64Array([...values.weights.flatMap((w) => [...w]), ...values.scale]);
  const expected = penaltyGradientByDifferences(
    (p, x) => {
      const parts = split(p, shapes);
      return loss(parts.slice(0, -1), parts.at(-1)!, x);
    },
    params,
    values.x,
  );
  expect(relativeError(tfjsGradients(backend, layerCase, values, outputShape, true), expected)).toBeLessThan(tolerance);
  expect(expected.some((v) => v !== 0)).toBe(true);
}
