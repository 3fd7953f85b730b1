/**
 * `globalavgpool`, the layer kind added as issue 17's proof that a flat kind is two source
 * files: its definition (plan/src/layer-kinds/pooling.ts) and its builder
 * (layer-builders.ts). Its shape in the plan, its place in a network, and the layer the
 * builder makes checked against a float64 mean, with gradients and the penalty's gradients
 * against differences on cpu and wasm.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { setUpBackends, type Backend } from "@gan/backend-wasm/testing";
import { inferNetworkShapes, NetworkSchema, type LayerOf } from "@gan/plan";
import { tf } from "../tfjs.js";
import { buildNetwork } from "./build-network.js";
import { LAYER_BUILDERS, type LayerBuildContext } from "./layer-builders.js";
import {
  expectForwardMatchesReference,
  expectGradientsMatchDifferences,
  expectPenaltyGradientsMatchDifferences,
  type LayerCase,
} from "./layers/test-layer-checks.js";

beforeAll(setUpBackends);

const layer: LayerOf<"globalavgpool"> = { type: "globalavgpool" };

describe("globalavgpool in the plan", () => {
  it("turns an image into one value per channel", () => {
    const inferred = inferNetworkShapes({ inputShape: [5, 4, 3], layers: [layer] });
    expect(inferred).toMatchObject({ ok: true, outputShape: [3] });
  });

  it("refuses a flat input, saying what it needs", () => {
    expect(inferNetworkShapes({ inputShape: [12], layers: [layer] })).toEqual({
      ok: false,
      errors: [{ layerIndex: 0, path: [0], message: "globalavgpool needs an image input [height, width, channels] but gets [12]: add 'reshape' before it" }],
    });
  });

  it("is built under its place's name, between a conv and a dense layer", async () => {
    await tf.setBackend("cpu");
    const network = NetworkSchema.parse({
      inputShape: [4, 4, 1],
      layers: [{ type: "conv", filters: 2 }, layer, { type: "dense", units: 1 }],
    });
    const model = buildNetwork(network, "discriminator", { seed: 3 });
    expect(model.layers.slice(1).map((l) => l.name)).toEqual(["d0_conv", "d1_globalavgpool", "d2_dense"]);
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    model.dispose();
  });
});

const context: LayerBuildContext = {
  name: "d0_globalavgpool",
  place: "d0",
  network: "discriminator",
  index: 0,
  seed: 1,
  inputShape: [3, 2, 4],
  tricks: [],
  dropoutRng: undefined,
};

/** The mean of each channel of NHWC `input` of `shape`, in float64. */
function channelMeans([batch, height, width, channels]: number[]) {
  return (_weights: Float64Array[], input: Float64Array) => {
    const out = new Float64Array(batch! * channels!);
    for (let i = 0; i < input.length; i++) {
      const b = Math.floor(i / (height! * width! * channels!));
      out[b * channels! + (i % channels!)]! += input[i]! / (height! * width!);
    }
    return out;
  };
}

const pooling: LayerCase = {
  build: () => LAYER_BUILDERS.globalavgpool(layer, context)[0]!,
  inputShape: [2, 3, 2, 4],
  weightShapes: [],
  reference: channelMeans([2, 3, 2, 4]),
};

describe("the globalavgpool the builder makes", () => {
  it.each<Backend>(["cpu", "wasm"])("computes the channel means on %s", (backend) => {
    expectForwardMatchesReference(pooling, backend);
  });
  it.each<Backend>(["cpu", "wasm"])("has the gradients of central differences on %s", (backend) => {
    expectGradientsMatchDifferences(pooling, backend);
  });
  it.each<Backend>(["cpu", "wasm"])("has the penalty's gradients (double backprop) of differences of differences on %s", (backend) => {
    expectPenaltyGradientsMatchDifferences(pooling, backend);
  });
});
