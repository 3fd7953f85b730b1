import { engine, type Tensor, type TensorInfo } from "@tensorflow/tfjs-core";

/**
 * The tensors a gradient keeps for the backward pass, saved without a kernel.
 *
 * While the gradient tape records, tfjs-core's engine saves each tensor a gradient will read
 * (a kernel's inputs and outputs, by Engine.saveTensorsForBackwardMode, and what a custom
 * gradient's forward function passes to `save`) as `keep(Engine.clone(t))`, and Engine.clone
 * serves nothing else. It runs an Identity kernel through the whole engine (kernel lookup,
 * scope, tensor tracking, profiling) and records a tape node from the original to the copy,
 * so that a gradient computed under an outer tape (a gradient of a gradient: R1, gradient
 * penalties) flows back through what it read. On the host backends Identity is the same
 * buffer with one reference more (the cpu backend's, and wasm's once registerWasmTraining has
 * replaced it), so that tensor is made here directly, a new tensor on the same buffer with
 * one reference more, and the same tape node recorded (its gradient, as tfjs-core's, a Cast
 * of dy to float32). Gradients of every order read the same values; what goes is an Identity
 * kernel per saved tensor (98 per ring MLP step). The engine disposes the saved tensors after
 * the backward pass as before, each dropping its reference.
 *
 * Any other backend (webgl, tfjs-node), a string tensor, or a tensor whose data lives on
 * another backend than the active one, takes tfjs-core's own clone.
 */
interface EngineInternals {
  backend: { incRef(dataId: object): void };
  backendName: string;
  state: { tensorInfo: { get(dataId: object): { backend: object } | undefined }; activeScope: { name: string } };
  makeTensorFromTensorInfo(info: TensorInfo, backend?: object): Tensor;
  clone(tensor: Tensor): Tensor;
  runKernel(kernelName: string, inputs: object, attrs: object): Tensor;
  addTapeNode(kernelName: string, inputs: object, outputs: Tensor[], gradient: (dy: Tensor) => Record<string, () => Tensor>, saved: Tensor[], attrs: object): void;
}

/** The backends whose Identity shares the input's buffer. */
const SHARING_BACKENDS = new Set(["cpu", "wasm"]);

/** Where the engine keeps tfjs-core's own clone while this one is installed. */
const originalClone = Symbol.for("@gan/backend-wasm/tfjs-engine-clone");

type Engine = EngineInternals & { [originalClone]?: EngineInternals["clone"] };

function sharedClone(this: Engine, tensor: Tensor): Tensor {
  const backend = this.backend;
  if (!SHARING_BACKENDS.has(this.backendName) || tensor.dtype === "string" || this.state.tensorInfo.get(tensor.dataId)?.backend !== backend) {
    return this[originalClone]!.call(this, tensor);
  }
  const saved = this.makeTensorFromTensorInfo({ dataId: tensor.dataId, shape: tensor.shape, dtype: tensor.dtype }, backend);
  backend.incRef(tensor.dataId);
  const gradient = (dy: Tensor) => ({ x: () => this.runKernel("Cast", { x: dy }, { dtype: "float32" }) });
  this.addTapeNode(this.state.activeScope.name, { x: tensor }, [saved], gradient, [], {});
  return saved;
}

/** Saves the tape's tensors by sharing their buffers (see above). Idempotent. */
export function installSharedTapeSaves(): void {
  const internals = engine() as unknown as Engine;
  if (internals[originalClone] !== undefined) return;
  internals[originalClone] = internals.clone;
  internals.clone = sharedClone;
}

/** Puts tfjs-core's own clone back (for a benchmark measuring what this replaced). */
export function uninstallSharedTapeSaves(): void {
  const internals = engine() as unknown as Engine;
  const original = internals[originalClone];
  if (original === undefined) return;
  internals.clone = original;
  delete internals[originalClone];
}
