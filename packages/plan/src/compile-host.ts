/**
 * What the compiler needs from the outside world to resolve `use "..."` lines.
 *
 * The language (@gan/dsl) depends only on @gan/plan; loading trick packages is the job of
 * @gan/core. The CLI passes core's implementation of this interface to the compiler, which
 * keeps the arrows of the package graph pointing one way (cli -> dsl, core; dsl -> plan).
 */
import type { Data, DataClasses, EvalFeatures, JsonValue, Layer, Plan, Rewrite, TrickUse } from "./schema.js";
import type { LossDeclaration } from "./losses.js";

/** One problem with a trick's options; `path` points into the options object as written. */
export interface TrickOptionIssue {
  path: (string | number)[];
  message: string;
}

export type TrickOptionsResult =
  | { ok: true; options: Record<string, JsonValue> }
  | { ok: false; issues: TrickOptionIssue[] };

/** The outcome of a rewrite hook: the new plan and a record of every change, for `plan.rewrites`. */
export interface RewriteResult {
  plan: Plan;
  rewrites: Rewrite[];
}

/** A trick package as the compiler sees it. */
export interface LoadedTrick {
  /** Package name, as resolved. */
  package: string;
  /** Installed version of the package. */
  version: string;
  /** Rewrite hooks run "pre" tricks first, then the rest, then "post", each group in `use` order. */
  order: "pre" | "normal" | "post";
  /** The option names the trick knows, for did-you-mean suggestions. */
  optionNames: string[];
  /** Validates and defaults the options written in the spec. */
  validateOptions(raw: Record<string, JsonValue>): TrickOptionsResult;
  /**
   * Compile-time rewrite of the plan (may throw: the compiler names the trick in the
   * diagnostic). `loss` is the declaration of the plan's loss (a trick's, when the plan's loss
   * comes from one); without it, the plan's loss must be a built-in one.
   */
  rewrite?(plan: Plan, use: TrickUse, loss?: LossDeclaration): RewriteResult;
  /** Output shape of a `trick` layer this package provides, given its input shape. */
  layerShape?(layer: Extract<Layer, { type: "trick" }>, inputShape: number[]): number[];
  /** The losses this package provides, by the word a spec's `loss` statement selects one with. */
  losses?: Readonly<Record<string, LossDeclaration>>;
}

export type TrickLoadResult = { ok: true; trick: LoadedTrick } | { ok: false; message: string };

/** What the files of a data source hold, or the one-line problem with them. */
export type DataFactsResult =
  | { ok: true; shape: number[]; classes?: DataClasses }
  /** `option`: the path of the spec option the problem is with (["columns", 1]), when it is one option's. */
  | { ok: false; message: string; option?: (string | number)[] };

/** A data source as written in a spec, before its shape is known. */
export type DataWithoutShape = Data extends infer Source ? (Source extends Data ? Omit<Source, "shape"> : never) : never;

export interface CompileHost {
  /**
   * Resolves `packageName` with Node's resolution from `fromDir` (the spec's directory) and
   * loads it. Failure messages are complete sentences a user can act on, e.g.
   * "trick '@gan/gpp' is not installed: pnpm add @gan/gpp".
   */
  loadTrick(packageName: string, fromDir: string): Promise<TrickLoadResult>;
  /** Names of installed trick packages visible from `fromDir`, for did-you-mean suggestions. */
  installedTricks?(fromDir: string): Promise<string[]>;
  /**
   * What a file-backed data source (`mnist`, `idx`, `images`, `csv`, `npy`) holds, read from
   * its headers, listing or first file as training will open it: the shape of one sample and,
   * when the data asks for class labels, their names and counts. Paths in `data` are absolute.
   */
  dataShape?(data: DataWithoutShape): Promise<DataFactsResult>;
  /**
   * Whether the feature network of `eval every { features: ... }` can be read and has the
   * layer named (paths are absolute): a failure names what is wrong and which part of the
   * features it is about, so that the spec's diagnostic points at it.
   */
  featureNetwork?(features: EvalFeatures): Promise<FeatureNetworkResult>;
}

export type FeatureNetworkResult = { ok: true } | { ok: false; message: string; part: "model" | "layer" };
