/** For tests: whether the blas backend can start here. Not part of the package. */
import { loadNativeBlas } from "@gan/backend-wasm";

/**
 * True when a BLAS library loads. Under CI it is always true: CI installs OpenBLAS, and a
 * test of the blas backend must fail there rather than be skipped.
 */
export const blasLoadsHere: boolean = (() => {
  try {
    loadNativeBlas();
    return true;
  } catch {
    return Boolean(process.env["CI"]);
  }
})();
