import { beforeAll, describe, it } from "vitest";
import { describeOnBothKernelPaths, setUpBackends, type Backend } from "@gan/backend-wasm/testing";
import { attentionKeyChannels, SelfAttention } from "./attention.js";
import { Normalization } from "./normalization.js";
import { PixelShuffle } from "./pixel-shuffle.js";
import { upsampleLayer } from "./upsample.js";
import {
  expectForwardMatchesReference,
  expectGradientsMatchDifferences,
  expectPenaltyGradientsMatchDifferences,
  type LayerCase,
} from "./test-layer-checks.js";

beforeAll(setUpBackends);

/** NHWC indexing for the float64 references. */
const at = (shape: number[]) => (b: number, i: number, j: number, k: number) => ((b * shape[1]! + i) * shape[2]! + j) * shape[3]! + k;

function mapImage(outShape: number[], value: (b: number, i: number, j: number, k: number) => number): Float64Array {
  const out = new Float64Array(outShape.reduce((a, c) => a * c, 1));
  const index = at(outShape);
  for (let b = 0; b < outShape[0]!; b++)
    for (let i = 0; i < outShape[1]!; i++)
      for (let j = 0; j < outShape[2]!; j++) for (let k = 0; k < outShape[3]!; k++) out[index(b, i, j, k)] = value(b, i, j, k);
  return out;
}

function nearestRef(shape: number[], factor: number) {
  const x = at(shape);
  return (_: Float64Array[], input: Float64Array) =>
    mapImage([shape[0]!, shape[1]! * factor, shape[2]! * factor, shape[3]!], (b, i, j, k) => input[x(b, Math.floor(i / factor), Math.floor(j / factor), k)]!);
}

/** tfjs's bilinear resize without half-pixel centres: output i samples the input at i / factor. */
function bilinearRef(shape: number[], factor: number) {
  const x = at(shape);
  const source = (i: number, size: number) => {
    const position = i / factor;
    const low = Math.floor(position);
    return { low, high: Math.min(low + 1, size - 1), fraction: position - low };
  };
  return (_: Float64Array[], input: Float64Array) =>
    mapImage([shape[0]!, shape[1]! * factor, shape[2]! * factor, shape[3]!], (b, i, j, k) => {
      const r = source(i, shape[1]!);
      const c = source(j, shape[2]!);
      const v = (row: number, column: number) => input[x(b, row, column, k)]!;
      const top = v(r.low, c.low) + (v(r.low, c.high) - v(r.low, c.low)) * c.fraction;
      const bottom = v(r.high, c.low) + (v(r.high, c.high) - v(r.high, c.low)) * c.fraction;
      return top + (bottom - top) * r.fraction;
    });
}

function pixelShuffleRef(shape: number[], factor: number) {
  const x = at(shape);
  const channels = shape[3]! / (factor * factor);
  return (_: Float64Array[], input: Float64Array) =>
    mapImage([shape[0]!, shape[1]! * factor, shape[2]! * factor, channels], (b, i, j, k) => {
      const block = (i % factor) * factor + (j % factor);
      return input[x(b, Math.floor(i / factor), Math.floor(j / factor), block * channels + k)]!;
    });
}

/** Normalised over the positions of `group(b, i, j, k)`, then gamma[k] * . + beta[k]. */
function normalizationRef(shape: number[], epsilon: number, group: (b: number, k: number) => string) {
  const x = at(shape);
  return ([gamma, beta]: Float64Array[], input: Float64Array) => {
    const sums = new Map<string, { sum: number; squares: number; count: number }>();
    mapImage(shape, (b, i, j, k) => {
      const entry = sums.get(group(b, k)) ?? { sum: 0, squares: 0, count: 0 };
      entry.sum += input[x(b, i, j, k)]!;
      entry.count += 1;
      sums.set(group(b, k), entry);
      return 0;
    });
    mapImage(shape, (b, i, j, k) => {
      const entry = sums.get(group(b, k))!;
      entry.squares += (input[x(b, i, j, k)]! - entry.sum / entry.count) ** 2;
      return 0;
    });
    return mapImage(shape, (b, i, j, k) => {
      const { sum, squares, count } = sums.get(group(b, k))!;
      return ((input[x(b, i, j, k)]! - sum / count) / Math.sqrt(squares / count + epsilon)) * gamma![k]! + beta![k]!;
    });
  };
}

/** SAGAN self-attention in float64: y_i = gamma * sum_j softmax_j(q_i . k_j) v_j + x_i. */
function attentionRef(shape: number[]) {
  const [n, h, w, c] = shape as [number, number, number, number];
  const positions = h * w;
  const d = attentionKeyChannels(c);
  const project = (input: Float64Array, b: number, p: number, kernel: Float64Array, bias: Float64Array, outputs: number) =>
    Array.from({ length: outputs }, (_, o) => {
      let sum = bias[o]!;
      for (let k = 0; k < c; k++) sum += input[(b * positions + p) * c + k]! * kernel[k * outputs + o]!;
      return sum;
    });
  return ([qk, qb, kk, kb, vk, vb, gamma]: Float64Array[], input: Float64Array) => {
    const out = new Float64Array(input.length);
    for (let b = 0; b < n; b++) {
      const q = Array.from({ length: positions }, (_, p) => project(input, b, p, qk!, qb!, d));
      const k = Array.from({ length: positions }, (_, p) => project(input, b, p, kk!, kb!, d));
      const v = Array.from({ length: positions }, (_, p) => project(input, b, p, vk!, vb!, c));
      for (let i = 0; i < positions; i++) {
        const scores = k.map((kj) => kj.reduce((s, kjo, o) => s + q[i]![o]! * kjo, 0));
        const top = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - top));
        const total = e.reduce((a, b2) => a + b2, 0);
        for (let o = 0; o < c; o++) {
          const attended = e.reduce((s, ej, j) => s + (ej / total) * v[j]![o]!, 0);
          out[(b * positions + i) * c + o] = gamma![0]! * attended + input[(b * positions + i) * c + o]!;
        }
      }
    }
    return out;
  };
}

const cases: [string, LayerCase][] = [
  ["upsample 2 nearest", { build: () => upsampleLayer({ name: "u", factor: 2, interpolation: "nearest" }), inputShape: [2, 3, 2, 2], weightShapes: [], reference: nearestRef([2, 3, 2, 2], 2) }],
  ["upsample 3 nearest", { build: () => upsampleLayer({ name: "u", factor: 3, interpolation: "nearest" }), inputShape: [1, 2, 2, 3], weightShapes: [], reference: nearestRef([1, 2, 2, 3], 3) }],
  ["upsample 2 bilinear", { build: () => upsampleLayer({ name: "u", factor: 2, interpolation: "bilinear" }), inputShape: [2, 3, 3, 2], weightShapes: [], reference: bilinearRef([2, 3, 3, 2], 2) }],
  ["pixelshuffle 2", { build: () => new PixelShuffle({ name: "p", factor: 2 }), inputShape: [2, 2, 3, 8], weightShapes: [], reference: pixelShuffleRef([2, 2, 3, 8], 2) }],
  [
    "instancenorm",
    {
      build: () => new Normalization({ name: "n", kind: "instancenorm", epsilon: 1e-5 }),
      inputShape: [2, 3, 3, 3],
      weightShapes: [[3], [3]],
      reference: normalizationRef([2, 3, 3, 3], 1e-5, (b, k) => `${b}:${k}`),
    },
  ],
  [
    "layernorm",
    {
      build: () => new Normalization({ name: "n", kind: "layernorm", epsilon: 1e-5 }),
      inputShape: [2, 2, 3, 3],
      weightShapes: [[3], [3]],
      reference: normalizationRef([2, 2, 3, 3], 1e-5, (b) => `${b}`),
    },
  ],
  [
    "attention",
    {
      build: () => new SelfAttention({ name: "a", seed: 1 }),
      inputShape: [2, 3, 2, 8],
      weightShapes: [[8, 1], [1], [8, 1], [1], [8, 8], [8], [1]],
      reference: attentionRef([2, 3, 2, 8]),
    },
  ],
];

describeOnBothKernelPaths("new layers", () => {
  describe.each(cases)("%s", (_, layerCase) => {
    it.each<Backend>(["cpu", "wasm"])("forward and output shape on %s match the float64 reference", (backend) => {
      expectForwardMatchesReference(layerCase, backend);
    });
    it.each<Backend>(["cpu", "wasm"])("gradients on %s match central differences", (backend) => {
      expectGradientsMatchDifferences(layerCase, backend);
    });
    it.each<Backend>(["cpu", "wasm"])("the penalty's gradients (double backprop) on %s match differences of differences", (backend) => {
      expectPenaltyGradientsMatchDifferences(layerCase, backend);
    });
  });
});
