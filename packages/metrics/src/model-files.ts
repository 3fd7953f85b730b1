import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
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
  const { artifacts } = readModelFiles(join(directory, MODEL_FILE));
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** What a model.json says it is: tfjs-layers' "layers-model" or tfjs-converter's "graph-model". */
export type ModelFormat = "layers-model" | "graph-model";

/**
 * A tfjs model.json and the weight files its manifest names (paths relative to the
 * model.json, as tensorflowjs_converter writes them: group1-shard1of4.bin, ...), read with
 * node:fs: the same artifacts tfjs-node's file:// handler reads, without a network.
 */
export function readModelFiles(modelPath: string): { artifacts: tf.io.ModelArtifacts; format: ModelFormat } {
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(readFileSync(modelPath, "utf8")) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`cannot read the model at ${modelPath}: ${(error as Error).message}`);
  }
  if (typeof modelJson !== "object" || modelJson === null || typeof modelJson.modelTopology !== "object" || modelJson.modelTopology === null) {
    throw new Error(`${modelPath}: not a tfjs model.json (it has no modelTopology)`);
  }
  // tensorflowjs_converter writes "graph-model" for SavedModels and frozen graphs; Keras
  // models and tfjs's own saves are layers models, whose topology has a class_name.
  const format: ModelFormat = modelJson.format === "graph-model" || "node" in (modelJson.modelTopology as object) ? "graph-model" : "layers-model";
  const manifest = modelJson.weightsManifest ?? [];
  const weightSpecs = manifest.flatMap((group) => group.weights);
  const buffers = manifest.flatMap((group) =>
    group.paths.map((path) => {
      const file = join(dirname(modelPath), path);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        throw new Error(`${file}: cannot read this weight file that ${modelPath} names (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }),
  );
  const artifacts: tf.io.ModelArtifacts = { modelTopology: modelJson.modelTopology, weightSpecs, weightData: joinWeightData(buffers), format };
  return { artifacts, format };
}

function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}
