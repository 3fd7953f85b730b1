import { Cast, Identity, type DataType, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { originalWasmKernel } from "../wasm-ops.js";

/** The input itself, one reference more on its buffer (as wasm's own Reshape shares it). */
function shareBuffer(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Identity without a copy: the output shares the input's buffer, one reference more (as
 * wasm's own Reshape does, and as the cpu backend's Identity does). Tensors are immutable,
 * so a shared buffer is never seen to change. tfjs runs Identity for every tensor a
 * gradient keeps for the backward pass (about 100 per ring MLP step and 230 per DCGAN step,
 * activations among them): wasm's Identity copied each one.
 */
const identityKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === "string") return originalWasmKernel(Identity)({ inputs, backend, attrs });
  return shareBuffer(backend as BackendWasm, x);
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const identityConfig: KernelConfig = { kernelName: Identity, backendName: "wasm", kernelFunc: identityKernel };

/**
 * Cast to the dtype a tensor already has, without a copy (the cpu backend's Cast shares the
 * buffer too). tfjs-core's gradients cast float32 to float32 as a matter of course: ReLU's
 * (dy * cast(step(x))), Abs's and Multiply's, 16 full-size copies per ring MLP step on wasm.
 * A cast to another dtype converts: to bool as x != 0 (wasm's own Cast copied the numbers
 * into the bool buffer, so that 3 stayed 3 where the cpu backend gives true), otherwise with
 * wasm's own Cast.
 */
const castKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { dtype } = attrs as unknown as { dtype: DataType };
  const wasm = backend as BackendWasm;
  if (x.dtype === dtype && dtype !== "string") return shareBuffer(wasm, x);
  if (dtype !== "bool" || x.dtype === "string") return originalWasmKernel(Cast)({ inputs, backend, attrs });
  const out = wasm.makeOutput(x.shape, "bool");
  const values = wasm.typedArrayFromHeap(x);
  const bools = wasm.typedArrayFromHeap(out);
  for (let i = 0; i < values.length; i++) bools[i] = values[i] !== 0 ? 1 : 0;
  return out;
};

export const castConfig: KernelConfig = { kernelName: Cast, backendName: "wasm", kernelFunc: castKernel };
