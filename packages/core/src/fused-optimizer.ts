/**
 * An optimizer's update of a whole network as one kernel on the cpu and wasm backends (wasm
 * with or without the native BLAS): Adam, SGD, SGD with momentum and RMSProp.
 *
 * tfjs's optimizers run a chain of small kernels per variable and step (Adam 14, plus 4 for
 * its running powers of beta), each through the engine's bookkeeping (scopes, tensor
 * tracking, the profiler's hooks) of several microseconds, and make new tensors for every
 * weight and slot at every step. Here one engine call updates every variable of a network
 * and its slots:
 * - each slot kind (Adam's m and v, RMSProp's mean square and moment, the momentum's
 *   accumulation) of the whole network is one flat buffer, each variable's slots at its
 *   offset (`FlatSlots`), updated in place, as PyTorch's optimizers do; checkpoints still keep
 *   one tensor per variable and slot, in tfjs's order and names, so they are those of tfjs's
 *   optimizers and need no migration;
 * - the variables' new values go to new buffers, assigned to the variables (one output per
 *   variable): the wasm backend caches XNNPACK operators with the weights packed, by tensor,
 *   so a weight updated in place would be multiplied with its stale packed copy (tried:
 *   the losses drifted at the second step);
 * - on cpu the update is one JavaScript pass over the memory; on wasm one WebAssembly SIMD
 *   loop per variable on the heap (@gan/backend-wasm's heap-simd.ts), four lanes at a time,
 *   the last 0-3 floats in JavaScript.
 *
 * Bit-identical to tfjs's optimizers, so runs and checkpoints do not change: each element goes
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
import { UserError } from "./errors.js";
import { kernelOnActiveBackend, registerHostKernel } from "./host-kernels.js";

export const FUSED_OPTIMIZER = "GanFusedOptimizer";

/** The update rules: tfjs's Adam, SGD, Momentum (not Nesterov's) and RMSProp (not centered). */
export type UpdateRuleKind = "adam" | "sgd" | "momentum" | "rmsprop";

/**
 * Each rule's slots, named as tfjs names them (`<variable>/<slot>`), in the order tfjs's
 * getWeights lists them (all variables' first slot, then all variables' second).
 */
const SLOT_NAMES: Record<UpdateRuleKind, readonly string[]> = { adam: ["m", "v"], sgd: [], momentum: ["momentum"], rmsprop: ["rms", "momentum"] };

/**
 * An update: the rule and its float32 constants, in the order of heap-simd.ts's functions:
 * adam [beta1, beta2, 1 - beta1, 1 - beta2, epsilon, -lr, 1 - beta1^t, 1 - beta2^t];
 * sgd [-lr]; momentum [momentum, -lr]; rmsprop [decay, 1 - decay, momentum, lr, epsilon].
 */
export interface UpdateRule {
  kind: UpdateRuleKind;
  constants: number[];
}

const f = Math.fround;

/** Adam's rule at `learningRate`, the powers of beta at beta^t; tfjs rounds each constant to float32 as here. */
export function adamRule(learningRate: number, beta1: number, beta2: number, epsilon: number, powers: AdamPowers): UpdateRule {
  return {
    kind: "adam",
    constants: [f(beta1), f(beta2), f(1 - beta1), f(1 - beta2), f(epsilon), f(-learningRate), f(1 - powers.beta1), f(1 - powers.beta2)],
  };
}

export function sgdRule(learningRate: number, momentum: number): UpdateRule {
  return momentum > 0 ? { kind: "momentum", constants: [f(momentum), f(-learningRate)] } : { kind: "sgd", constants: [f(-learningRate)] };
}

export function rmspropRule(learningRate: number, decay: number, momentum: number, epsilon: number): UpdateRule {
  return { kind: "rmsprop", constants: [f(decay), f(1 - decay), f(momentum), f(learningRate), f(epsilon)] };
}

/** Adam's running powers beta1^t and beta2^t, as tfjs keeps them: float32, multiplied by beta once per update. */
export interface AdamPowers {
  beta1: number;
  beta2: number;
}

/** The powers after `iterations` updates: beta^(iterations + 1), as `iterations + 1` float32 products. */
export function adamPowers(beta1: number, beta2: number, iterations: number): AdamPowers {
  let powers = { beta1: f(beta1), beta2: f(beta2) };
  for (let i = 0; i < iterations; i++) powers = nextAdamPowers(powers, beta1, beta2);
  return powers;
}

/** The powers one update later, as tfjs's Adam multiplies them (a product of two float32 values is exact in float64, so fround of it is the float32 multiply). */
export function nextAdamPowers(powers: AdamPowers, beta1: number, beta2: number): AdamPowers {
  return { beta1: f(powers.beta1 * f(beta1)), beta2: f(powers.beta2 * f(beta2)) };
}

/**
 * One rule on floats [start, end) of a variable (its new value to `newValue`) and its slots
 * (in place), float32 op by float32 op. Returns the sum of the gradient's entries in double:
 * NaN or infinite exactly when an entry is (float32 entries cannot overflow a double sum).
 */
type ScalarRule = (arrays: VariableArrays, slots: Float32Array[], constants: number[], start: number, end: number) => number;

const SCALAR_RULES: Record<UpdateRuleKind, ScalarRule> = {
  adam: ({ value, gradient, newValue }, [m, v], [beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negativeLearningRate, oneMinusAccBeta1, oneMinusAccBeta2], start, end) => {
    // Locals, not property or array loads, inside the loop.
    const [b1, b2, omb1, omb2, eps, nlr, omab1, omab2] = [beta1!, beta2!, oneMinusBeta1!, oneMinusBeta2!, epsilon!, negativeLearningRate!, oneMinusAccBeta1!, oneMinusAccBeta2!];
    let sum = 0;
    for (let i = start; i < end; i++) {
      const g = gradient[i]!;
      sum += g;
      const mi = f(f(m![i]! * b1) + f(g * omb1));
      const vi = f(f(v![i]! * b2) + f(f(g * g) * omb2));
      m![i] = mi;
      v![i] = vi;
      newValue[i] = f(f(f(f(mi / omab1) / f(f(Math.sqrt(f(vi / omab2))) + eps)) * nlr) + value[i]!);
    }
    return sum;
  },
  sgd: ({ value, gradient, newValue }, _slots, [negativeLearningRate], start, end) => {
    const nlr = negativeLearningRate!;
    let sum = 0;
    for (let i = start; i < end; i++) {
      const g = gradient[i]!;
      sum += g;
      newValue[i] = f(f(nlr * g) + value[i]!);
    }
    return sum;
  },
  momentum: ({ value, gradient, newValue }, [accumulation], [momentum, negativeLearningRate], start, end) => {
    const [mu, nlr] = [momentum!, negativeLearningRate!];
    let sum = 0;
    for (let i = start; i < end; i++) {
      const g = gradient[i]!;
      sum += g;
      const acc = f(f(mu * accumulation![i]!) + g);
      accumulation![i] = acc;
      newValue[i] = f(f(nlr * acc) + value[i]!);
    }
    return sum;
  },
  rmsprop: ({ value, gradient, newValue }, [meanSquare, moment], [decay, oneMinusDecay, momentum, learningRate, epsilon], start, end) => {
    const [d, omd, mu, lr, eps] = [decay!, oneMinusDecay!, momentum!, learningRate!, epsilon!];
    let sum = 0;
    for (let i = start; i < end; i++) {
      const g = gradient[i]!;
      sum += g;
      const ms = f(f(meanSquare![i]! * d) + f(f(g * g) * omd));
      const mom = f(f(moment![i]! * mu) + f(f(g * lr) / f(Math.sqrt(f(ms + eps)))));
      meanSquare![i] = ms;
      moment![i] = mom;
      newValue[i] = f(value[i]! - mom);
    }
    return sum;
  },
};

/**
 * The kernel's attributes: the rule, and for each variable i (inputs `value{i}`,
 * `gradient{i}`; output i its new value) the offset of its slots in the flat slot inputs
 * `slot{k}`, which it updates in place. The last output is a scalar, NaN when a gradient
 * entry is not finite and 0 otherwise.
 */
interface FusedOptimizerAttrs {
  kind: UpdateRuleKind;
  constants: number[];
  offsets: number[];
}

/** A variable's arrays. */
interface VariableArrays {
  value: Float32Array;
  gradient: Float32Array;
  newValue: Float32Array;
}

function checkedInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const tensor = inputs[name];
  if (tensor === undefined || tensor.dtype !== "float32") throw new Error(`${FUSED_OPTIMIZER}: input ${name} is missing or not float32`);
  return tensor;
}

/** The kernel's inputs, checked: each gradient has its variable's shape, and every variable's slots fit the flat ones. */
function kernelInputs(inputs: tf.NamedTensorInfoMap, attrs: FusedOptimizerAttrs) {
  const slots = SLOT_NAMES[attrs.kind].map((_, k) => checkedInput(inputs, `slot${k}`));
  const variables = attrs.offsets.map((offset, i) => {
    const value = checkedInput(inputs, `value${i}`);
    const gradient = checkedInput(inputs, `gradient${i}`);
    if (!tf.util.arraysEqual(gradient.shape, value.shape)) throw new Error(`${FUSED_OPTIMIZER}: gradient${i} does not have value${i}'s shape`);
    const size = tf.util.sizeFromShape(value.shape);
    for (const [k, slot] of slots.entries()) {
      if (offset + size > tf.util.sizeFromShape(slot.shape)) throw new Error(`${FUSED_OPTIMIZER}: value${i}'s slots end past slot${k}'s end`);
    }
    return { value, gradient, offset, size };
  });
  return { slots, variables };
}

/**
 * The rule over every variable: `loop` on floats [0, end) of a variable where it has one
 * (wasm's SIMD loop, which returns the end it reached), the scalar rule on the rest. Returns
 * the gradients' sum (NaN or infinite exactly when an entry is).
 */
function updateAll(
  attrs: FusedOptimizerAttrs,
  slots: Float32Array[],
  variables: { arrays: VariableArrays; offset: number }[],
  loop?: (arrays: VariableArrays, slots: Float32Array[]) => { sum: number; end: number },
): number {
  const rule = SCALAR_RULES[attrs.kind];
  let sum = 0;
  for (const { arrays, offset } of variables) {
    const n = arrays.value.length;
    const variableSlots = slots.map((slot) => slot.subarray(offset, offset + n));
    const looped = loop?.(arrays, variableSlots) ?? { sum: 0, end: 0 };
    sum += looped.sum + rule(arrays, variableSlots, attrs.constants, looped.end, n);
  }
  return sum;
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo;
}

/** On cpu: one JavaScript pass per variable. */
function fusedOptimizerCpu(cpu: CpuBackend, inputs: tf.NamedTensorInfoMap, attrs: FusedOptimizerAttrs): tf.TensorInfo[] {
  const read = (tensor: tf.TensorInfo) => cpu.data.get(tensor.dataId).values;
  const { slots, variables } = kernelInputs(inputs, attrs);
  const newValues = variables.map(({ size }) => new Float32Array(size));
  const sum = updateAll(
    attrs,
    slots.map(read),
    variables.map(({ value, gradient, offset }, i) => ({ arrays: { value: read(value), gradient: read(gradient), newValue: newValues[i]! }, offset })),
  );
  return [...variables.map(({ value }, i) => cpu.makeTensorInfo(value.shape, "float32", newValues[i]!)), cpu.makeTensorInfo([], "float32", Float32Array.of(Number.isFinite(sum) ? 0 : NaN))];
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array;
}

/** On wasm: the SIMD loop on each variable's whole groups of four, JavaScript on the last 0-3. */
function fusedOptimizerWasm(wasm: WasmBackend, simd: HeapSimd, inputs: tf.NamedTensorInfoMap, attrs: FusedOptimizerAttrs): tf.TensorInfo[] {
  const { slots, variables } = kernelInputs(inputs, attrs);
  // Allocated first: an allocation can grow the heap, which detaches older views.
  const outputs = [...variables.map(({ value }) => wasm.makeOutput(value.shape, "float32")), wasm.makeOutput([], "float32")];
  const read = (tensor: tf.TensorInfo) => wasm.typedArrayFromHeap(tensor);
  const loop = simd[attrs.kind] as (...args: number[]) => number;
  const sum = updateAll(
    attrs,
    slots.map(read),
    variables.map(({ value, gradient, offset }, i) => ({ arrays: { value: read(value), gradient: read(gradient), newValue: read(outputs[i]!) }, offset })),
    ({ value, gradient, newValue }, variableSlots) => {
      const n = value.length;
      const sum = loop(heapAddress(value), heapAddress(gradient), heapAddress(newValue), ...variableSlots.map((slot) => heapAddress(slot)), n, ...attrs.constants);
      return { sum, end: n & ~3 };
    },
  );
  read(outputs.at(-1)!)[0] = Number.isFinite(sum) ? 0 : NaN;
  return outputs;
}

/** Registers the fused kernel for the cpu and wasm backends (idempotent). */
export function registerFusedOptimizer(): void {
  registerHostKernel(FUSED_OPTIMIZER, {
    cpu: ({ inputs, backend, attrs }) => fusedOptimizerCpu(backend as unknown as CpuBackend, inputs, attrs as unknown as FusedOptimizerAttrs),
    wasm: ({ inputs, backend, attrs }) => {
      const simd = heapSimd(backend as unknown as BackendWasm);
      if (simd === undefined) throw new Error(`${FUSED_OPTIMIZER}: this wasm build's heap cannot be reached (check fusedOptimizerAvailable first)`);
      return fusedOptimizerWasm(backend as unknown as WasmBackend, simd, inputs, attrs as unknown as FusedOptimizerAttrs);
    },
  });
}

/**
 * Whether the active backend has the fused kernel: cpu, and wasm where its heap can be
 * reached (every build of tfjs-backend-wasm 4.22 in Node); elsewhere tfjs's optimizers run.
 */
export function fusedOptimizerAvailable(): boolean {
  registerFusedOptimizer();
  if (!kernelOnActiveBackend(FUSED_OPTIMIZER)) return false;
  return tf.getBackend() !== "wasm" || heapSimd(tf.backend() as unknown as BackendWasm) !== undefined;
}

/** A slot tensor of a saved state, named as tfjs names it. */
export interface NamedSlot {
  name: string;
  tensor: tf.Tensor;
}

/** Where each variable's slots lie in the flat buffers. */
interface Layout {
  names: string[];
  shapes: number[][];
  offsets: number[];
  total: number;
}

/**
 * One network's optimizer slots, one flat buffer per slot kind, laid out at the first update
 * in the order of its gradients (as tfjs's optimizers index their slots), and the fused
 * update over them.
 */
export class FlatSlots {
  private layout: Layout | undefined;
  private slots: tf.Tensor1D[] = [];
  /** A restored state's tensors (copies this object owns), laid out at the next update. */
  private restored: NamedSlot[] | undefined;

  constructor(private readonly kind: UpdateRuleKind) {}

  /**
   * One update of the variables `grads` names (variable name -> gradient, as
   * tf.variableGrads gives them), assigned to them; call inside a tidy. Returns a scalar that
   * is NaN exactly when a gradient entry is not finite, owned by the enclosing tidy.
   */
  update(grads: tf.NamedTensorMap, rule: UpdateRule): tf.Scalar {
    if (rule.kind !== this.kind) throw new Error(`FlatSlots of ${this.kind} given a ${rule.kind} update`);
    const layout = this.laidOut(grads);
    const inputs: tf.NamedTensorMap = {};
    this.slots.forEach((slot, k) => (inputs[`slot${k}`] = slot));
    const offsets: number[] = [];
    const updated: tf.Variable[] = [];
    layout.names.forEach((name, i) => {
      const gradient = grads[name];
      if (gradient == null) return; // tfjs's optimizers skip a variable without a gradient
      const value = tf.engine().registeredVariables[name]!;
      inputs[`value${updated.length}`] = value;
      inputs[`gradient${updated.length}`] = gradient;
      offsets.push(layout.offsets[i]!);
      updated.push(value);
    });
    const attrs: FusedOptimizerAttrs = { kind: this.kind, constants: rule.constants, offsets };
    const outputs = tf.engine().runKernel(FUSED_OPTIMIZER, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    updated.forEach((variable, i) => variable.assign(outputs[i]!));
    return outputs.at(-1) as tf.Scalar;
  }

  /** The layout, made at the first update (from a restored state's tensors, or zeros); later updates must name the same variables. */
  private laidOut(grads: tf.NamedTensorMap): Layout {
    const names = Object.keys(grads);
    if (this.layout !== undefined) {
      if (names.length !== this.layout.names.length || names.some((name, i) => name !== this.layout!.names[i])) throw new Error(`optimizer: updated with the variables ${names.join(", ")}, laid out for ${this.layout.names.join(", ")}`);
      return this.layout;
    }
    const shapes = names.map((name) => {
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(`applyGradients: no variable named ${name}`);
      return variable.shape;
    });
    const offsets: number[] = [];
    let total = 0;
    for (const shape of shapes) {
      offsets.push(total);
      total += tf.util.sizeFromShape(shape);
    }
    const layout: Layout = { names, shapes, offsets, total };
    // No slots saved (a checkpoint written before the first update): zeros, as tfjs makes them.
    const restored = this.restored?.length === 0 ? undefined : this.restored;
    const perVariable = SLOT_NAMES[this.kind].length;
    if (restored !== undefined && restored.length !== perVariable * names.length) {
      throw new UserError(`the saved optimizer state has slots for ${restored.length / perVariable} variables, but the network has ${names.length} trained variables`);
    }
    this.slots = SLOT_NAMES[this.kind].map((_, k) =>
      // Kept: the update runs inside the caller's tidy, and the slots live as long as this object.
      tf.keep(restored === undefined ? tf.zeros([total]) : flatten(restored.slice(k * names.length, (k + 1) * names.length), shapes)),
    );
    this.disposeRestored();
    this.layout = layout;
    return layout;
  }

  /**
   * The slots as tfjs's optimizer would save them: one tensor per variable and slot kind,
   * named `<variable>/<slot>`, all variables' first slots, then their second. The tensors are
   * the caller's, to dispose.
   */
  save(): NamedSlot[] {
    const layout = this.layout;
    if (layout === undefined) return (this.restored ?? []).map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) }));
    return this.slots.flatMap((slot, k) => {
      const values = slot.dataSync();
      return layout.names.map((name, i) => {
        const start = layout.offsets[i]!;
        const shape = layout.shapes[i]!;
        return { name: `${name}/${SLOT_NAMES[this.kind][k]}`, tensor: tf.tensor(values.slice(start, start + tf.util.sizeFromShape(shape)), shape) };
      });
    });
  }

  /**
   * Restores slots `save` made (of this run or a checkpoint), laid out at the next update;
   * the caller may dispose `tensors` afterwards.
   */
  restore(tensors: readonly NamedSlot[]): void {
    const perVariable = SLOT_NAMES[this.kind].length;
    if (perVariable === 0 ? tensors.length !== 0 : tensors.length % perVariable !== 0) {
      throw new UserError(`a saved ${this.kind} state has ${tensors.length} slot tensors, not a multiple of ${perVariable}`);
    }
    this.disposeSlots();
    this.disposeRestored();
    // Copies with buffers of their own: the caller's tensors may be disposed, or change.
    this.restored = tensors.map(({ name, tensor }) => ({ name, tensor: tf.tensor(tensor.dataSync().slice(), tensor.shape, tensor.dtype) }));
  }

  dispose(): void {
    this.disposeSlots();
    this.disposeRestored();
  }

  private disposeSlots(): void {
    tf.dispose(this.slots);
    this.slots = [];
    this.layout = undefined;
  }

  private disposeRestored(): void {
    if (this.restored !== undefined) tf.dispose(this.restored.map(({ tensor }) => tensor));
    this.restored = undefined;
  }
}

/** One slot kind's restored tensors, one per variable in order, as one flat tensor; refused when their shapes are not the variables'. */
function flatten(slots: NamedSlot[], shapes: number[][]): tf.Tensor1D {
  slots.forEach(({ name, tensor }, i) => {
    if (!tf.util.arraysEqual(tensor.shape, shapes[i]!)) {
      throw new UserError(`the saved optimizer slot ${name} has shape [${tensor.shape.join(", ")}], but variable ${i} of the network has shape [${shapes[i]!.join(", ")}]`);
    }
  });
  return tf.tidy(() => tf.concat(slots.map(({ tensor }) => tf.reshape(tensor, [-1])))) as tf.Tensor1D;
}
