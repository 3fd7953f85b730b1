import { seededValues } from "@gan/backend-wasm/testing";
import { describe, expect, test } from "vitest";
import { blasLoadsHere } from "../backend/test-blas.js";
import { selectBackend } from "../backend/select-backend.js";
import { tf, tfl } from "../tfjs.js";
import { Trainer } from "../loop/trainer.js";
import { tinyPlan } from "../testing/tiny-ring.js";
import { applyModel, setLayerChains, setLeakyReluFusion } from "./layer-chain.js";
import { denseWithTapeKernel } from "./layers/dense-kernel.js";

const BACKENDS = blasLoadsHere ? (["cpu", "wasm", "blas"] as const) : (["cpu", "wasm"] as const);

const bits = (tensor: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

/** A sequential MLP as the layer builders make one: dense layers through GanDense, a leaky ReLU as a layer of its own. */
function mlp(extra?: tfl.layers.Layer): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.inputLayer({ inputShape: [3] }));
  model.add(denseWithTapeKernel(tfl.layers.dense({ units: 8, activation: "relu", kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: tfl.initializers.randomNormal({ seed: 2 }) })));
  model.add(denseWithTapeKernel(tfl.layers.dense({ units: 6, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }), biasInitializer: tfl.initializers.randomNormal({ seed: 4 }) })));
  model.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  if (extra) model.add(extra);
  model.add(denseWithTapeKernel(tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) })));
  return model;
}

/** The model's output on x and the gradients of sum(output^2) with respect to x and every weight, as bits. */
function outputAndGradients(model: tfl.LayersModel, apply: (x: tf.Tensor) => tf.Tensor): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(seededValues(7 * 3, 9)), [7, 3]);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const output = apply(x);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(apply(x))) as tf.Scalar, weights);
    const inputGradient = tf.grad((input: tf.Tensor) => tf.sum(tf.square(apply(input))))(x);
    return [bits(output), bits(inputGradient), ...weights.map((w) => bits(grads[w.name]!))];
  });
}

describe("a sequential model of dense layers applied layer by layer", () => {
  for (const backend of BACKENDS) {
    test(`gives model.apply's outputs and gradients bit for bit, for training and inference, with no tensor left (${backend})`, async () => {
      await selectBackend(backend);
      const model = mlp();
      for (const training of [true, false]) {
        const viaExecutor = outputAndGradients(model, (x) => model.apply(x, { training }) as tf.Tensor);
        const before = tf.memory().numTensors;
        const viaChain = outputAndGradients(model, (x) => applyModel(model, x, { training }) as tf.Tensor);
        expect(tf.memory().numTensors).toBe(before);
        expect(viaChain).toEqual(viaExecutor);
      }
      model.dispose();
    });
  }

  test("leaves any other model to model.apply: a layer that is not dense or leaky ReLU, a list of inputs", async () => {
    await selectBackend("cpu");
    const withDropout = mlp(tfl.layers.dropout({ rate: 0.5 }));
    const executor = withDropout.apply.bind(withDropout);
    let calls = 0;
    withDropout.apply = ((inputs: tf.Tensor, kwargs: object) => {
      calls++;
      return executor(inputs, kwargs);
    }) as typeof withDropout.apply;
    tf.tidy(() => applyModel(withDropout, tf.ones([2, 3]), { training: false }));
    expect(calls).toBe(1);

    const chain = mlp();
    const chainExecutor = chain.apply.bind(chain);
    let chainCalls = 0;
    chain.apply = ((inputs: tf.Tensor, kwargs: object) => {
      chainCalls++;
      return chainExecutor(inputs, kwargs);
    }) as typeof chain.apply;
    tf.tidy(() => applyModel(chain, tf.ones([2, 3]), { training: false }));
    expect(chainCalls).toBe(0);
    withDropout.dispose();
    chain.dispose();
  });
});

describe("a training run", () => {
  for (const backend of BACKENDS) {
    test(`is the same bit for bit with chains and the fused leaky ReLU, the chains alone, and neither (${backend})`, async () => {
      // The tiny ring: leaky ReLU in D, G and D sequential chains of dense layers.
      const plan = tinyPlan({ train: { ...tinyPlan().train, backend, steps: 6 } });
      const run = async () => {
        const trainer = await Trainer.create(plan);
        const losses: number[] = [];
        for (let i = 0; i < 6; i++) {
          const values = await trainer.runStep();
          losses.push(values!["d_loss"]!, values!["g_loss"]!);
        }
        const weights = [...trainer.generator.getWeights(), ...trainer.discriminator.getWeights()].map(bits);
        trainer.dispose();
        return { losses, weights };
      };
      const both = await run();
      const leakyBefore = setLeakyReluFusion(false);
      const chainsAlone = await run();
      const chainsBefore = setLayerChains(false);
      const neither = await run();
      setLayerChains(chainsBefore);
      setLeakyReluFusion(leakyBefore);
      expect(both.losses.every(Number.isFinite)).toBe(true);
      expect(chainsAlone).toEqual(neither);
      expect(both).toEqual(neither);
    });
  }
});
