import type { KernelFunc } from "@tensorflow/tfjs-core";
import type { NativeBlas } from "./blas/native-blas.js";

/**
 * Process-wide state, kept on globalThis: the kernel and gradient registries it mirrors are
 * process-wide too, and the package may be loaded twice (sources under test, dist in an app).
 */
export interface BackendWasmState {
  /** The wasm backend's own kernel functions, captured before any replacement. */
  originals: Map<string, KernelFunc>;
  trainingKernelsRegistered: boolean;
  /**
   * When set, the matrix products and convolutions of the wasm backend run on this native
   * BLAS (see blas/blas-kernels.ts); when undefined, on XNNPACK.
   */
  blas: NativeBlas | undefined;
}

const key = Symbol.for("@gan/backend-wasm/state");

export function backendWasmState(): BackendWasmState {
  const holder = globalThis as unknown as Record<symbol, BackendWasmState | undefined>;
  let state = holder[key];
  if (state === undefined) {
    state = {
      originals: new Map(),
      trainingKernelsRegistered: false,
      blas: undefined,
    };
    holder[key] = state;
  }
  return state;
}
