import { getKernel, type KernelFunc, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { blasMatMul } from "./blas/blas-kernels.js";
import { nativeBlasInUse } from "./blas/use-native-blas.js";
import { backendWasmState } from "./state.js";

/**
 * Typed calls into the wasm backend's own kernel functions, for kernels composed of them.
 *
 * The composed kernels call kernel functions directly (as tfjs-backend-wasm's own composite
 * kernels do) instead of tf ops: no engine bookkeeping, nothing recorded on a gradient tape,
 * and the intermediates are plain backend buffers that `dispose` frees at once.
 *
 * The functions are looked up when this module first needs them and kept: once this package
 * has replaced `BatchMatMul` or `Conv2DBackpropInput`, the composed kernels must still reach
 * the originals, never the replacements.
 */

/** Explicit padding in the NHWC form tfjs accepts: [[0,0],[top,bottom],[left,right],[0,0]]. */
export type ExplicitPad = [[0, 0], [number, number], [number, number], [0, 0]];

export type Shape4 = [number, number, number, number];

/** Remembers the wasm backend's own kernel function for `name` (first call wins). */
export function originalWasmKernel(name: string): KernelFunc {
  const originalKernels = backendWasmState().originals;
  let kernelFunc = originalKernels.get(name);
  if (kernelFunc === undefined) {
    const config = getKernel(name, "wasm");
    if (config === undefined) {
      throw new Error(
        `@gan/backend-wasm: the wasm backend has no '${name}' kernel; ` +
          `import "@tensorflow/tfjs-backend-wasm" before registering the training kernels.`,
      );
    }
    kernelFunc = config.kernelFunc;
    originalKernels.set(name, kernelFunc);
  }
  return kernelFunc;
}

export class WasmOps {
  constructor(readonly backend: BackendWasm) {}

  private run(name: string, inputs: object, attrs: object = {}): TensorInfo {
    return originalWasmKernel(name)({
      inputs: inputs as never,
      backend: this.backend,
      attrs: attrs as NamedAttrMap,
    }) as TensorInfo;
  }

  /** Frees intermediates; each `dispose` drops one reference (reshapes share buffers). */
  dispose(...tensors: (TensorInfo | undefined)[]): void {
    for (const t of tensors) if (t !== undefined) this.backend.disposeData(t.dataId);
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run("Transpose", { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run("Reshape", { x }, { shape });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run("Slice", { x }, { begin, size });
  }

  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    return this.run("PadV2", { x }, { paddings, constantValue: 0 });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run("Reverse", { x }, { dims });
  }

  concat(xs: TensorInfo[], axis: number): TensorInfo {
    return this.run("Concat", xs, { axis });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run("Sum", { x }, { axis, keepDims: false });
  }

  prelu(x: TensorInfo, alpha: TensorInfo): TensorInfo {
    return this.run("Prelu", { x, alpha });
  }

  sigmoid(x: TensorInfo): TensorInfo {
    return this.run("Sigmoid", { x });
  }

  mul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run("Multiply", { a, b });
  }

  sub(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run("Sub", { a, b });
  }

  /** On the native BLAS when one is active (sums over leading axes are products too). */
  batchMatMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    const blas = nativeBlasInUse();
    const onBlas = blas === undefined ? undefined : blasMatMul(blas, this.backend, { a, b }, {});
    if (onBlas !== undefined) return onBlas;
    return this.run("BatchMatMul", { a, b }, { transposeA: false, transposeB: false });
  }

  /** Stride-1 (or strided), possibly dilated NHWC convolution on XNNPACK. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pad: ExplicitPad,
    dilations: [number, number] = [1, 1],
    strides: [number, number] = [1, 1],
  ): TensorInfo {
    return this.run(
      "Conv2D",
      { x, filter },
      { strides, pad, dilations, dataFormat: "NHWC", dimRoundingMode: undefined },
    );
  }

  /** Depthwise NHWC convolution on XNNPACK; filter [fh, fw, channels, multiplier]. */
  depthwiseConv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pad: ExplicitPad,
    dilations: [number, number] = [1, 1],
  ): TensorInfo {
    return this.run(
      "DepthwiseConv2dNative",
      { x, filter },
      { strides: [1, 1], pad, dilations, dataFormat: "NHWC", dimRoundingMode: undefined },
    );
  }

  /** A float32 tensor filled with zeros. */
  zeros(shape: number[]): TensorInfo {
    return this.fill(shape, 0);
  }

  /** A float32 tensor filled with `value`. */
  fill(shape: number[], value: number): TensorInfo {
    return this.run("Fill", {}, { shape, value, dtype: "float32" });
  }

  /** A new float32 tensor holding `values`, written straight into the wasm heap. */
  fromValues(shape: number[], values: Float32Array): TensorInfo {
    const out = this.backend.makeOutput(shape, "float32");
    (this.backend.typedArrayFromHeap(out) as Float32Array).set(values);
    return out;
  }

  /** A view of a float32 tensor's values on the wasm heap; valid until the next allocation. */
  heapView(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }
}
