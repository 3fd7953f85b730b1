import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { originalWasmKernel } from "../wasm-ops.js";

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
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Registered with the original kernel's setupFunc by `registerWasmTraining`. */
export const identityConfig: KernelConfig = { kernelName: Identity, backendName: "wasm", kernelFunc: identityKernel };
