import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, test } from "vitest";
import { UserError } from "../errors.js";
import { TENSORFLOW_MISSING, selectBackend } from "./select-backend.js";
import { nativeBlasInUse } from "@gan/backend-wasm";
import { blasLoadsHere as blasLoads } from "./test-blas.js";

describe("choosing the backend", () => {
  test("cpu and wasm are set up and recorded", async () => {
    expect(await selectBackend("cpu")).toEqual({ name: "cpu", requested: "cpu", package: "@tensorflow/tfjs-backend-cpu", version: "4.22.0" });
    expect(tf.getBackend()).toBe("cpu");
    expect(await selectBackend("wasm")).toMatchObject({ name: "wasm", requested: "wasm", package: "@tensorflow/tfjs-backend-wasm" });
    expect(tf.getBackend()).toBe("wasm");
  });

  test("tensorflow asked for and not installed: a user error with the install command", async () => {
    const error = await selectBackend("tensorflow").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(TENSORFLOW_MISSING);
    expect(TENSORFLOW_MISSING).toBe(
      "backend 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu: npm install @tensorflow/tfjs-node",
    );
  });

  test.runIf(blasLoads)("blas is the wasm backend with the native BLAS on, recorded with the library; wasm turns it off", async () => {
    const blas = await selectBackend("blas");
    expect(blas).toMatchObject({ name: "blas", requested: "blas" });
    expect(blas.package).toMatch(/^@tensorflow\/tfjs-backend-wasm with .*(blas|mkl|blis|Accelerate)/i);
    expect(tf.getBackend()).toBe("wasm");
    expect(nativeBlasInUse()).toBeDefined();
    await selectBackend("wasm");
    expect(nativeBlasInUse()).toBeUndefined();
  });

  test("auto without tfjs-node takes blas where a BLAS loads, else wasm, and says it asked for auto", async () => {
    expect(await selectBackend("auto")).toMatchObject({ name: blasLoads ? "blas" : "wasm", requested: "auto" });
    expect(tf.getBackend()).toBe("wasm");
  });

  test("gradients of gradients work through LeakyReLU's comparison on every backend", async () => {
    for (const name of ["cpu", "wasm"] as const) {
      await selectBackend(name);
      // d/dx of (d/dx leakyRelu(x)^2): 2 where x > 0, 2 * 0.2^2 where x < 0.
      const second = tf.grad((x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.square(tf.leakyRelu(y, 0.2)))(x));
      const [atPositive, atNegative] = Array.from(second(tf.tensor1d([3, -2])).dataSync());
      expect(atPositive).toBe(2);
      expect(atNegative).toBeCloseTo(2 * 0.2 * 0.2, 6);
    }
  });
});
