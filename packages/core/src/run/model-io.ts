/**
 * Saving and loading tfjs-layers models as files: `model.json` and `weights.bin`, the format
 * of `tf.io.browserFiles` / tfjs-node's `file://`, so a saved generator loads in a browser
 * with `tf.loadLayersModel(url)` and in Node with `tf.loadLayersModel(fileModelIO(dir))`.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { tf, tfl } from "../tfjs.js";
import { UserError } from "../errors.js";
import type { NamedTensor } from "../optimizers.js";
import { readJsonInputSync } from "../input-file.js";
import { isInside } from "../paths.js";
import { readRunFileBytes, writeFileDurable } from "./files.js";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * An IOHandler that writes `dir/model.json` and `dir/weights.bin` (flushed to disk) and
 * loads them back. Pass it to `model.save()` or `tf.loadLayersModel()`.
 */
export function fileModelIO(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = weightBytes(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON["modelTopology"],
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileDurable(path.join(dir, WEIGHTS_BIN), weights);
      writeFileDurable(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = readJsonInputSync(path.join(dir, MODEL_JSON), "model.json") as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) {
            const weightsFile = path.join(dir, file);
            // A model.json from elsewhere may name any path: only the model's own folder is read.
            if (!isInside(dir, weightsFile)) throw new UserError(`${path.join(dir, MODEL_JSON)} names weights outside its folder: ${JSON.stringify(file)}`);
            const bytes = readRunFileBytes(weightsFile);
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Saves a model's topology and weights into `dir`. */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(fileModelIO(dir));
}

/**
 * Loads the weights saved in `dir` into `model` (built from the same plan), matching them by
 * layer and weight name. The topology in model.json is not used: trick layers and seeded
 * dropout are rebuilt from the plan, which needs no class registry.
 */
export async function loadWeightsInto(model: tfl.LayersModel, dir: string): Promise<void> {
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await fileModelIO(dir).load!();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? `${path.basename((error as NodeJS.ErrnoException).path ?? MODEL_JSON)} is missing` : `it cannot be read (${code ?? (error as Error).message})`;
    throw new UserError(`${dir}: the ${model.name}'s weights cannot be loaded: ${reason}`);
  }
  const specs = artifacts.weightSpecs ?? [];
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
  const named = decodeTensors(data, specs, path.join(dir, WEIGHTS_BIN));
  try {
    model.loadWeights(named, true);
  } catch (error) {
    throw new UserError(`${dir}: the weights do not fit this run's ${model.name}: ${(error as Error).message}`);
  } finally {
    for (const tensor of Object.values(named)) tensor.dispose();
  }
}

/** Encodes named tensors as a JSON-able spec list and one binary blob (optimizer and trick state). */
export async function encodeTensors(tensors: NamedTensor[]): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Uint8Array }> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { specs, data: weightBytes(data) };
}

/** Bytes per value of each dtype gan writes; other dtypes (and quantized weights) are not checked. */
const DTYPE_BYTES: Partial<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/** How many bytes `specs` describe, or undefined when a spec's size is not known. */
function specBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const bytes = spec.quantization ? undefined : DTYPE_BYTES[spec.dtype];
    if (bytes === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

/**
 * Decodes the tensors `specs` describe from `data`, which was read from `file`. A file whose
 * size disagrees with its specs (truncated, or from another model) is a UserError naming it.
 */
export function decodeTensors(data: Uint8Array, specs: tf.io.WeightsManifestEntry[], file: string): tf.NamedTensorMap {
  const expected = specBytes(specs);
  if (expected !== undefined && expected !== data.byteLength) {
    throw new UserError(`${file}: ${data.byteLength} bytes where ${expected} are needed for its ${specs.length} tensors (a truncated file, or one from another model)`);
  }
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(buffer, specs);
}
