import { createRequire } from "node:module";

/**
 * The machine's own BLAS (OpenBLAS, MKL, BLIS, Apple Accelerate), reached through koffi, a
 * foreign-function interface that ships prebuilt for each platform inside its npm package
 * (nothing is compiled or downloaded at install).
 *
 * Why: on the wasm backend a GAN step is mostly matrix products, and XNNPACK's 128-bit wasm
 * SIMD runs them on one core at about 8 GMAC/s. OpenBLAS's native kernels on both cores do
 * the same 512x256x128 product 3-4x faster. koffi passes a Float32Array view of the wasm
 * heap as a plain pointer, so the product reads and writes tensors in place, with no copy.
 */

/** CBLAS enum values (cblas.h). */
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

export interface NativeBlas {
  /** The library file that was loaded, as given to the dynamic loader. */
  library: string;
  /** What the library says of itself (OpenBLAS's build configuration), else its file name. */
  description: string;
  /**
   * The thread count the library runs its products on now (OpenBLAS's
   * `openblas_get_num_threads`); undefined for a library that cannot say. Recorded in
   * run.json because OpenBLAS splits a product differently per thread count, which changes
   * the last bits of the losses.
   */
  readonly threads: number | undefined;
  /** Sets OpenBLAS's thread count; throws for a library without `openblas_set_num_threads`. */
  setThreads(count: number): void;
  /**
   * Row-major C = alpha * op(A) * op(B) + beta * C, with op(A) [m, k] and op(B) [k, n];
   * `transA` means A is stored [k, m], `transB` that B is stored [n, k].
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    beta: number,
  ): void;
  /**
   * Row-major y = op(A) x + beta * y, with A stored [m, n]; `trans` means op(A) = A^T ([n, m]).
   * A product with one row or one column: OpenBLAS's sgemm packs and tiles it like a matrix
   * and runs 4x slower (a [1, 50176] by [50176, 32] sum: 0.66 against 0.16 ms).
   */
  sgemv(trans: boolean, m: number, n: number, a: Float32Array, x: Float32Array, y: Float32Array, beta: number): void;
}

/** Where to look when GAN_BLAS_LIBRARY does not say. The first that loads wins. */
export function candidateLibraries(platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case "darwin":
      return [
        "/System/Library/Frameworks/Accelerate.framework/Accelerate",
        "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
        "/usr/local/opt/openblas/lib/libopenblas.dylib",
      ];
    case "win32":
      return ["libopenblas.dll", "openblas.dll", "mkl_rt.dll"];
    default:
      // libblas.so.3 last: on Debian it is whatever `update-alternatives` chose, often the
      // slow reference BLAS.
      return ["libopenblas.so.0", "libopenblas.so", "libmkl_rt.so", "libblis.so.4", "libblas.so.3"];
  }
}

interface Koffi {
  load(path: string): { func(definition: string): (...args: unknown[]) => unknown };
}

function loadKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)("koffi") as Koffi;
  } catch (error) {
    throw new Error(`the koffi package (an optional dependency of @gan/backend-wasm) did not load: ${(error as Error).message}`);
  }
}

function openLibrary(koffi: Koffi, library: string, threads: number | undefined): NativeBlas {
  const handle = koffi.load(library);
  const cblasSgemm = handle.func(
    "void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, " +
      "float *a, int lda, float *b, int ldb, float beta, float *c, int ldc)",
  );
  const cblasSgemv = handle.func(
    "void cblas_sgemv(int order, int trans, int m, int n, float alpha, float *a, int lda, float *x, int incx, float beta, float *y, int incy)",
  );
  let description = library;
  try {
    const config = handle.func("const char *openblas_get_config()")() as string;
    description = `${library} (${config})`; // the config starts with "OpenBLAS <version>"
  } catch {
    // Not OpenBLAS: the file name is all there is to say.
  }
  const setThreads = (count: number) => {
    try {
      handle.func("void openblas_set_num_threads(int)")(count);
    } catch {
      throw new Error(`GAN_BLAS_THREADS is set, but ${library} is not OpenBLAS; set that library's own thread variable instead`);
    }
  };
  if (threads !== undefined) setThreads(threads);
  let getThreads: (() => unknown) | undefined;
  try {
    getThreads = handle.func("int openblas_get_num_threads()");
  } catch {
    // Not OpenBLAS: the thread count is the library's own business.
  }
  return {
    library,
    description,
    get threads() {
      return getThreads ? (getThreads() as number) : undefined;
    },
    setThreads,
    sgemm(transA, transB, m, n, k, a, b, c, beta) {
      cblasSgemm(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        1,
        a,
        transA ? m : k,
        b,
        transB ? k : n,
        beta,
        c,
        n,
      );
    },
    sgemv(trans, m, n, a, x, y, beta) {
      cblasSgemv(ROW_MAJOR, trans ? TRANS : NO_TRANS, m, n, 1, a, n, x, 1, beta, y, 1);
    },
  };
}

/**
 * C = op(A) op(B) + beta C as sgemm takes it, through sgemv when it has one row or one column
 * (the sums over leading axes of kernels/sum.ts are ones[1, rows] x X: 80 of them a ResNet step).
 */
export function blasProduct(
  blas: NativeBlas,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  beta: number,
): void {
  if (m === 1 && n > 1) {
    // c[1, n] = a[1, k] op(B): op(B)^T a, B stored [k, n] (op(B)^T = B^T) or [n, k].
    blas.sgemv(!transB, transB ? n : k, transB ? k : n, b, a, c, beta);
  } else if (n === 1 && m > 1) {
    // c[m, 1] = op(A) b[k, 1], A stored [m, k] or [k, m] (op(A) = A^T).
    blas.sgemv(transA, transA ? k : m, transA ? m : k, a, b, c, beta);
  } else {
    blas.sgemm(transA, transB, m, n, k, a, b, c, beta);
  }
}

/** GAN_BLAS_THREADS: OpenBLAS's thread count (its default is one per core); undefined when unset. */
export function readBlasThreads(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new Error(`GAN_BLAS_THREADS must be a whole number of at least 1, not '${value}'`);
  return count;
}

/**
 * Loads the BLAS named by GAN_BLAS_LIBRARY, else the first of `candidateLibraries()` that
 * loads and has `cblas_sgemm`. Throws with every reason when none does.
 */
export function loadNativeBlas(env: NodeJS.ProcessEnv = process.env): NativeBlas {
  const threads = readBlasThreads(env["GAN_BLAS_THREADS"]);
  const koffi = loadKoffi();
  const named = env["GAN_BLAS_LIBRARY"];
  if (named !== undefined && named !== "") {
    try {
      return openLibrary(koffi, named, threads);
    } catch (error) {
      throw new Error(`GAN_BLAS_LIBRARY=${named} did not load as a CBLAS library: ${(error as Error).message}`);
    }
  }
  const failures: string[] = [];
  for (const library of candidateLibraries()) {
    try {
      return openLibrary(koffi, library, threads);
    } catch (error) {
      failures.push(`${library}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(
    `no CBLAS library found (tried ${failures.join("; ")}). ` +
      "Install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; macOS has Accelerate) " +
      "or set GAN_BLAS_LIBRARY to a library that exports cblas_sgemm",
  );
}
