/**
 * Adam's update of a whole network as one kernel, on the backends whose tensors live in
 * JavaScript-visible memory (cpu, and wasm with or without the native BLAS).
 *
 * tfjs's AdamOptimizer runs 14 kernels per variable and step (two moments, two bias
 * corrections, a square root, a division, the step, the assigns' inputs) plus 4 for the
 * running powers of beta; each pays tfjs's per-kernel bookkeeping of a few microseconds,
 * which on the ring MLP is most of the step that is not a matrix product. This kernel takes
 * every variable, gradient and moment of one network and the two running powers, and makes
 * the new values of all of them in one pass over the memory.
 *
 * Bit-identical to tfjs's Adam, so checkpoints and runs do not change: each element goes
 * through the same float32 operations in the same order, with the same float32 constants
 * (tfjs turns `1 - beta1` into a float32 scalar after subtracting in double, and rounds
 * each op's result to float32; `Math.fround` after each double operation is exactly a
 * float32 operation for + - * / and sqrt). Tests compare the two on cpu and on wasm.
 *
 * The same pass also answers the NaN watch's question about the gradients (are they all
 * finite?), which otherwise costs a Sum kernel per gradient and an AddN.
 */
import * as tf from "@tensorflow/tfjs-core";

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
  let sum = 0;
  for (let i = 0; i < value.length; i++) {
    const g = gradient[i]!;
    sum += g;
    const mi = f(f(m[i]! * c.beta1) + f(g * c.oneMinusBeta1));
    const vi = f(f(v[i]! * c.beta2) + f(f(g * g) * c.oneMinusBeta2));
    newM[i] = mi;
    newV[i] = vi;
    const mHat = f(mi / oneMinusAccBeta1);
    const vHat = f(vi / oneMinusAccBeta2);
    newValue[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + c.epsilon)) * c.negativeLearningRate) + value[i]!);
  }
  return sum;
}

/** How a backend's tensors are read and made, as Float32Arrays. */
interface FloatMemory {
  read(tensor: tf.TensorInfo): Float32Array;
  /** Makes outputs of these shapes (all of them first: on wasm an allocation can move the heap) and hands out their arrays. */
  make(shapes: number[][]): { outputs: tf.TensorInfo[]; arrays: () => Float32Array[] };
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array;
}

function cpuMemory(backend: CpuBackend): FloatMemory {
  return {
    read: (tensor) => backend.data.get(tensor.dataId).values,
    make(shapes) {
      const arrays = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
      return { outputs: shapes.map((shape, i) => backend.makeTensorInfo(shape, "float32", arrays[i]!)), arrays: () => arrays };
    },
  };
}

function wasmMemory(backend: WasmBackend): FloatMemory {
  return {
    read: (tensor) => backend.typedArrayFromHeap(tensor),
    make(shapes) {
      const outputs = shapes.map((shape) => backend.makeOutput(shape, "float32"));
      return { outputs, arrays: () => outputs.map((output) => backend.typedArrayFromHeap(output)) };
    },
  };
}

/** The kernel's attributes: the constants, and how many variables its inputs hold. */
type FusedAdamAttrs = AdamConstants & { count: number };

/**
 * Inputs `accBeta1`, `accBeta2` (tfjs's running powers, beta^t) and, for each variable i,
 * `value{i}`, `gradient{i}`, `m{i}`, `v{i}`. Outputs, in order: each variable's new value,
 * new m and new v, then the next accBeta1 and accBeta2, then a scalar that is NaN when a
 * gradient entry is not finite and 0 otherwise.
 */
function fusedAdam(memory: FloatMemory, inputs: tf.NamedTensorInfoMap, attrs: FusedAdamAttrs): tf.TensorInfo[] {
  const { count } = attrs;
  const input = (name: string): tf.TensorInfo => {
    const tensor = inputs[name];
    if (tensor === undefined || tensor.dtype !== "float32") throw new Error(`${FUSED_ADAM}: input ${name} is missing or not float32`);
    return tensor;
  };
  const shapes: number[][] = [];
  for (let i = 0; i < count; i++) {
    const shape = input(`value${i}`).shape;
    for (const name of ["gradient", "m", "v"]) {
      if (!tf.util.arraysEqual(input(`${name}${i}`).shape, shape)) throw new Error(`${FUSED_ADAM}: ${name}${i} does not have value${i}'s shape`);
    }
    shapes.push(shape, shape, shape);
  }
  shapes.push([], [], []);
  const { outputs, arrays } = memory.make(shapes);
  const out = arrays();
  const f = Math.fround;
  const accBeta1 = memory.read(input("accBeta1"))[0]!;
  const accBeta2 = memory.read(input("accBeta2"))[0]!;
  // tfjs: sub(1, accBeta) before the updates, mul(accBeta, beta) after them, both in float32.
  const oneMinusAccBeta1 = f(1 - accBeta1);
  const oneMinusAccBeta2 = f(1 - accBeta2);
  let gradientSum = 0;
  for (let i = 0; i < count; i++) {
    gradientSum += adamStep(
      {
        value: memory.read(input(`value${i}`)),
        gradient: memory.read(input(`gradient${i}`)),
        m: memory.read(input(`m${i}`)),
        v: memory.read(input(`v${i}`)),
        newValue: out[3 * i]!,
        newM: out[3 * i + 1]!,
        newV: out[3 * i + 2]!,
      },
      attrs,
      oneMinusAccBeta1,
      oneMinusAccBeta2,
    );
  }
  out[3 * count]![0] = f(accBeta1 * attrs.beta1);
  out[3 * count + 1]![0] = f(accBeta2 * attrs.beta2);
  out[3 * count + 2]![0] = Number.isFinite(gradientSum) ? 0 : NaN;
  return outputs;
}

let registered = false;

/** Registers the fused kernel for the cpu and wasm backends (idempotent). */
export function registerFusedAdam(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, (backend: object) => FloatMemory][] = [
    ["cpu", (backend) => cpuMemory(backend as CpuBackend)],
    ["wasm", (backend) => wasmMemory(backend as WasmBackend)],
  ];
  for (const [backendName, memory] of kernels) {
    if (tf.getKernel(FUSED_ADAM, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName: FUSED_ADAM,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => fusedAdam(memory(backend), inputs, attrs as unknown as FusedAdamAttrs),
    });
  }
}

/** Whether the active backend has the fused kernel. */
export function fusedAdamAvailable(): boolean {
  registerFusedAdam();
  return tf.getKernel(FUSED_ADAM, tf.getBackend()) !== undefined;
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
