/**
 * Adam's update of a whole network as one kernel, on the cpu and wasm backends (wasm with
 * or without the native BLAS).
 *
 * tfjs's AdamOptimizer runs 14 kernels per variable and step (two moments, two bias
 * corrections, a square root, a division, the step) plus 4 for the running powers of beta,
 * each through the engine's bookkeeping (scopes, tensor tracking, the profiler's hooks) of
 * several microseconds; on the ring MLP that is most of the step that is not a matrix
 * product. This kernel takes every variable, gradient and moment of one network and the two
 * running powers, and makes the new values of all of them in one engine call:
 * - on cpu, in one JavaScript pass over the memory;
 * - on wasm, one WebAssembly SIMD loop per variable on the heap (@gan/backend-wasm's
 *   heap-simd.ts), four lanes at a time: a scalar JavaScript loop is slower than XNNPACK's
 *   vectorised kernels on a million weights, and calling those kernels one by one (an
 *   earlier version) paid 14 calls per variable.
 *
 * Bit-identical to tfjs's Adam, so checkpoints and runs do not change: each element goes
 * through the same float32 operations in the same order, with the same float32 constants
 * (tfjs turns `1 - beta1` into a float32 scalar after subtracting in double; `Math.fround`
 * after each double operation is exactly a float32 operation for + - * / and sqrt). Tests
 * compare the two on cpu and on wasm.
 *
 * The same call also answers the NaN watch's question about the gradients (are they all
 * finite?), which otherwise costs a Sum kernel per gradient and an AddN through the engine.
 * (In double on cpu; on wasm the sum of g - g, NaN exactly when some g is not finite.)
 */
// tfjs through core's one loader (require(), not an ESM import: see tfjs.ts, and bench/RESULTS.md "Start-up").
import { tf } from "./tfjs.js";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapAddress, heapSimd, type HeapSimd } from "@gan/backend-wasm/heap-simd";
import { kernelOnActiveBackend, registerHostKernel } from "./host-kernels.js";

export const FUSED_ADAM = "GanFusedAdam";

/** The float32 constants of one update, as tfjs makes them. */
export interface AdamConstants {
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  epsilon: number;
  negativeLearningRate: number;
}

/** The constants of an update at `learningRate`, rounded the way tfjs's AdamOptimizer rounds them. */
export function adamConstants(learningRate: number, beta1: number, beta2: number, epsilon: number): AdamConstants {
  const f = Math.fround;
  return {
    beta1: f(beta1),
    beta2: f(beta2),
    oneMinusBeta1: f(1 - beta1),
    oneMinusBeta2: f(1 - beta2),
    epsilon: f(epsilon),
    negativeLearningRate: f(-learningRate),
  };
}

/** One variable's arrays: read from `value`, `gradient`, `m`, `v`; written to the `new*` arrays. */
interface AdamArrays {
  value: Float32Array;
  gradient: Float32Array;
  m: Float32Array;
  v: Float32Array;
  newValue: Float32Array;
  newM: Float32Array;
  newV: Float32Array;
}

/**
 * tfjs's Adam step on one variable, element by element, float32 op by float32 op:
 *   m' = m*b1 + g*(1-b1);  v' = v*b2 + g²*(1-b2)
 *   value' = ((m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps)) * -lr + value
 * Returns the sum of the gradient's entries in double: NaN or infinite exactly when an
 * entry is (float32 entries cannot overflow a double sum).
 */
function adamStep(a: AdamArrays, c: AdamConstants, oneMinusAccBeta1: number, oneMinusAccBeta2: number): number {
  const f = Math.fround;
  const { value, gradient, m, v, newValue, newM, newV } = a;
  // Locals, not property loads, inside the loop.
  const { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negativeLearningRate } = c;
  const n = value.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const g = gradient[i]!;
    sum += g;
    const mi = f(f(m[i]! * beta1) + f(g * oneMinusBeta1));
    const vi = f(f(v[i]! * beta2) + f(f(g * g) * oneMinusBeta2));
    newM[i] = mi;
    newV[i] = vi;
    const mHat = f(mi / oneMinusAccBeta1);
    const vHat = f(vi / oneMinusAccBeta2);
    newValue[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + epsilon)) * negativeLearningRate) + value[i]!);
  }
  return sum;
}

/** The kernel's attributes: the constants, and how many variables its inputs hold. */
type FusedAdamAttrs = AdamConstants & { count: number };

/**
 * Inputs `accBeta1`, `accBeta2` (tfjs's running powers, beta^t) and, for each variable i,
 * `value{i}`, `gradient{i}`, `m{i}`, `v{i}`. Outputs, in order: each variable's new value,
 * new m and new v, then the next accBeta1 and accBeta2, then a scalar that is NaN when a
 * gradient entry is not finite and 0 otherwise.
 */
interface FusedAdamIo {
  count: number;
  input(name: string): tf.TensorInfo;
  accBeta1: number;
  accBeta2: number;
}

function fusedAdamIo(inputs: tf.NamedTensorInfoMap, attrs: FusedAdamAttrs, read: (tensor: tf.TensorInfo) => Float32Array): FusedAdamIo {
  const input = (name: string): tf.TensorInfo => {
    const tensor = inputs[name];
    if (tensor === undefined || tensor.dtype !== "float32") throw new Error(`${FUSED_ADAM}: input ${name} is missing or not float32`);
    return tensor;
  };
  for (let i = 0; i < attrs.count; i++) {
    const shape = input(`value${i}`).shape;
    for (const name of ["gradient", "m", "v"]) {
      if (!tf.util.arraysEqual(input(`${name}${i}`).shape, shape)) throw new Error(`${FUSED_ADAM}: ${name}${i} does not have value${i}'s shape`);
    }
  }
  return { count: attrs.count, input, accBeta1: read(input("accBeta1"))[0]!, accBeta2: read(input("accBeta2"))[0]!};
}

/** The three scalar outputs after the variables': the next powers of beta, and the gradient check. */
function trailingScalars(io: FusedAdamIo, attrs: FusedAdamAttrs, gradientSum: number): number[] {
  const f = Math.fround;
  return [f(io.accBeta1 * attrs.beta1), f(io.accBeta2 * attrs.beta2), Number.isFinite(gradientSum) ? 0 : NaN];
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

function fusedAdamCpu(backend: CpuBackend, inputs: tf.NamedTensorInfoMap, attrs: FusedAdamAttrs): tf.TensorInfo[] {
  const read = (tensor: tf.TensorInfo) => backend.data.get(tensor.dataId).values;
  const io = fusedAdamIo(inputs, attrs, read);
  const f = Math.fround;
  // tfjs: sub(1, accBeta) before the updates, mul(accBeta, beta) after them, both in float32.
  const oneMinusAccBeta1 = f(1 - io.accBeta1);
  const oneMinusAccBeta2 = f(1 - io.accBeta2);
  const outputs: tf.TensorInfo[] = [];
  let gradientSum = 0;
  for (let i = 0; i < io.count; i++) {
    const value = io.input(`value${i}`);
    const [newValue, newM, newV] = [0, 1, 2].map(() => new Float32Array(tf.util.sizeFromShape(value.shape)));
    gradientSum += adamStep(
      { value: read(value), gradient: read(io.input(`gradient${i}`)), m: read(io.input(`m${i}`)), v: read(io.input(`v${i}`)), newValue: newValue!, newM: newM!, newV: newV! },
      attrs,
      oneMinusAccBeta1,
      oneMinusAccBeta2,
    );
    outputs.push(...[newValue!, newM!, newV!].map((values) => backend.makeTensorInfo(value.shape, "float32", values)));
  }
  for (const scalar of trailingScalars(io, attrs, gradientSum)) outputs.push(backend.makeTensorInfo([], "float32", Float32Array.of(scalar)));
  return outputs;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array;
}

/**
 * tfjs's Adam on wasm: each variable in one call of a WebAssembly SIMD loop on the heap
 * (@gan/backend-wasm's heap-simd.ts), the same float32 operations as the Multiply, Add,
 * Square, RealDiv and Sqrt kernels tfjs's Adam dispatches, four lanes at a time; the last
 * 0-3 floats of a variable by adamStep.
 */
function fusedAdamWasm(backend: WasmBackend, simd: HeapSimd, inputs: tf.NamedTensorInfoMap, attrs: FusedAdamAttrs): tf.TensorInfo[] {
  const io = fusedAdamIo(inputs, attrs, (tensor) => backend.typedArrayFromHeap(tensor));
  const f = Math.fround;
  const oneMinusAccBeta1 = f(1 - io.accBeta1);
  const oneMinusAccBeta2 = f(1 - io.accBeta2);
  const outputs: tf.TensorInfo[] = [];
  let gradientSum = 0;
  for (let i = 0; i < io.count; i++) {
    const [value, gradient, m, v] = ["value", "gradient", "m", "v"].map((name) => io.input(`${name}${i}`)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    // Allocate first: an allocation can grow the heap, which detaches older views.
    const made = [0, 1, 2].map(() => backend.makeOutput(value.shape, "float32"));
    outputs.push(...made);
    const [valueIn, gradientIn, mIn, vIn, newValue, newM, newV] = [value, gradient, m, v, ...made].map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    const n = valueIn.length;
    const whole = n & ~3;
    gradientSum += simd.adam(
      heapAddress(valueIn), heapAddress(gradientIn), heapAddress(mIn), heapAddress(vIn), heapAddress(newValue), heapAddress(newM), heapAddress(newV), n,
      attrs.beta1, attrs.beta2, attrs.oneMinusBeta1, attrs.oneMinusBeta2, attrs.epsilon, attrs.negativeLearningRate, oneMinusAccBeta1, oneMinusAccBeta2,
    );
    const tail = (array: Float32Array) => array.subarray(whole, n);
    gradientSum += adamStep(
      { value: tail(valueIn), gradient: tail(gradientIn), m: tail(mIn), v: tail(vIn), newValue: tail(newValue), newM: tail(newM), newV: tail(newV) },
      attrs,
      oneMinusAccBeta1,
      oneMinusAccBeta2,
    );
  }
  for (const value of trailingScalars(io, attrs, gradientSum)) {
    const out = backend.makeOutput([], "float32");
    backend.typedArrayFromHeap(out)[0] = value;
    outputs.push(out);
  }
  return outputs;
}

/** Registers the fused kernel for the cpu and wasm backends (idempotent). */
export function registerFusedAdam(): void {
  registerHostKernel(FUSED_ADAM, {
    cpu: ({ inputs, backend, attrs }) => fusedAdamCpu(backend as unknown as CpuBackend, inputs, attrs as unknown as FusedAdamAttrs),
    wasm: ({ inputs, backend, attrs }) => {
      const simd = heapSimd(backend as unknown as BackendWasm);
      if (simd === undefined) throw new Error(`${FUSED_ADAM}: this wasm build's heap cannot be reached (check fusedAdamAvailable first)`);
      return fusedAdamWasm(backend as unknown as WasmBackend, simd, inputs, attrs as unknown as FusedAdamAttrs);
    },
  });
}

/**
 * Whether the active backend has the fused kernel: cpu, and wasm where its heap can be
 * reached (every build of tfjs-backend-wasm 4.22 in Node); elsewhere tfjs's Adam runs.
 */
export function fusedAdamAvailable(): boolean {
  registerFusedAdam();
  if (!kernelOnActiveBackend(FUSED_ADAM)) return false;
  return tf.getBackend() !== "wasm" || heapSimd(tf.backend() as unknown as BackendWasm) !== undefined;
}

/** One network's update: its variables with their gradients and moments. */
export interface FusedAdamUpdate {
  variables: readonly { value: tf.Variable; gradient: tf.Tensor; m: tf.Variable; v: tf.Variable }[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  constants: AdamConstants;
}

/**
 * Runs the fused kernel and assigns its results to the variables, moments and powers.
 * Returns a scalar that is non-finite exactly when a gradient entry is (owned by the
 * enclosing tidy, like every kernel output).
 */
export function fusedAdamStep({ variables, accBeta1, accBeta2, constants }: FusedAdamUpdate): tf.Scalar {
  const inputs: tf.NamedTensorMap = { accBeta1, accBeta2 };
  variables.forEach(({ value, gradient, m, v }, i) => {
    inputs[`value${i}`] = value;
    inputs[`gradient${i}`] = gradient;
    inputs[`m${i}`] = m;
    inputs[`v${i}`] = v;
  });
  const attrs = { ...constants, count: variables.length };
  const outputs = tf.engine().runKernel(FUSED_ADAM, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  variables.forEach(({ value, m, v }, i) => {
    value.assign(outputs[3 * i]!);
    m.assign(outputs[3 * i + 1]!);
    v.assign(outputs[3 * i + 2]!);
  });
  const count = variables.length;
  accBeta1.assign(outputs[3 * count]!);
  accBeta2.assign(outputs[3 * count + 1]!);
  return outputs[3 * count + 2] as tf.Scalar;
}
