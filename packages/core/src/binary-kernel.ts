/**
 * `GanBinary`: Add, Sub, Multiply or RealDiv (attribute `op`) as one of gan's host kernels,
 * for the kernels composed of a backend's own (`HostKernels.binary`). On wasm, where both
 * operands have one shape or the second is a single value, it is a WebAssembly SIMD loop on
 * the heap (heap-simd's add, sub, mul, div): wasm's binary kernels compute the same f32
 * operations, but marshal both shapes through Emscripten's stack on every call, which on the
 * few hundred floats of a batch of logits (the sigmoid losses' chains) costs far more than
 * the arithmetic. Elsewhere, and on cpu, it runs the backend's own kernel.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd, type HeapSimd } from "@gan/backend-wasm/heap-simd";
import { BINARY_KERNEL, hostBackendKernels, registerHostKernel, type BinaryKernelName, type HostBackendName } from "./host-kernels.js";
import { tf } from "./tfjs.js";

/** Each operation's loops: with b of a's shape, and with b a single value. */
const LOOPS: Record<BinaryKernelName, [keyof HeapSimd, keyof HeapSimd]> = {
  Add: ["add", "addScalar"],
  Sub: ["sub", "subScalar"],
  Multiply: ["mul", "mulScalar"],
  RealDiv: ["div", "divScalar"],
};

interface BinaryInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
}

/** a op b by a SIMD loop on the heap; undefined where none applies (other shapes or dtypes, no SIMD). */
function binaryOnHeap(backend: BackendWasm, op: BinaryKernelName, { a, b }: BinaryInputs): tf.TensorInfo | undefined {
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const sameShape = tf.util.arraysEqual(a.shape, b.shape);
  // A single value broadcast over a keeps a's shape only if b has no more dimensions than a.
  const singleB = tf.util.sizeFromShape(b.shape) === 1 && b.shape.length <= a.shape.length;
  const simd = sameShape || singleB ? heapSimd(backend) : undefined;
  if (simd === undefined) return undefined;
  const out = backend.makeOutput(a.shape, "float32");
  const [aAt, bAt, outAt] = [a, b, out].map((t) => heapAddress(backend.typedArrayFromHeap(t) as Float32Array));
  const loop = simd[LOOPS[op][sameShape ? 0 : 1]] as (a: number, b: number, out: number, count: number) => void;
  loop(aAt!, bAt!, outAt!, tf.util.sizeFromShape(a.shape));
  return out;
}

function binaryKernel(backendName: HostBackendName): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { op } = attrs as unknown as { op: BinaryKernelName };
    const operands = inputs as unknown as BinaryInputs;
    const onHeap = backendName === "wasm" ? binaryOnHeap(backend as unknown as BackendWasm, op, operands) : undefined;
    return onHeap ?? hostBackendKernels(backendName, backend).kernel(op, operands);
  };
}

/** Registers `GanBinary` on cpu and wasm, once. */
export function registerBinaryKernel(): void {
  registerHostKernel(BINARY_KERNEL, { cpu: binaryKernel("cpu"), wasm: binaryKernel("wasm") });
}
