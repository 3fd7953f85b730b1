import { accessSync, constants, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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

/** A model.json, parsed and checked to be one, with its format and the weight files its manifest names. */
export interface ModelJsonFile {
  modelJson: tf.io.ModelJSON;
  format: ModelFormat;
  /** Absolute paths of the weight files, in the manifest's order. */
  weightFiles: string[];
}

/** Reads and checks a model.json without its weights (what `gan check` needs to know of a feature network). */
export function readModelJson(modelPath: string): ModelJsonFile {
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
  const weightFiles = (modelJson.weightsManifest ?? []).flatMap((group) => group.paths.map((path) => join(dirname(modelPath), path)));
  return { modelJson, format, weightFiles };
}

const weightFileError = (file: string, modelPath: string, error: unknown) =>
  new Error(`${file}: cannot read this weight file that ${modelPath} names (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);

/** Every weight file of a model.json is a readable file (checked without reading them: Inception-v3's are 95 MB). */
export function checkWeightFiles(file: ModelJsonFile, modelPath: string): void {
  for (const weightFile of file.weightFiles) {
    try {
      accessSync(weightFile, constants.R_OK);
    } catch (error) {
      throw weightFileError(weightFile, modelPath, error);
    }
  }
}

/**
 * The names of a model's layers (layers model) or nodes (graph model), read from its
 * topology: the names `--features-layer` and `featuresLayer` may give.
 */
export function modelLayerNames({ modelJson, format }: ModelJsonFile): string[] {
  const topology = modelJson.modelTopology as { node?: { name: string }[]; config?: { layers?: { name?: string; config?: { name?: string } }[] }; model_config?: { config?: { layers?: { name?: string; config?: { name?: string } }[] } } };
  if (format === "graph-model") return (topology.node ?? []).map((node) => node.name);
  // A Keras save nests the model under model_config; a tfjs save does not.
  const layers = topology.config?.layers ?? topology.model_config?.config?.layers ?? [];
  return layers.map((layer) => layer.name ?? layer.config?.name).filter((name): name is string => name !== undefined);
}

/**
 * A tfjs model.json and the weight files its manifest names (paths relative to the
 * model.json, as tensorflowjs_converter writes them: group1-shard1of4.bin, ...), read with
 * node:fs: the same artifacts tfjs-node's file:// handler reads, without a network.
 */
export function readModelFiles(modelPath: string): { artifacts: tf.io.ModelArtifacts; format: ModelFormat } {
  const file = readModelJson(modelPath);
  const { modelJson, format } = file;
  const weightSpecs = (modelJson.weightsManifest ?? []).flatMap((group) => group.weights);
  const buffers = file.weightFiles.map((weightFile) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(weightFile);
    } catch (error) {
      throw weightFileError(weightFile, modelPath, error);
    }
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });
  const artifacts: tf.io.ModelArtifacts = { modelTopology: modelJson.modelTopology, weightSpecs, weightData: joinWeightData(buffers), format };
  return { artifacts, format };
}

function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(-12).map((n) => `'${n}'`).join(", ");
  return names.length > 12 ? `... ${shown} (the last 12 of ${names.length})` : shown;
}

/** The message of a layer (layers model) or node (graph model) that a model does not have. */
export function noLayerMessage(modelPath: string, layer: string, names: readonly string[], format: ModelFormat): string {
  return format === "graph-model" ? `${modelPath}: no node '${layer}'; its nodes include ${listNames(names)}` : `${modelPath}: no layer '${layer}'; its layers are ${listNames(names)}`;
}
