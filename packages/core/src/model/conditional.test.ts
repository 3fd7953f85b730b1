/**
 * `condition classes` at run time: the class-conditional networks (G's class embedding, the
 * projection head, the auxiliary head, per-class batch norm) against hand computations, and a
 * conditional training run's determinism, tensor count and class draws.
 */
import { centralDifferences, f32, relativeError, seededValues } from "@gan/backend-wasm/testing";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { Trainer } from "../loop/trainer.js";
import { createRng } from "../random.js";
import { TINY_CLASSES, tinyConditionalPlan } from "../testing/tiny-ring.js";
import { tf } from "../tfjs.js";
import { arrayDataSource, tinyConditionalSource } from "../trick/trick-harness.js";
import { applyDiscriminator, applyGenerator, buildDiscriminator, buildGenerator, classTensor, sampleClasses } from "./conditional.js";
import { ClassAffine } from "./layers/class-affine.js";

beforeAll(async () => {
  await selectBackend("cpu");
});

const PIXELS = 784;
const read = (t: tf.Tensor) => Array.from(t.dataSync());

describe("the class-conditional networks", () => {
  test("the projection head: D(x, y) = psi(phi(x)) + <embed(y), phi(x)>, from the model's own weights", () => {
    const plan = tinyConditionalPlan();
    const d = buildDiscriminator(plan, { seed: 3 });
    const x = tf.tensor(f32(seededValues(2 * PIXELS, 7)), [2, 28, 28, 1]);
    const y = classTensor(Int32Array.from([2, 0]));
    const out = read(applyDiscriminator(d, plan, x, y, false).logits);
    // phi: flatten, dense 8 with leaky ReLU; psi: dense 1; the projection: one row of 8 per class.
    const phi = tf.leakyRelu(tf.add(tf.matMul(tf.reshape(x, [2, PIXELS]), d.getLayer("d1_dense").getWeights()[0]!), d.getLayer("d1_dense").getWeights()[1]!), 0.2);
    const psi = tf.add(tf.matMul(phi, d.getLayer("d2_dense").getWeights()[0]!), d.getLayer("d2_dense").getWeights()[1]!);
    const embedded = tf.gather(d.getLayer("d_class_projection").getWeights()[0]!, [2, 0]);
    const expected = read(tf.add(tf.reshape(psi, [2]), tf.sum(tf.mul(embedded, phi), 1)));
    expect(relativeError(out, expected)).toBeLessThan(1e-5);
    // Another class gives another score for the same image.
    expect(read(applyDiscriminator(d, plan, x, classTensor(Int32Array.from([1, 1])), false).logits)).not.toEqual(out);
    d.dispose();
  });

  test("the auxiliary head: D(x) gives the logit and one class logit per class, and takes no class", () => {
    const plan = tinyConditionalPlan({ head: "auxiliary" });
    const d = buildDiscriminator(plan, { seed: 3 });
    expect(d.inputs).toHaveLength(1);
    const { logits, classLogits } = applyDiscriminator(d, plan, tf.zeros([5, 28, 28, 1]), undefined, false);
    expect(logits.shape).toEqual([5, 1]);
    expect(classLogits!.shape).toEqual([5, TINY_CLASSES.length]);
    d.dispose();
  });

  test("G's output depends on the class; the layers keep their unconditioned names", () => {
    const plan = tinyConditionalPlan();
    const g = buildGenerator(plan, { seed: 3 });
    expect(g.layers.map((layer) => layer.name)).toEqual(
      expect.arrayContaining(["g_class_embedding", "g0_dense", "g1_batchnorm", "g1_batchnorm_class_affine", "g3_dense", "g4_reshape"]),
    );
    // Per-class gamma and beta start at 1 and 0: set one class's apart to see it act.
    const affine = g.getLayer("g1_batchnorm_class_affine");
    affine.setWeights([tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1], [3, 8]), tf.zeros([3, 8])]);
    const z = tf.tensor2d(f32(seededValues(8, 5)), [2, 4]);
    const same = read(applyGenerator(g, z, classTensor(Int32Array.from([0, 0])), false));
    const other = read(applyGenerator(g, z, classTensor(Int32Array.from([1, 1])), false));
    expect(other).not.toEqual(same);
    g.dispose();
  });

  test("fake classes are uniform over the classes and reproducible from the stream", () => {
    const draws = sampleClasses(30_000, 3, createRng(1));
    const counts = [0, 0, 0];
    for (const c of draws) counts[c]!++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(sampleClasses(50, 3, createRng(1))).toEqual(draws.subarray(0, 50));
  });
});

describe("per-class batch norm's affine part (ClassAffine)", () => {
  test("its output and its gradients in x, gamma and beta agree with float64 differences, on cpu and wasm", async () => {
    await selectBackend("wasm");
    const classes = Int32Array.from([1, 0, 1]);
    const [n, h, w, c, k] = [3, 2, 2, 2, 2];
    const x0 = seededValues(n * h * w * c, 11);
    const gamma0 = seededValues(k * c, 12).map((v) => 1 + 0.5 * v);
    const beta0 = seededValues(k * c, 13);
    const r = seededValues(n * h * w * c, 14);
    const reference = (x: Float64Array, gamma: Float64Array, beta: Float64Array) =>
      x.reduce((sum, v, i) => {
        const channel = i % c;
        const sample = Math.floor(i / (h * w * c));
        const cls = classes[sample]!;
        return sum + r[i]! * Math.tanh(v * gamma[cls * c + channel]! + beta[cls * c + channel]!);
      }, 0);
    for (const backend of ["cpu", "wasm"] as const) {
      await tf.setBackend(backend);
      const layer = new ClassAffine({ name: "t", classes: k });
      layer.build([[null, h, w, c], [null, 1]]);
      layer.setWeights([tf.tensor2d(f32(gamma0), [k, c]), tf.tensor2d(f32(beta0), [k, c])]);
      const [gammaVar, betaVar] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const x = tf.tensor4d(f32(x0), [n, h, w, c]);
      const y = classTensor(classes);
      const loss = () => tf.sum(tf.mul(tf.tensor4d(f32(r), [n, h, w, c]), tf.tanh(layer.apply([x, y]) as tf.Tensor))) as tf.Scalar;
      const { grads } = tf.variableGrads(loss, [gammaVar!, betaVar!]);
      const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.tensor4d(f32(r), [n, h, w, c]), tf.tanh(layer.apply([input, y]) as tf.Tensor))))(x);
      expect(relativeError(read(loss()), [reference(x0, gamma0, beta0)])).toBeLessThan(1e-5);
      expect(relativeError(read(dx), centralDifferences((p) => reference(p, gamma0, beta0), x0))).toBeLessThan(1e-4);
      expect(relativeError(read(grads[gammaVar!.name]!), centralDifferences((p) => reference(x0, p, beta0), gamma0))).toBeLessThan(1e-4);
      expect(relativeError(read(grads[betaVar!.name]!), centralDifferences((p) => reference(x0, gamma0, p), beta0))).toBeLessThan(1e-4);
    }
    await selectBackend("cpu");
  });
});

describe("a conditional training run", () => {
  async function lossesOf(plan: ReturnType<typeof tinyConditionalPlan>, steps: number): Promise<number[]> {
    const trainer = await Trainer.create(plan, { dataSource: tinyConditionalSource() });
    const out: number[] = [];
    for (let i = 0; i < steps; i++) {
      const values = await trainer.runStep();
      out.push(values!.d_loss!, values!.g_loss!);
    }
    trainer.dispose();
    return out;
  }

  test.each(["projection", "auxiliary"] as const)("with the %s head: the same seed gives the same losses, and the tensor count stays flat", async (head) => {
    const plan = tinyConditionalPlan({ head });
    const first = await lossesOf(plan, 4);
    expect(first.every(Number.isFinite)).toBe(true);
    expect(await lossesOf(plan, 4)).toEqual(first);

    const trainer = await Trainer.create({ ...plan, train: { ...plan.train, logEvery: 3 } }, { dataSource: tinyConditionalSource() });
    for (let i = 0; i < 3; i++) await trainer.runStep();
    const after3 = tf.memory().numTensors;
    for (let i = 0; i < 12; i++) await trainer.runStep();
    expect(tf.memory().numTensors).toBe(after3);
    trainer.dispose();
  });

  test("data without labels under a condition is refused with what is missing", async () => {
    const unlabelled = arrayDataSource(new Float32Array(2 * PIXELS), [28, 28, 1], [-1, 1]);
    const trainer = await Trainer.create(tinyConditionalPlan(), { dataSource: unlabelled });
    await expect(trainer.runStep()).rejects.toThrow(/the spec conditions on classes, but the data \(2 fixed examples of \[28, 28, 1\]\) gave no class labels/);
    trainer.dispose();
  });
});
