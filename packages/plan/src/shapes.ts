/**
 * Shape inference: the output shape of every layer of a network, computed the way
 * tfjs-layers computes it, so that a plan that passes here builds there. Shapes exclude the
 * batch dimension; images are NHWC, i.e. [height, width, channels].
 *
 * Errors are written for the author of the `.gan` file: they say what the layer needs,
 * what it gets, and, where there is one, the usual fix.
 */
import { layerKind, type ShapeContext } from "./layer-kinds/index.js";
import type { PathSegment } from "./path.js";
import { dataDefinition, IMAGE_CHANNELS } from "./data/index.js";
import type { DataKind, Layer, TrickLayer } from "./schema.js";
import { shapeSize, shapesEqual } from "./shape-math.js";

export { convOutputLength, deconvLength, formatShape, shapeSize, shapesEqual } from "./shape-math.js";

export interface ShapeInferenceOptions {
  /**
   * Output shape of a `trick` layer, which only the trick's package knows
   * (`LoadedTrick.layerShape`). May throw; the message is reported for the layer.
   */
  trickLayerShape?(layer: TrickLayer, inputShape: number[]): number[];
}

export interface ShapeError {
  /** Index in the network's `layers` of the layer, or of the block that holds it. */
  layerIndex: number;
  /** Where the layer is below the network's `layers`: `[2]`, or `[2, "layers", 0]` inside a block. */
  path: PathSegment[];
  message: string;
}

export type ShapeInferenceResult =
  | { ok: true; layers: Layer[]; outputShape: number[] }
  | { ok: false; errors: ShapeError[] };

/**
 * Infers the output shape of each layer from the network's input shape. Returns copies of
 * the layers with `outputShape` filled in (the input is not changed), or every error found.
 * After an error inference goes on when the layer's output shape is still known (a dense
 * layer outputs [units] whatever it gets), so one pass reports as many mistakes as it can.
 */
export function inferNetworkShapes(network: { inputShape: number[]; layers: Layer[] }, options: ShapeInferenceOptions = {}): ShapeInferenceResult {
  const errors: ShapeError[] = [];
  const inferred = inferLayerList(network.layers, network.inputShape, [], options, errors);
  if (inferred.shape === null || errors.length > 0) return { ok: false, errors };
  return { ok: true, layers: inferred.layers, outputShape: inferred.shape };
}

/**
 * The shapes of a list of layers (a network's, or a block's), each layer's error pushed with
 * its path below `path`. Stops at the first layer whose output shape is unknown.
 */
function inferLayerList(
  layers: readonly Layer[],
  input: number[],
  path: PathSegment[],
  options: ShapeInferenceOptions,
  errors: ShapeError[],
): { layers: Layer[]; shape: number[] | null; ok: boolean } {
  const errorsBefore = errors.length;
  const out: Layer[] = [];
  let shape = input;
  for (const [index, layer] of layers.entries()) {
    const layerPath = [...path, index];
    const context: ShapeContext = {
      ...(options.trickLayerShape && { trickLayerShape: options.trickLayerShape as ShapeContext["trickLayerShape"] }),
      inferLayers: (nested, nestedInput, below) => inferLayerList(nested as Layer[], nestedInput, [...layerPath, ...below], options, errors),
    };
    const step = layerKind(layer.type).outputShape(layer as never, shape, context);
    if (step.error !== undefined) errors.push({ layerIndex: layerPath[0] as number, path: layerPath, message: step.error });
    if (step.shape === null) return { layers: out, shape: null, ok: false };
    shape = step.shape;
    // A block returns itself with the shapes of its nested layers filled in.
    out.push({ ...((step.layer as Layer | undefined) ?? layer), outputShape: shape });
  }
  return { layers: out, shape, ok: errors.length === errorsBefore };
}

/**
 * Whether image files holding [height, width, channels] can be served in a plan's data
 * `shape`: as they are, flattened ([h * w * c], for an MLP), as [height, width] when they
 * have one channel, or (for a kind that converts colour, such as an `images` folder) with any
 * of IMAGE_CHANNELS. The compiler checks it against the files, and the runtime again on open.
 */
export function dataShapeFits(shape: readonly number[], [height, width, channels]: readonly [number, number, number], kind: DataKind): boolean {
  if (dataDefinition(kind).convertsChannels && shape.length === 3) {
    return shape[0] === height && shape[1] === width && (IMAGE_CHANNELS as readonly number[]).includes(shape[2]!);
  }
  return shapesEqual(shape, [height, width, channels]) || shapesEqual(shape, [height * width * channels]) || (channels === 1 && shapesEqual(shape, [height, width]));
}
