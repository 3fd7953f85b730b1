/**
 * `defineLayerKind`: everything the language and the plan know about one kind of layer, in
 * one object. The plan's `Layer` union and its JSON Schema, shape inference, the memory
 * estimate, and the `.gan` language's keywords, options, did-you-mean lists and lowering are
 * all derived from these definitions (see index.ts for the list); the runtime's builder of
 * each kind lives in @gan/core (model/layer-builders.ts). Nothing here loads tfjs: the
 * language and `gan check` use it and must start fast.
 */
import { z } from "zod";
import type { PathSegment } from "../path.js";
import { shape, SourceLocationSchema } from "../primitives.js";

/** Fields every layer carries once compiled: its inferred output shape and where it was written. */
export const layerCommon = {
  outputShape: shape.optional(),
  source: SourceLocationSchema.optional(),
};

/**
 * A layer's output shape, an error, or both when the output shape does not depend on the
 * error. A block also returns itself with the shapes of its nested layers filled in
 * (`layer`), and no shape and no error of its own when a nested layer's error was reported.
 */
export type ShapeStep = { shape: number[]; error?: string; layer?: unknown } | { shape: null; error?: string };

/** What a shape function may ask of shape inference. */
export interface ShapeContext {
  /**
   * Output shape of a `trick` layer, which only the trick's package knows
   * (`LoadedTrick.layerShape`). May throw; the message is reported for the layer.
   */
  trickLayerShape?(layer: { type: "trick"; trick: string; name: string; options: Record<string, unknown> }, inputShape: number[]): number[];
  /**
   * For blocks: infers the shapes of a list of layers inside the block, at `path` below the
   * block (`["layers"]`, `["branches", 1]`). Returns the layers with their shapes, the list's
   * output shape (null when unknown) and whether its layers were free of errors; the nested
   * layers' errors are reported by shape inference itself, at their own paths.
   */
  inferLayers(layers: readonly unknown[], input: number[], path: PathSegment[]): { layers: unknown[]; shape: number[] | null; ok: boolean };
}

/** How a value written after a layer keyword is read. */
export type SpecValue =
  /** An integer of at least 1. */
  | { kind: "integer" }
  /** Any number; `check` returns what is wrong with it (the message, without the value), or undefined. */
  | { kind: "number"; check?: (value: number) => string | undefined }
  /** A list of integers of at least 1: `[7, 7, 128]`. */
  | { kind: "shape" }
  /** One of a few words: `padding same`. */
  | { kind: "word"; choices: readonly string[] };

/** The value right after the keyword: `dense 128`, `dropout 0.3`, `reshape [7, 7, 128]`. */
export interface SpecArgument {
  /** The plan field it fills. */
  field: string;
  value: SpecValue;
  /** What it is, for messages: "the number of units", "a rate between 0 and 1". */
  noun: string;
  /** A whole example line: "dense 128". */
  example: string;
  /** When it may be left out (the schema's default applies). */
  optional?: boolean;
}

/** A word and its value after the argument: `kernel 4`, `padding same`. */
export interface SpecOption {
  /** The plan field it fills (default: the option's word). */
  field?: string;
  value: SpecValue;
  /** An example value, for "'kernel' needs a value: kernel 2". */
  example: string;
  /** When it must be written (its field has no default): `embedding 10 dim 64`. */
  required?: boolean;
}

/** How a kind is written in a `.gan` file. */
export interface LayerSyntax {
  /** Its keyword. */
  word: string;
  argument?: SpecArgument;
  /** The options it takes after the argument, by word, in the order messages list them. */
  options?: Readonly<Record<string, SpecOption>>;
  /**
   * Where an activation word on its line goes: "own", into the layer's `activation` field
   * (`dense 128 relu`); "next", into an activation layer after it (`batchnorm relu`).
   */
  activation: "own" | "next";
  /** Extra words for messages about an option it does not take: `{ kernel: "the size of the window is ..." }`. */
  optionHints?: Readonly<Record<string, string>>;
  /** Names from other tools, lower case, for "did you mean": `{ conv2d: "conv" }`. */
  aliases?: Readonly<Record<string, string>>;
}

interface LayerKindParts<L> {
  /** How it is written in a `.gan` file; absent for kinds only tricks or the compiler create. */
  syntax?: LayerSyntax;
  /** Its output shape for an input shape, as tfjs-layers computes it, or the error for the spec's author. */
  outputShape(layer: L, input: number[], context: ShapeContext): ShapeStep;
  /** Trainable values (and kept statistics) for an input shape; 0 when absent. */
  parameters?(layer: L, input: readonly number[]): number;
  /** Values kept per example for the backward pass, for its output shape; the output's size when absent. */
  activations?(layer: L, output: readonly number[]): number;
  /** How it is written in messages (`dense 128 relu`); its type when absent. */
  describe?(layer: L): string;
}

type KindShape<T extends string, S extends z.ZodRawShape> = { type: z.ZodLiteral<T> } & S & typeof layerCommon;
export type LayerKindSchema<T extends string, S extends z.ZodRawShape> = z.ZodObject<KindShape<T, S>, z.core.$strict>;

export interface LayerKindDefinition<T extends string = string, L = unknown> extends LayerKindParts<L> {
  type: T;
  schema: z.ZodType<L>;
}

/**
 * Defines a flat layer kind: its `type`, its plan fields (zod, with their defaults), and
 * the parts above. The plan schema is `{ type, ...fields, outputShape?, source? }`, strict.
 */
export function defineLayerKind<const T extends string, S extends z.ZodRawShape>(
  definition: { type: T; fields: S } & LayerKindParts<z.output<LayerKindSchema<T, S>>>,
): LayerKindDefinition<T, z.output<LayerKindSchema<T, S>>> & { schema: LayerKindSchema<T, S> } {
  const { fields, ...parts } = definition;
  const schema = z.strictObject({ type: z.literal(definition.type), ...fields, ...layerCommon }) as unknown as LayerKindSchema<T, S>;
  return { ...parts, schema };
}


