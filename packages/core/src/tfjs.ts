/**
 * @gan/core's TensorFlow.js: tfjs-core, tfjs-layers and the cpu backend, loaded with require().
 *
 * Why not `import * as tf from "@tensorflow/tfjs-core"`: these packages are CommonJS bundles
 * of 0.5 to 1.5 MB, and an ESM import of CommonJS makes Node scan the whole file for its named
 * exports (cjs-module-lexer) before running it: about 0.4 s of CPU at every start of `gan`,
 * more than the rest of `gan check` together (bench/RESULTS.md, "Start-up"). require() runs the
 * same file without the scan, and gives the same instance an import would (the packages have
 * no `exports` map, so both load their `main`), so tricks and tests that import tfjs share
 * this engine and its backends.
 *
 * The namespaces below name the tfjs types core's modules write as `tf.Tensor`, `tfl.LayersModel`;
 * add one here when a module needs another.
 */
import { createRequire } from "node:module";
import type * as TfCore from "@tensorflow/tfjs-core";
import type * as TfLayers from "@tensorflow/tfjs-layers";

const require = createRequire(import.meta.url);

export const tf = require("@tensorflow/tfjs-core") as typeof TfCore;
// Loading tfjs-layers also registers tfjs-core's gradients, which tfjs-core's main entry does not.
export const tfl = require("@tensorflow/tfjs-layers") as typeof TfLayers;
// The cpu backend registers itself with tfjs-core when it loads: it is always available.
require("@tensorflow/tfjs-backend-cpu");

export declare namespace tf {
  type Tensor<R extends TfCore.Rank = TfCore.Rank> = TfCore.Tensor<R>;
  type Scalar = TfCore.Scalar;
  type Tensor1D = TfCore.Tensor1D;
  type Tensor2D = TfCore.Tensor2D;
  type Variable<R extends TfCore.Rank = TfCore.Rank> = TfCore.Variable<R>;
  type NamedTensorMap = TfCore.NamedTensorMap;
  type NamedTensorInfoMap = TfCore.NamedTensorInfoMap;
  type NamedAttrMap = TfCore.NamedAttrMap;
  type TensorInfo = TfCore.TensorInfo;
  type KernelBackend = TfCore.KernelBackend;
  type KernelFunc = TfCore.KernelFunc;
  type Optimizer = TfCore.Optimizer;
  type TypedArray = TfCore.TypedArray;
  type GradConfig = TfCore.GradConfig;
  type Rank = TfCore.Rank;
  namespace io {
    type CompositeArrayBuffer = TfCore.io.CompositeArrayBuffer;
    type IOHandler = TfCore.io.IOHandler;
    type ModelArtifacts = TfCore.io.ModelArtifacts;
    type ModelJSON = TfCore.io.ModelJSON;
    type SaveResult = TfCore.io.SaveResult;
    type WeightData = TfCore.io.WeightData;
    type WeightsManifestEntry = TfCore.io.WeightsManifestEntry;
  }
  namespace serialization {
    type ConfigDict = TfCore.serialization.ConfigDict;
    type SerializableConstructor<T extends TfCore.serialization.Serializable> = TfCore.serialization.SerializableConstructor<T>;
  }
}

export declare namespace tfl {
  type LayersModel = TfLayers.LayersModel;
  type Sequential = TfLayers.Sequential;
  type SymbolicTensor = TfLayers.SymbolicTensor;
  namespace layers {
    type Layer = TfLayers.layers.Layer;
  }
}
