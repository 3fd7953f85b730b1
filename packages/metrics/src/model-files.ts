import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/**
 * Reading and writing tfjs LayersModel files (model.json + weights.bin, the layout that
 * tfjs-node's file:// handler and `tf.loadLayersModel` in a browser use) with node:fs,
 * so that no native tfjs-node is needed.
 */
const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";

export async function saveLayersModel(model: tfl.LayersModel, directory: string): Promise<{ weightBytes: number }> {
  mkdirSync(directory, { recursive: true });
  let weightBytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new Error(`saving to ${directory}: the model produced no weights`);
      }
      const weights = new Uint8Array(joinWeightData(artifacts.weightData));
      weightBytes = weights.byteLength;
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON["modelTopology"],
        format: "layers-model",
        generatedBy: artifacts.generatedBy ?? "TensorFlow.js",
        convertedBy: null,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
      };
      // Written beside and renamed, so a crash never leaves a half-written model behind.
      writeFileSync(join(directory, `${WEIGHTS_FILE}.tmp`), weights);
      writeFileSync(join(directory, `${MODEL_FILE}.tmp`), `${JSON.stringify(modelJson)}\n`);
      renameSync(join(directory, `${WEIGHTS_FILE}.tmp`), join(directory, WEIGHTS_FILE));
      renameSync(join(directory, `${MODEL_FILE}.tmp`), join(directory, MODEL_FILE));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.byteLength } };
    }),
  );
  return { weightBytes };
}

export async function loadLayersModelFromDirectory(directory: string): Promise<tfl.LayersModel> {
  const modelPath = join(directory, MODEL_FILE);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(readFileSync(modelPath, "utf8")) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`cannot read the model at ${modelPath}: ${(error as Error).message}`);
  }
  const manifest = modelJson.weightsManifest ?? [];
  const weightSpecs = manifest.flatMap((group) => group.weights);
  const buffers = manifest.flatMap((group) =>
    group.paths.map((path) => {
      const bytes = readFileSync(join(directory, path));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }),
  );
  const handler = tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: joinWeightData(buffers) });
  return tfl.loadLayersModel(handler);
}

function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}
