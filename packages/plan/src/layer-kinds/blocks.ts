/**
 * Blocks: layers that hold lists of layers and merge what the lists compute from the
 * block's input (networks as graphs, built with the tfjs functional API).
 *
 * - `residual`: its `layers`, added to its input, or to its `shortcut` (a projection such as
 *   a 1x1 conv, when the layers change the shape): He et al. 2016, SNGAN's and BigGAN's blocks;
 * - `add` and `concat`: two or more `branches`, each a list of layers (an empty one is the
 *   identity), summed or concatenated along the channels.
 *
 * A block kind is defined like a flat one, plus `block`: the lists it holds and how their
 * output shapes merge; its output shape, the walks over nested layers (tricks' rewrites,
 * memory, source stripping) and the runtime's graph are derived from that.
 */
import { z } from "zod";
import type { PathSegment } from "../path.js";
import type { SourceLocation } from "../primitives.js";
import { formatShape, shapesEqual } from "../shape-math.js";
import { layerCommon, type LayerKindDefinition, type ShapeContext, type ShapeStep } from "./define.js";
import type { Layer, LayerInput } from "./index.js";

/** A residual block (`E`: its layers, `LayerInput` for a plan as written by hand). */
export interface ResidualLayer<E = Layer> {
  type: "residual";
  layers: E[];
  /** Applied to the block's input instead of the identity; its output is added to the layers'. */
  shortcut?: E[] | undefined;
  outputShape?: number[] | undefined;
  source?: SourceLocation | undefined;
}
export interface MergeLayer<T extends "add" | "concat" = "add" | "concat", E = Layer> {
  type: T;
  /** Two or more lists of layers, each applied to the block's input; an empty list is the identity. */
  branches: E[][];
  outputShape?: number[] | undefined;
  source?: SourceLocation | undefined;
}
export type BlockLayer<E = Layer> = ResidualLayer<E> | MergeLayer<"add", E> | MergeLayer<"concat", E>;

/** A list of layers a block holds. */
export interface LayerList {
  /** Where the list is below the block: `["layers"]`, `["branches", 1]`. */
  path: PathSegment[];
  /**
   * What its layers' runtime names carry after the block's place: `g2_0_conv` for the
   * residual's layers (tag ""), `g2_s0_conv` for its shortcut ("s"), `g3_b1_0_conv` for
   * the second branch of a merge ("b1_").
   */
  tag: string;
  layers: Layer[];
}

/** What a block kind adds to a layer kind's definition. */
export interface BlockParts<L> {
  /** The lists of layers it holds, in the order they are walked, built and named. */
  lists(layer: L): LayerList[];
  /** The block with its lists replaced, given in the order of `lists`. */
  withLists(layer: L, lists: Layer[][]): L;
  /** Its output shape from the output shapes of its lists, or what is wrong with them. */
  merge(layer: L, outputs: number[][], input: number[]): ShapeStep;
}

export interface BlockKindDefinition<T extends string, L> extends LayerKindDefinition<T, L> {
  block: BlockParts<L>;
}

/** A block's output shape: each list inferred from the block's input, then merged. */
function blockOutputShape<L>(parts: BlockParts<L>) {
  return (layer: L, input: number[], context: ShapeContext): ShapeStep => {
    const lists = parts.lists(layer);
    const results = lists.map((list) => context.inferLayers(list.layers, input, list.path));
    // A nested layer's error is reported at that layer, not again as the block's.
    if (results.some((result) => !result.ok)) return { shape: null };
    const step = parts.merge(layer, results.map((result) => result.shape!), input);
    if (step.shape === null) return step;
    return { ...step, layer: parts.withLists(layer, results.map((result) => result.layers as Layer[])) };
  };
}

function defineBlockKind<T extends string, L>(
  definition: Omit<BlockKindDefinition<T, L>, "outputShape">,
): BlockKindDefinition<T, L> {
  return { ...definition, outputShape: blockOutputShape(definition.block) };
}

function residualMerge(layer: ResidualLayer, [main, shortcut]: number[][], input: number[]): ShapeStep {
  if (shapesEqual(main!, shortcut!)) return { shape: [...main!] };
  if (layer.shortcut === undefined) {
    const channels = main!.length === 3 ? `conv ${main![2]} kernel 1` : `dense ${main![main!.length - 1]}`;
    return {
      shape: null,
      error:
        `the residual block's layers output ${formatShape(main!)} but its input is ${formatShape(input)}, and the two are added: ` +
        `give it a shortcut that makes the input ${formatShape(main!)}, e.g. '} shortcut { ${channels} }'`,
    };
  }
  return {
    shape: null,
    error: `the residual block's layers output ${formatShape(main!)} but its shortcut outputs ${formatShape(shortcut!)}, and the two are added: they must have the same shape`,
  };
}

function branchShapes(outputs: number[][]): string {
  return outputs.map((shape, i) => `branch ${i + 1} ${formatShape(shape)}`).join(", ");
}

/**
 * The kinds, made for a given schema of a layer (the union of every kind, blocks included):
 * a block's lists hold any layer, so the schemas refer to each other.
 */
export function blockKinds(layerSchema: z.ZodType<Layer, LayerInput>) {
  const list = z.array(layerSchema);

  const residual = defineBlockKind<"residual", ResidualLayer>({
    type: "residual",
    schema: z.strictObject({ type: z.literal("residual"), layers: list.min(1), shortcut: list.min(1).optional(), ...layerCommon }) as unknown as z.ZodType<
      ResidualLayer,
      ResidualLayer<LayerInput>
    >,
    block: {
      lists: (layer) => [
        { path: ["layers"], tag: "", layers: layer.layers },
        { path: ["shortcut"], tag: "s", layers: layer.shortcut ?? [] },
      ],
      withLists: (layer, [layers, shortcut]) => ({
        ...layer,
        layers: layers!,
        ...(layer.shortcut !== undefined || shortcut!.length > 0 ? { shortcut: shortcut! } : {}),
      }),
      merge: residualMerge,
    },
    describe: (layer) => `residual block${layer.shortcut ? " with a shortcut" : ""}`,
  });

  const mergeLists = (layer: MergeLayer): LayerList[] => layer.branches.map((layers, i) => ({ path: ["branches", i], tag: `b${i}_`, layers }));
  const mergeSchema = <T extends "add" | "concat">(type: T) =>
    z.strictObject({ type: z.literal(type), branches: z.array(list).min(2), ...layerCommon }) as unknown as z.ZodType<MergeLayer<T>, MergeLayer<T, LayerInput>>;

  const add = defineBlockKind<"add", MergeLayer<"add">>({
    type: "add",
    schema: mergeSchema("add"),
    block: {
      lists: mergeLists,
      withLists: (layer, branches) => ({ ...layer, branches }),
      merge(_layer, outputs) {
        if (outputs.every((shape) => shapesEqual(shape, outputs[0]!))) return { shape: [...outputs[0]!] };
        return { shape: null, error: `the branches of add output different shapes (${branchShapes(outputs)}): add sums them, so they must be equal` };
      },
    },
    describe: (layer) => `add of ${layer.branches.length} branches`,
  });

  const concat = defineBlockKind<"concat", MergeLayer<"concat">>({
    type: "concat",
    schema: mergeSchema("concat"),
    block: {
      lists: mergeLists,
      withLists: (layer, branches) => ({ ...layer, branches }),
      merge(_layer, outputs) {
        const first = outputs[0]!;
        const agree = outputs.every((shape) => shape.length === first.length && shapesEqual(shape.slice(0, -1), first.slice(0, -1)));
        if (agree) return { shape: [...first.slice(0, -1), outputs.reduce((sum, shape) => sum + shape[shape.length - 1]!, 0)] };
        return {
          shape: null,
          error: `the branches of concat output shapes that differ before the last dimension (${branchShapes(outputs)}): concat joins them along the channels, so the rest must be equal`,
        };
      },
    },
    describe: (layer) => `concat of ${layer.branches.length} branches`,
  });

  return [residual, add, concat] as const;
}
