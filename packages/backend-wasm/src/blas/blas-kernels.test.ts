import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { disableNativeBlas, enableNativeBlas, loadNativeBlas } from "../index.js";
import { setMaxPatchFloats } from "./blas-kernels.js";
import { countingBlas, describeOnBothKernelPaths, expectWasmMatchesCpu, whyBlasTestsSkip, onBackend, seededTensor, setUpBackends, tf } from "../test-helpers.js";

beforeAll(setUpBackends);
afterAll(disableNativeBlas);

const unavailable = whyBlasTestsSkip();

type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];
const forwardCases: { x: [number, number, number, number]; filter: [number, number, number, number]; strides: number | [number, number]; pad: Pad }[] = [
  { x: [3, 5, 7, 1], filter: [3, 3, 1, 4], strides: 1, pad: "same" },
  { x: [3, 5, 7, 3], filter: [4, 4, 3, 2], strides: 2, pad: "same" },
  { x: [3, 5, 7, 6], filter: [2, 3, 6, 5], strides: 2, pad: "valid" },
  { x: [2, 6, 8, 3], filter: [2, 3, 3, 5], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 9, 8, 5], filter: [3, 5, 5, 4], strides: 3, pad: "same" },
  { x: [2, 9, 8, 3], filter: [3, 2, 3, 4], strides: [2, 3], pad: "valid" },
  { x: [2, 9, 8, 6], filter: [1, 1, 6, 4], strides: 1, pad: "valid" }, // the input is its own patch matrix
  { x: [2, 9, 8, 6], filter: [1, 1, 6, 4], strides: 2, pad: "same" },
  { x: [4, 14, 14, 16], filter: [4, 4, 16, 8], strides: 2, pad: "same" }, // a DCGAN layer
];

describeOnBothKernelPaths("Conv2D and FusedConv2D on wasm match cpu", () => {
  it.each(forwardCases.map((c) => [`x [${c.x}] filter [${c.filter}] strides ${c.strides} pad ${JSON.stringify(c.pad)}`, c] as const))(
    "conv2d %s",
    (_, c) => {
      expectWasmMatchesCpu(() => tf.conv2d(seededTensor(c.x, 1) as tf.Tensor4D, seededTensor(c.filter, 2) as tf.Tensor4D, c.strides, c.pad));
    },
  );

  it.each(["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const)("fused conv2d with bias and %s", (activation) => {
    expectWasmMatchesCpu(() =>
      tf.fused.conv2d({
        x: seededTensor([2, 6, 7, 3], 3) as tf.Tensor4D,
        filter: seededTensor([3, 3, 3, 4], 4) as tf.Tensor4D,
        strides: 2,
        pad: "same",
        bias: seededTensor([4], 5),
        activation,
        leakyreluAlpha: 0.3,
        preluActivationWeights: activation === "prelu" ? seededTensor([4], 6) : undefined,
      }),
    );
  });
});

describeOnBothKernelPaths("_FusedMatMul activations and biases on wasm match cpu", () => {
  it.each(["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const)("bias of one row, %s", (activation) => {
    expectWasmMatchesCpu(() =>
      tf.fused.matMul({
        a: seededTensor([6, 5], 7) as tf.Tensor2D,
        b: seededTensor([5, 4], 8) as tf.Tensor2D,
        bias: seededTensor([4], 9),
        activation,
        leakyreluAlpha: 0.3,
        preluActivationWeights: activation === "prelu" ? seededTensor([4], 10) : undefined,
      }),
    );
  });

  it("batch shapes that broadcast both ways ([2,1] against [1,3])", () => {
    expectWasmMatchesCpu(() => tf.matMul(seededTensor([2, 1, 4, 5], 14), seededTensor([1, 3, 5, 2], 15)));
  });
});

describe.skipIf(unavailable !== undefined)("with the native BLAS enabled", () => {
  afterEach(disableNativeBlas);

  it("a dense and a conv training step do their products there, and match the XNNPACK kernels", () => {
    const step = () => {
      const x = seededTensor([4, 8, 8, 3], 20);
      const filter = seededTensor([4, 4, 3, 6], 21);
      const dense = seededTensor([4 * 4 * 6, 5], 22);
      const loss = (w: tf.Tensor, v: tf.Tensor) =>
        tf.sum(tf.tanh(tf.matMul(tf.reshape(tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"), 0.2), [4, -1]), v)));
      const [gw, gv] = tf.grads(loss)([filter, dense]);
      return tf.concat([tf.reshape(gw!, [-1]), tf.reshape(gv!, [-1])]);
    };
    const xnnpack = onBackend("wasm", step);
    const blas = countingBlas(loadNativeBlas());
    enableNativeBlas(blas);
    const onBlas = onBackend("wasm", step);
    // Forward: conv and matmul; backward: the matmul's two gradients, then the filter gradient.
    expect(blas.calls).toBe(5);
    const scale = Math.max(...xnnpack.values.map(Math.abs));
    const diff = Math.max(...onBlas.values.map((v, i) => Math.abs(v - (xnnpack.values[i] as number))));
    expect(diff / scale).toBeLessThan(1e-5);
  });

  it.each([
    ["one row", [1, 37], [37, 5]],
    ["one column", [6, 37], [37, 1]],
  ] as const)("a product with %s (sgemv), with every transpose, matches cpu", (_, aShape, bShape) => {
    const blas = countingBlas(loadNativeBlas());
    enableNativeBlas(blas);
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = transposeA ? [aShape[1], aShape[0]] : [...aShape];
        const b = transposeB ? [bShape[1], bShape[0]] : [...bShape];
        expectWasmMatchesCpu(() => tf.matMul(seededTensor(a, 60), seededTensor(b, 61), transposeA, transposeB));
      }
    }
    expect(blas.calls).toBe(4);
    // A sum over leading axes is such a product (kernels/sum.ts).
    expectWasmMatchesCpu(() => tf.sum(seededTensor([3, 5, 4, 7], 62), [0, 1, 2]));
  });

  it("a bias per row and column (added with Add; wasm's own fused product refuses it), transposed operands", () => {
    enableNativeBlas();
    expectWasmMatchesCpu(() =>
      tf.fused.matMul({
        a: seededTensor([5, 6], 11) as tf.Tensor2D,
        b: seededTensor([4, 5], 12) as tf.Tensor2D,
        transposeA: true,
        transposeB: true,
        bias: seededTensor([6, 4], 13),
      }),
    );
  });

  it("builds large patch matrices a few images at a time, with the same results", () => {
    enableNativeBlas();
    const previous = setMaxPatchFloats(700); // one image per chunk: [3, 4] outputs x 3x3x6 taps = 648 floats
    try {
      const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"), seededTensor([5, 3, 4, 4], 52)));
      expectWasmMatchesCpu(() => tf.conv2d(seededTensor([5, 6, 7, 6], 50) as tf.Tensor4D, seededTensor([3, 3, 6, 4], 51) as tf.Tensor4D, 2, "same"));
      for (const which of [0, 1]) {
        expectWasmMatchesCpu(() => tf.grads(loss)([seededTensor([5, 6, 7, 6], 50), seededTensor([3, 3, 6, 4], 51)])[which] as tf.Tensor);
      }
    } finally {
      setMaxPatchFloats(previous);
    }
  });

  it("gives the same bits twice (OpenBLAS splits the work the same way each call)", () => {
    enableNativeBlas();
    const product = () => tf.matMul(seededTensor([300, 200], 30), seededTensor([200, 150], 31));
    const first = onBackend("wasm", product).values;
    const second = onBackend("wasm", product).values;
    expect(Buffer.from(second.buffer).equals(Buffer.from(first.buffer))).toBe(true);
  });

  it("leaves no buffers behind on the wasm heap", () => {
    enableNativeBlas();
    tf.setBackend("wasm");
    const run = () =>
      tf.tidy(() => {
        const y = tf.fused.conv2d({ x: seededTensor([2, 6, 6, 3], 40) as tf.Tensor4D, filter: seededTensor([3, 3, 3, 4], 41) as tf.Tensor4D, strides: 1, pad: "same", bias: seededTensor([4], 42), activation: "relu" });
        tf.fused.matMul({ a: tf.reshape(y, [2, -1]) as tf.Tensor2D, b: seededTensor([144, 3], 43) as tf.Tensor2D, bias: seededTensor([3], 44), activation: "elu" });
      });
    run();
    const before = tf.findBackend("wasm")!.numDataIds();
    run();
    expect(tf.findBackend("wasm")!.numDataIds()).toBe(before);
  });
});

describe("loading the native BLAS", () => {
  it("names the library it could not load", () => {
    expect(() => loadNativeBlas({ GAN_BLAS_LIBRARY: "/nonexistent/libnothing.so" })).toThrow(
      /^GAN_BLAS_LIBRARY=\/nonexistent\/libnothing.so did not load as a CBLAS library: /,
    );
  });

  it("refuses a thread count that is not a whole number", () => {
    expect(() => loadNativeBlas({ GAN_BLAS_THREADS: "two" })).toThrow("GAN_BLAS_THREADS must be a whole number of at least 1, not 'two'");
  });

  it.skipIf(unavailable !== undefined)("describes what it loaded", () => {
    const blas = loadNativeBlas({});
    expect(blas.library).toMatch(/blas|mkl|blis|Accelerate/i);
    expect(blas.description.startsWith(blas.library)).toBe(true);
  });

  it.skipIf(unavailable !== undefined)("reports the thread count OpenBLAS runs on, and sets it", () => {
    const blas = loadNativeBlas({});
    if (!blas.description.includes("OpenBLAS")) {
      expect(blas.threads).toBeUndefined();
      return;
    }
    const before = blas.threads!;
    expect(before).toBeGreaterThanOrEqual(1);
    try {
      blas.setThreads(before + 1);
      expect(blas.threads).toBe(before + 1);
      expect(loadNativeBlas({ GAN_BLAS_THREADS: "1" }).threads).toBe(1);
    } finally {
      blas.setThreads(before);
    }
  });
});
