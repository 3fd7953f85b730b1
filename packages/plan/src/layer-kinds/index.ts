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
import { NORMALIZATION_KINDS } from "./normalization.js";
import { POOLING_KINDS } from "./pooling.js";
import { REGULARIZATION_KINDS } from "./regularization.js";
import { RESHAPING_KINDS } from "./reshaping.js";
import { SPECIAL_KINDS } from "./special.js";
import { WEIGHT_KINDS } from "./weights.js";

export const LAYER_KINDS = [
  ...WEIGHT_KINDS,
  ...RESHAPING_KINDS,
  ...NORMALIZATION_KINDS,
  ...POOLING_KINDS,
  ...REGULARIZATION_KINDS,
  ...SPECIAL_KINDS,
] as const;

type Kind = (typeof LAYER_KINDS)[number];
export type Layer = z.infer<Kind["schema"]>;
export type LayerType = Layer["type"];
/** The layer of one type: `LayerOf<"dense">`. */
export type LayerOf<T extends LayerType> = Extract<Layer, { type: T }>;

export const LayerSchema = z.union(LAYER_KINDS.map((kind) => kind.schema) as unknown as [Kind["schema"], ...Kind["schema"][]]);

export const LAYER_TYPES = LAYER_KINDS.map((kind) => kind.type) as readonly LayerType[];

const byType = new Map<string, LayerKindDefinition<string, never>>(LAYER_KINDS.map((kind) => [kind.type, kind as unknown as LayerKindDefinition<string, never>]));

/** The definition of a layer's kind. */
export function layerKind<T extends LayerType>(type: T): LayerKindDefinition<T, LayerOf<T>> {
  const kind = byType.get(type);
  if (kind === undefined) throw new Error(`unknown layer type '${type}'`);
  return kind as unknown as LayerKindDefinition<T, LayerOf<T>>;
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
export { ACTIVATION_ALIASES, ACTIVATION_KINDS, ActivationSchema, PADDINGS, PaddingSchema, type Activation, type ActivationKind, type Padding } from "./fields.js";
