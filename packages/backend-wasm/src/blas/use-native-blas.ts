import { backendWasmState } from "../state.js";
import { loadNativeBlas, type NativeBlas } from "./native-blas.js";

let loaded: NativeBlas | undefined;

/**
 * Runs the wasm backend's matrix products and convolutions on the machine's BLAS from now
 * on (loaded once per process; see loadNativeBlas for where it looks). Call after
 * `registerWasmTraining()`, whose kernels are the ones that dispatch to it. Throws, naming
 * every library tried, when none loads. `blas` replaces the library (tests count calls with it).
 */
export function enableNativeBlas(blas?: NativeBlas): NativeBlas {
  const chosen = blas ?? (loaded ??= loadNativeBlas());
  backendWasmState().blas = chosen;
  return chosen;
}

/** Back to XNNPACK for every kernel: the wasm backend's results no longer depend on the BLAS. */
export function disableNativeBlas(): void {
  backendWasmState().blas = undefined;
}

/** The BLAS the kernels use now, if any (every BLAS-capable kernel asks this on each call). */
export function nativeBlasInUse(): NativeBlas | undefined {
  return backendWasmState().blas;
}
