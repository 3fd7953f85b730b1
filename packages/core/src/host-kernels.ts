/**
 * gan's own kernels on the backends whose tensors live in memory JavaScript can reach: cpu
 * (JavaScript arrays) and wasm, with or without the native BLAS (the wasm heap). Each such
 * kernel replaces a chain of small tfjs kernels with one engine call; on any other backend
 * (webgl, tfjs-node) the caller runs the chain of tfjs ops instead.
 */
// tfjs through core's one loader (require(), not an ESM import: see tfjs.ts, and bench/RESULTS.md "Start-up").
import { tf } from "./tfjs.js";

export type HostBackendName = "cpu" | "wasm";

/** How a kernel reads its inputs and makes float32 outputs on a host backend. */
export interface HostMemory {
  /** The tensor's values, as the backend stores them (on wasm: a view of the heap, valid until the next allocation). */
  read(tensor: tf.TensorInfo): tf.TypedArray;
  /** A float32 output holding `values`. */
  output(shape: number[], values: ArrayLike<number>): tf.TensorInfo;
}

interface CpuBackend {
  data: { get(dataId: object): { values: tf.TypedArray } };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(tensor: tf.TensorInfo): tf.TypedArray;
}

/** The backend's memory, for a kernel running on `backendName`. */
export function hostMemory(backendName: HostBackendName, backend: object): HostMemory {
  if (backendName === "cpu") {
    const cpu = backend as CpuBackend;
    return {
      read: (tensor) => cpu.data.get(tensor.dataId).values,
      output: (shape, values) => cpu.makeTensorInfo(shape, "float32", Float32Array.from(values)),
    };
  }
  const wasm = backend as WasmBackend;
  return {
    read: (tensor) => wasm.typedArrayFromHeap(tensor),
    output: (shape, values) => {
      const out = wasm.makeOutput(shape, "float32");
      (wasm.typedArrayFromHeap(out) as Float32Array).set(values);
      return out;
    },
  };
}

const registered = new Set<string>();

/**
 * Registers `kernelName` on cpu and wasm, with each backend's function, once per process: a
 * kernel unregistered later (a benchmark measuring what it replaced) stays unregistered.
 */
export function registerHostKernel(kernelName: string, kernelFuncs: Record<HostBackendName, tf.KernelFunc>): void {
  if (registered.has(kernelName)) return;
  registered.add(kernelName);
  for (const backendName of ["cpu", "wasm"] as const) {
    if (tf.getKernel(kernelName, backendName) === undefined) tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFuncs[backendName] });
  }
}

/** Whether the active backend has `kernelName`. */
export function kernelOnActiveBackend(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** The binary operations `HostKernels.binary` runs: tfjs's kernel names. */
export type BinaryKernelName = "Add" | "Sub" | "Multiply" | "RealDiv";

/**
 * gan's kernel for a binary operation (binary-kernel.ts), its tfjs kernel's name as attribute
 * `op`: on wasm a SIMD loop on the heap where both operands have one shape or the second is a
 * single value. Where it is not registered (a benchmark measuring what it replaced),
 * `HostKernels.binary` runs the backend's own kernel.
 */
export const BINARY_KERNEL = "GanBinary";

/** A host backend's kernel functions, called directly: for a kernel composed of them. */
export interface HostKernels {
  /** Runs the kernel registered as `name` on the backend now (gan's replacement where it has one, as the engine would). */
  kernel(name: string, inputs: object, attrs?: object): tf.TensorInfo;
  /** a op b, by gan's binary kernel where it is registered, the backend's `name` kernel otherwise: the same values either way. */
  binary(name: BinaryKernelName, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo;
  /** Drops one reference to an intermediate's buffer. */
  dispose(tensor: tf.TensorInfo): void;
}

/**
 * The kernels of `backendName` on `backend`, with no engine in between: no lookup per call by
 * the engine, no scope, nothing on a gradient tape, and intermediates freed at once.
 */
export function hostBackendKernels(backendName: HostBackendName, backend: object): HostKernels {
  const disposable = backend as { disposeData(dataId: object): void };
  const kernel = (name: string, inputs: object, attrs: object = {}): tf.TensorInfo => {
    const config = tf.getKernel(name, backendName);
    if (config === undefined) throw new Error(`the ${backendName} backend has no '${name}' kernel`);
    return config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: backend as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  };
  return {
    kernel,
    binary: (name, a, b) => (tf.getKernel(BINARY_KERNEL, backendName) === undefined ? kernel(name, { a, b }) : kernel(BINARY_KERNEL, { a, b }, { op: name })),
    dispose: (tensor) => disposable.disposeData(tensor.dataId),
  };
}
