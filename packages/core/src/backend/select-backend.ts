/**
 * Choosing the TensorFlow.js backend of a run (docs/ARCHITECTURE.md, "Backends").
 *
 * - tensorflow: @tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node, which the user installs
 *   where libtensorflow can be downloaded; imported only when asked for (or tried by auto).
 *   Not declared as optional peers: pnpm installs those, and their install step would
 *   download libtensorflow on machines that cannot.
 * - blas: the wasm backend with its matrix products and convolutions on the machine's own
 *   BLAS (OpenBLAS, Accelerate, MKL), through @gan/backend-wasm. tfjs's backend is "wasm".
 * - wasm: @tensorflow/tfjs-backend-wasm with @gan/backend-wasm's training kernels, all on
 *   XNNPACK: the same numbers on every machine.
 * - cpu: pure JavaScript; the reference in tests.
 * - auto: the first of tensorflow, blas, wasm, cpu that starts.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
// tfjs.ts also loads the cpu backend, and tfjs-layers, whose entry registers tfjs-core's
// gradients (tfjs-core's main entry does not).
import { tf } from "../tfjs.js";
import type { BackendName } from "@gan/plan";
import { UserError } from "../errors.js";
import { resumeBlasThreads } from "./blas-threads.js";

export type ResolvedBackendName = Exclude<BackendName, "auto">;

export interface SelectedBackend {
  /** The backend the run uses. */
  name: ResolvedBackendName;
  /** What was asked for. */
  requested: BackendName;
  /** The npm package that provides it, and its version. */
  package: string;
  version: string;
  /**
   * On blas with OpenBLAS: the thread count its products ran on. The losses depend on it
   * (in the last bits), so a resume sets it again.
   */
  blasThreads?: number;
  /** Advice for the user about this choice (auto fell back to a slower backend it could not avoid). */
  note?: string;
}

export const BLAS_MISSING_NOTE =
  "trained on wasm: no BLAS library was found for the faster blas backend " +
  "(Debian/Ubuntu: apt-get install libopenblas0-pthread; or set GAN_BLAS_LIBRARY)";

const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;
export const TENSORFLOW_MISSING =
  "backend 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu: npm install @tensorflow/tfjs-node";

/**
 * Imports an optional peer as the user's project sees it (resolved from the working
 * directory, which a strict pnpm layout requires), else as @gan/core sees it.
 */
async function importOptional(specifier: string): Promise<unknown> {
  let resolved: string | undefined;
  try {
    resolved = createRequire(path.join(process.cwd(), "package.json")).resolve(specifier);
  } catch {
    // Not installed in the project: try from here.
  }
  return resolved ? import(pathToFileURL(resolved).href) : import(specifier);
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = (error as Error | undefined)?.message ?? "";
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message.includes(specifier);
}

/** Loads tfjs-node(-gpu); undefined when neither is installed. Other load failures are reported. */
async function loadTensorflow(): Promise<SelectedBackend | undefined> {
  for (const specifier of TENSORFLOW_PACKAGES) {
    let module: { version?: Record<string, string> };
    try {
      module = (await importOptional(specifier)) as typeof module;
    } catch (error) {
      if (isModuleNotFound(error, specifier)) continue;
      throw new UserError(`backend 'tensorflow': ${specifier} is installed but failed to load: ${(error as Error).message}`);
    }
    if (!tf.findBackend("tensorflow")) {
      throw new UserError(
        `backend 'tensorflow': ${specifier} registered its backend with another copy of @tensorflow/tfjs-core than @gan/core's ` +
          `(${tf.version_core}); install matching versions`,
      );
    }
    return { name: "tensorflow", requested: "tensorflow", package: specifier, version: module.version?.["tfjs-node"] ?? tf.version_core };
  }
  return undefined;
}

let wasmReady: Promise<void> | undefined;

/** Registers the wasm backend and the kernels it lacks for training (once per process). */
function prepareWasm(): Promise<void> {
  wasmReady ??= (async () => {
    await import("@tensorflow/tfjs-backend-wasm");
    const { registerWasmTraining } = await import("@gan/backend-wasm");
    await registerWasmTraining();
  })();
  return wasmReady;
}

async function activate(name: "tensorflow" | "wasm" | "cpu"): Promise<boolean> {
  return (await tf.setBackend(name)) && tf.getBackend() === name;
}

async function useWasm(requested: BackendName): Promise<SelectedBackend | undefined> {
  try {
    await prepareWasm();
    const { disableNativeBlas } = await import("@gan/backend-wasm");
    disableNativeBlas();
    if (!(await activate("wasm"))) return undefined;
  } catch (error) {
    if (requested === "wasm") throw new UserError(`backend 'wasm' failed to start: ${(error as Error).message}`);
    return undefined;
  }
  return { name: "wasm", requested, package: "@tensorflow/tfjs-backend-wasm", version: await wasmVersion() };
}

async function wasmVersion(): Promise<string> {
  const wasm = (await import("@tensorflow/tfjs-backend-wasm")) as { version_wasm?: string };
  return wasm.version_wasm ?? tf.version_core;
}

export interface SelectOptions {
  /** Resuming a run: the BLAS thread count it recorded (see resumeBlasThreads). */
  resumeBlasThreads?: number | undefined;
}

/** The wasm backend with the native BLAS; undefined under auto when no BLAS loads. */
async function useBlas(requested: BackendName, options: SelectOptions): Promise<SelectedBackend | undefined> {
  let description: string;
  let threads: number | undefined;
  let note: string | undefined;
  try {
    await prepareWasm();
    const { enableNativeBlas, disableNativeBlas, readBlasThreads } = await import("@gan/backend-wasm");
    const blas = enableNativeBlas();
    const choice = resumeBlasThreads(options.resumeBlasThreads, readBlasThreads(process.env["GAN_BLAS_THREADS"]));
    if (choice.threads !== undefined && blas.threads !== undefined) blas.setThreads(choice.threads);
    description = blas.description;
    threads = blas.threads;
    note = choice.note;
    if (!(await activate("wasm"))) {
      disableNativeBlas();
      return undefined;
    }
  } catch (error) {
    if (requested === "blas") throw new UserError(`backend 'blas' failed to start: ${(error as Error).message}`);
    return undefined;
  }
  return {
    name: "blas",
    requested,
    package: `@tensorflow/tfjs-backend-wasm with ${description}`,
    version: await wasmVersion(),
    ...(threads !== undefined ? { blasThreads: threads } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/**
 * Sets up the backend `requested` and makes it tfjs's current one. Throws a UserError when
 * an explicitly requested backend cannot be used.
 */
export async function selectBackend(requested: BackendName, options: SelectOptions = {}): Promise<SelectedBackend> {
  // tfjs prints a banner on Node recommending tfjs-node, and other advice a user cannot act
  // on; messages that matter reach the user through gan's own errors.
  tf.env().set("PROD", true);
  const { registerDoubleBackpropGradients } = await import("@gan/backend-wasm");
  registerDoubleBackpropGradients();

  let selected: SelectedBackend | undefined;
  switch (requested) {
    case "tensorflow":
      selected = await loadTensorflow();
      if (!selected) throw new UserError(TENSORFLOW_MISSING);
      if (!(await activate("tensorflow"))) throw new UserError("backend 'tensorflow' failed to start (see the messages of tfjs-node above)");
      break;
    case "blas":
      selected = await useBlas("blas", options);
      if (!selected) throw new UserError("backend 'blas' failed to start");
      break;
    case "wasm":
      selected = await useWasm("wasm");
      if (!selected) throw new UserError("backend 'wasm' failed to start");
      break;
    case "cpu":
      if (!(await activate("cpu"))) throw new UserError("backend 'cpu' failed to start");
      selected = { name: "cpu", requested, package: "@tensorflow/tfjs-backend-cpu", version: tf.version_core };
      break;
    case "auto": {
      const tensorflow = await loadTensorflow().catch(() => undefined);
      if (tensorflow && (await activate("tensorflow"))) {
        selected = { ...tensorflow, requested };
        break;
      }
      selected = await useBlas("auto", options);
      if (selected) break;
      selected = await useWasm("auto");
      if (selected) {
        selected = { ...selected, note: BLAS_MISSING_NOTE };
        break;
      }
      if (!(await activate("cpu"))) throw new UserError("no TensorFlow.js backend could be started (tried tensorflow, blas, wasm, cpu)");
      selected = { name: "cpu", requested, package: "@tensorflow/tfjs-backend-cpu", version: tf.version_core };
      break;
    }
  }
  return { ...selected, requested };
}
