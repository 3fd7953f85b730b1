export { registerWasmTraining, useWasmBackend, WASM_TRAINING_KERNELS } from "./register.js";
export {
  registerDoubleBackpropGradients,
  OUTPUT_GRADIENT_KERNELS,
  ZERO_GRADIENT_KERNELS,
} from "./double-backprop-gradients.js";
export { ADJOINT_GRADIENT_KERNELS } from "./adjoint-gradients.js";
export { registerFastGradients, FAST_GRADIENT_KERNELS } from "./fast-gradients.js";
export { enableNativeBlas, disableNativeBlas, nativeBlasInUse } from "./blas/use-native-blas.js";
export { loadNativeBlas, candidateLibraries, readBlasThreads, type NativeBlas } from "./blas/native-blas.js";
