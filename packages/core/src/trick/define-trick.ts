/**
 * `defineTrick`: the one public way to write a trick. The object it returns is what a trick
 * package exports as its default export; core recognises it by a brand, so a package that
 * merely has a default export is not mistaken for a trick.
 */
import { z } from "zod";
import type { Layer, LossDeclaration, Plan, Rewrite, RewriteResult, TrickUse } from "@gan/plan";
import type { TrickLossDefinition } from "../losses/implementation.js";
import type { TrickHooks, TrickLayerFactory, TrickSetupContext } from "./hooks.js";

export const TRICK_BRAND = Symbol.for("@gan/core/trick");

/** What a rewrite hook gets: the plan so far and helpers that record every change. */
export interface RewriteContext<Options> {
  options: Options;
  use: TrickUse;
  /**
   * The declaration of the plan's loss, built in or a trick's: whether it takes targets, uses
   * D's logits on real data in G's update, ... (the label tricks refuse a loss without targets).
   */
  loss: LossDeclaration;
}

export interface TrickDefinition<Schema extends z.ZodObject> {
  /** The npm package name of the trick, e.g. "@gan/gp". */
  name: string;
  description?: string;
  /** Zod schema of the options; defaults in it are written into the plan. */
  options: Schema;
  /** "pre" tricks run before the others, "post" after; within a group, the order of `use` lines. */
  order?: "pre" | "post";
  /** Compile-time change of the plan; returns the new plan and what it changed. */
  rewrite?(plan: Plan, context: RewriteContext<z.output<Schema>>): RewriteResult;
  /** Output shape of `trick` layers this package provides. */
  layerShape?(layer: Extract<Layer, { type: "trick" }>, inputShape: number[]): number[];
  /**
   * The tfjs layers behind this package's `trick` layers, keyed by the layer's `name` in the
   * plan (`{ type: "trick", trick: "<this package>", name: "<key>" }`).
   */
  layers?: Record<string, TrickLayerFactory>;
  /**
   * Losses this package provides, keyed by the word a spec selects one with (`loss <key>`,
   * beside `use "<this package>"`); the plan records it as `{ kind: "trick", trick: "<this
   * package>", name: "<key>" }`. Each is its declaration (what the loop and the label tricks
   * must know) and its D and G losses. docs/ARCHITECTURE.md: "How to add a loss kind".
   */
  losses?: Record<string, TrickLossDefinition>;
  /** Run-time hooks. */
  setup?(context: TrickSetupContext<z.output<Schema>>): TrickHooks;
}

export interface Trick<Schema extends z.ZodObject = z.ZodObject> extends TrickDefinition<Schema> {
  readonly [TRICK_BRAND]: true;
}

export function defineTrick<Schema extends z.ZodObject>(definition: TrickDefinition<Schema>): Trick<Schema> {
  if (!definition.name) throw new Error("defineTrick: a trick needs a name (its package name)");
  return Object.freeze({ ...definition, [TRICK_BRAND]: true as const });
}

export function isTrick(value: unknown): value is Trick {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TRICK_BRAND] === true;
}

export type { Rewrite };
export { z };
