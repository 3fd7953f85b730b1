/**
 * The layer kinds, in the order the language lists them. Each is defined once, in its family's
 * module (`defineLayerKind` in define.ts); everything else is derived from this list: the
 * plan's `Layer` union and JSON Schema (schema.ts), shape inference (shapes.ts), the memory
 * estimate (memory.ts), and the language's keywords, options, did-you-mean lists and lowering
 * (@gan/dsl). The runtime builds each kind with its builder in @gan/core
 * (model/layer-builders.ts). docs/ARCHITECTURE.md says how to add one.
 */
import { z } from "zod";
import type { LayerKindDefinition, LayerSyntax } from "./define.js";
import { CONTEXT_KINDS } from "./context.js";
import { NORMALIZATION_KINDS } from "./normalization.js";
import { POOLING_KINDS } from "./pooling.js";
import { REGULARIZATION_KINDS } from "./regularization.js";
import { RESAMPLING_KINDS } from "./resampling.js";
import { RESHAPING_KINDS } from "./reshaping.js";
import { SPECIAL_KINDS } from "./special.js";
import { WEIGHT_KINDS } from "./weights.js";
import { blockKinds, type BlockKindDefinition, type BlockParts, type MergeLayer, type ResidualLayer } from "./blocks.js";

/** The flat kinds: one layer each. */
const FLAT_KINDS = [
  ...WEIGHT_KINDS,
  ...CONTEXT_KINDS,
  ...RESHAPING_KINDS,
  ...RESAMPLING_KINDS,
  ...NORMALIZATION_KINDS,
  ...POOLING_KINDS,
  ...REGULARIZATION_KINDS,
  ...SPECIAL_KINDS,
] as const;
type FlatKind = (typeof FLAT_KINDS)[number];
export type FlatLayer = z.output<FlatKind["schema"]>;
export type FlatLayerType = FlatLayer["type"];
/** Any layer: a flat one, or a block of layers (blocks.ts). */
export type Layer = FlatLayer | ResidualLayer<Layer> | MergeLayer<"add", Layer> | MergeLayer<"concat", Layer>;
/** A layer as it may be written by hand: fields with a default may be left out. */
export type LayerInput = z.input<FlatKind["schema"]> | ResidualLayer<LayerInput> | MergeLayer<"add", LayerInput> | MergeLayer<"concat", LayerInput>;
export type LayerType = Layer["type"];
/** The types of blocks, which hold lists of layers (blocks.ts). */
export type BlockLayerType = Exclude<LayerType, FlatLayerType>;
/** The layer of one type: `LayerOf<"dense">`. */
export type LayerOf<T extends LayerType> = Extract<Layer, { type: T }>;

// Blocks hold layers of any kind, so the union refers to itself (lazily).
export const LayerSchema: z.ZodType<Layer, LayerInput> = z.lazy(() => layerUnion);
const BLOCK_KINDS = blockKinds(LayerSchema);
const layerUnion = z.union([...FLAT_KINDS.map((kind) => kind.schema), ...BLOCK_KINDS.map((kind) => kind.schema)] as unknown as [
  z.ZodType<Layer, LayerInput>,
  ...z.ZodType<Layer, LayerInput>[],
]);

export const LAYER_KINDS = [...FLAT_KINDS, ...BLOCK_KINDS] as const;
export const LAYER_TYPES = LAYER_KINDS.map((kind) => kind.type) as readonly LayerType[];

const byType = new Map<string, LayerKindDefinition<string, never>>(LAYER_KINDS.map((kind) => [kind.type, kind as unknown as LayerKindDefinition<string, never>]));

/** The definition of a layer's kind. */
export function layerKind<T extends LayerType>(type: T): LayerKindDefinition<T, LayerOf<T>> {
  const kind = byType.get(type);
  if (kind === undefined) throw new Error(`unknown layer type '${type}'`);
  return kind as unknown as LayerKindDefinition<T, LayerOf<T>>;
}

/** What a block holds and how it merges; undefined for a flat layer. */
export function blockOf<T extends LayerType>(type: T): BlockParts<LayerOf<T>> | undefined {
  const kind = layerKind(type) as Partial<BlockKindDefinition<T, LayerOf<T>>>;
  return kind.block;
}

/** The kinds a `.gan` file can write, with their syntax, in the order the language lists them. */
export const WRITTEN_LAYER_KINDS: readonly (LayerKindDefinition & { syntax: LayerSyntax })[] = LAYER_KINDS.filter(
  (kind): boolean => "syntax" in kind && kind.syntax !== undefined,
) as never;

/** How a layer is written in messages: `dense 128 relu`, `conv 64 leakyrelu 0.2`, `maxpool 2`. */
export function describeLayer(layer: Layer): string {
  const kind = layerKind(layer.type);
  return kind.describe ? kind.describe(layer) : layer.type;
}

export type { LayerKindDefinition, LayerSyntax, ShapeContext, ShapeStep, SpecArgument, SpecOption, SpecValue } from "./define.js";
export { defineLayerKind, layerCommon } from "./define.js";
export type { BlockKindDefinition, BlockLayer, BlockParts, LayerList, MergeLayer, ResidualLayer } from "./blocks.js";
export { ACTIVATION_ALIASES, ACTIVATION_KINDS, ActivationSchema, PADDINGS, PaddingSchema, type Activation, type ActivationKind, type Padding } from "./fields.js";
