/**
 * `compile`: a `.gan` file -> a plan, or the diagnostics that say why not.
 *
 * parse -> lower (AST -> plan parts) -> tricks (load, validate options, rewrite in order
 * pre, normal, post) -> shape inference and the checks that need the whole plan -> the
 * plan's own validation. Every stage reports into one list, so one run shows every
 * mistake it can find; a stage that depends on a part with an error skips that part rather
 * than report a consequence of it.
 */
import { createHash } from "node:crypto";
import { basename, dirname, resolve } from "node:path";
import {
  dataDefinition,
  dataShapeFits,
  describeLoss,
  formatPath,
  generatorInputSize,
  LOSS_ALIASES,
  LOSS_KINDS,
  lossDeclaration,
  TRICK_LOSS_KIND,
  memoryAdvice,
  overMemoryBudget,
  formatShape,
  inferNetworkShapes,
  layersAlong,
  PlanSchema,
  PLAN_VERSION,
  shapesEqual,
  shapeSize,
  validatePlan,
  walkLayers,
  type CompileHost,
  type Condition,
  type Data,
  type DataClasses,
  type DataWithoutShape,
  type JsonValue,
  type Layer,
  type LayerPath,
  type LoadedTrick,
  type Loss,
  type LossDeclaration,
  type NetworkName,
  type Plan,
  type Rewrite,
  type TrickLayer,
  type TrickUse,
} from "@gan/plan";
import type { NetworkStatement, Span, SpecNode, TrainStatement } from "./ast.js";
import { DiagnosticSink, hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { lowerSpec, type LoweredSpec, type LoweredUse } from "./lower.js";
import { parseDetailed, TOO_DEEP_MESSAGE } from "./parse.js";
import { closest, didYouMean, listQuoted } from "./suggest.js";
import { locate } from "./values.js";

export interface CompileOptions {
  /** The spec's path: diagnostics name it, tricks and data files are resolved from its directory. */
  file: string;
  /** Loads trick packages (and reads the shape of file-backed data): @gan/core's createCompileHost(). */
  host: CompileHost;
  /**
   * Bytes training may take: a plan whose estimated memory (estimateTrainingMemory) is larger
   * is an error located at the largest layer or at the batch. No limit when absent.
   */
  memoryBudget?: number;
}

export interface CompileResult {
  /** Present when there is no error (warnings may remain). */
  plan?: Plan;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
}

/** Compiles a spec. Never throws: an internal failure becomes a diagnostic too. */
export async function compile(text: string, { file, host, memoryBudget }: CompileOptions): Promise<CompileResult> {
  try {
    return await new Compilation(text, file, host, memoryBudget).run();
  } catch (error) {
    const message =
      error instanceof RangeError
        ? TOO_DEEP_MESSAGE
        : `internal error in the compiler, please report it: ${error instanceof Error ? error.message : String(error)}`;
    return { diagnostics: [{ file, line: 1, column: 1, severity: "error", message }] };
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The rewrite order (docs/ARCHITECTURE.md, "Life of a spec", step 4): "pre" tricks, then the others, then "post"; `use` order within each. */
const ORDER_RANK = { pre: 0, normal: 1, post: 2 } as const;

interface RewriteStep {
  use: LoweredUse;
  /** The plan after this use's rewrite hook. */
  plan: Plan;
}

interface ResolvedUse {
  use: LoweredUse;
  trick: LoadedTrick;
  options: Record<string, JsonValue>;
}

class Compilation {
  private readonly sink: DiagnosticSink;
  private readonly specDir: string;
  private quietLines: ReadonlySet<number> = new Set();
  private installed: Promise<string[]> | undefined;
  /** Loaded trick packages by name (also those that provide layers without a `use`). */
  private readonly tricks = new Map<string, LoadedTrick | undefined>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly host: CompileHost,
    private readonly memoryBudget: number | undefined,
  ) {
    this.sink = new DiagnosticSink(file);
    this.specDir = dirname(resolve(file));
  }

  private report(span: Span | undefined, message: string, severity: "error" | "warning" = "error"): void {
    if (span !== undefined && this.quietLines.has(span.line)) return;
    this.sink.add(severity, span, message);
  }

  async run(): Promise<CompileResult> {
    const parsed = parseDetailed(this.text, this.file);
    this.sink.diagnostics.push(...parsed.diagnostics);
    this.quietLines = parsed.syntaxErrorLines;
    if (parsed.ast === undefined) return this.result();
    const syntaxErrors = hasErrors(parsed.diagnostics);

    const lowered = lowerSpec(parsed.ast, { specDir: this.specDir, sink: this.sink, quietLines: this.quietLines, partial: syntaxErrors });
    const uses = await this.resolveUses(lowered.uses);
    const dataShape = await this.dataShape(lowered);

    // A network block with a syntax error inside may have lost a line: its shapes would mislead.
    const networkIntact = (statement: NetworkStatement) =>
      ![...this.quietLines].some((line) => line >= statement.span.line && line <= statement.span.endLine);

    const loss = this.resolveLoss(lowered, uses);
    let plan = this.assemble(lowered, uses, dataShape, loss);
    let rewrites: RewriteStep[] = [];
    if (plan !== undefined && uses.every((u) => u !== undefined) && !hasErrors(this.sink.diagnostics)) {
      const rewritten = this.applyRewrites(plan, uses as ResolvedUse[]);
      plan = rewritten?.plan;
      rewrites = rewritten?.steps ?? [];
    }
    if (plan !== undefined) {
      if (!hasErrors(this.sink.diagnostics)) {
        // The plan's own validation (schema, schedules, windows, shapes) is the last word, and
        // on success the only one needed: the checks below exist to say where a problem is.
        for (const network of Object.values(plan.networks)) await this.loadLayerTricks(network.layers);
        const validated = validatePlan(plan, { trickLayerShape: this.trickLayerShape });
        if (validated.ok) {
          this.checkOutputRange(validated.plan, lowered);
          this.checkMemory(validated.plan, lowered);
          await this.checkFeatureNetwork(validated.plan, lowered);
          return this.result(validated.plan);
        }
        if (rewrites.length > 0 && this.blameRewrite(rewrites)) return this.result();
        const checked = await this.checkShapes(plan, lowered, networkIntact);
        if (checked !== undefined) {
          // Nothing found at a place in the source: report the plan's errors as they are.
          for (const error of validated.errors) {
            this.report(this.locatePlanPath(parsePath(error.path), lowered), error.path === "" ? error.message : `${error.path}: ${error.message}`);
          }
        }
        return this.result();
      }
      await this.checkShapes(plan, lowered, networkIntact);
      return this.result();
    }
    // No whole plan (a part is missing or wrong): the networks that are there are still checked.
    await this.checkNetworksAlone(lowered, dataShape, networkIntact);
    return this.result();
  }

  private result(plan?: Plan): CompileResult {
    const diagnostics = sortDiagnostics(this.sink.diagnostics);
    if (plan !== undefined && !hasErrors(diagnostics)) return { plan, diagnostics };
    if (!hasErrors(diagnostics)) {
      // Every path that fails reports why; this guards against one that does not.
      diagnostics.push({ file: this.file, line: 1, column: 1, severity: "error", message: "internal error in the compiler: no plan and no diagnostic" });
    }
    return { diagnostics };
  }

  // -------------------------------------------------------------------------
  // Tricks
  // -------------------------------------------------------------------------

  private async loadTrick(packageName: string): Promise<LoadedTrick | string> {
    if (this.tricks.has(packageName)) {
      const cached = this.tricks.get(packageName);
      return cached ?? `trick '${packageName}' could not be loaded`;
    }
    let message: string;
    try {
      const loaded = await this.host.loadTrick(packageName, this.specDir);
      if (loaded.ok) {
        this.tricks.set(packageName, loaded.trick);
        return loaded.trick;
      }
      message = loaded.message;
    } catch (error) {
      message = `trick '${packageName}' could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.tricks.set(packageName, undefined);
    return message;
  }

  private async installedTricks(): Promise<string[]> {
    this.installed ??= (async () => {
      try {
        return (await this.host.installedTricks?.(this.specDir)) ?? [];
      } catch {
        return [];
      }
    })();
    return this.installed;
  }

  /** Loads each used trick and validates its options; undefined entries had a problem (reported). */
  private async resolveUses(uses: LoweredUse[]): Promise<(ResolvedUse | undefined)[]> {
    const resolved: (ResolvedUse | undefined)[] = [];
    for (const use of uses) {
      const packageSpan = use.statement.package?.span ?? use.statement.span;
      const loaded = await this.loadTrick(use.package);
      if (typeof loaded === "string") {
        const suggestion = closest(use.package, (await this.installedTricks()).filter((name) => name !== use.package));
        this.report(packageSpan, suggestion !== undefined ? `${loaded} (did you mean '${suggestion}'?)` : loaded);
        resolved.push(undefined);
        continue;
      }
      const options = this.validateTrickOptions(loaded, use);
      resolved.push(options === undefined || !use.valid ? undefined : { use, trick: loaded, options });
    }
    return resolved;
  }

  private validateTrickOptions(trick: LoadedTrick, use: LoweredUse): Record<string, JsonValue> | undefined {
    const object = use.statement.options;
    const known: Record<string, JsonValue> = {};
    let unknownKeys = false;
    for (const [key, value] of Object.entries(use.options)) {
      if (trick.optionNames.includes(key)) {
        known[key] = value;
        continue;
      }
      unknownKeys = true;
      const entry = object?.entries.find((e) => e.key.text === key);
      const suggestion = closest(key, trick.optionNames);
      this.report(
        entry?.key.span ?? use.statement.span,
        `${use.package} has no option '${key}'` +
          (suggestion !== undefined
            ? `, did you mean '${suggestion}'?`
            : trick.optionNames.length > 0
              ? `: its options are ${listQuoted(trick.optionNames, "and")}`
              : ": it takes no options"),
      );
    }
    let result: ReturnType<LoadedTrick["validateOptions"]>;
    try {
      result = trick.validateOptions(known);
    } catch (error) {
      this.report(use.statement.span, `trick '${use.package}' failed to validate its options: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    if (!result.ok) {
      for (const issue of result.issues) {
        const path = issue.path;
        const span = object !== undefined && path.length > 0 ? locate(object, path) : (object?.span ?? use.statement.span);
        const message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
        this.report(span, path.length > 0 ? `${use.package} option '${formatPath(path)}': ${message}` : `${use.package}: ${message}`);
      }
      return undefined;
    }
    return unknownKeys ? undefined : result.options;
  }

  // -------------------------------------------------------------------------
  // The plan
  // -------------------------------------------------------------------------

  /**
   * The shape of one sample: from the source's kind, the spec, or the host (file-backed data).
   * File-backed data is opened even when the spec gives its shape, so that `gan check` finds
   * a missing folder, images of mixed sizes or a shape the files do not hold, as `gan train`
   * would.
   */
  private async dataShape(lowered: LoweredSpec): Promise<number[] | undefined> {
    const data = lowered.data;
    if (data === undefined) return undefined;
    const definition = dataDefinition(data.kind);
    if (!definition.readsFiles) return data.shape;
    const span = data.statement.source?.span ?? data.statement.span;
    // A problem with the files is shown at the path or option that names them, where there is one.
    const filesAt = definition.filesAt === "path" ? data.statement.path?.span : data.statement.options?.entries.find((entry) => entry.key.text === definition.filesAt)?.value?.span;
    const pathSpan = filesAt ?? span;
    if (this.host.dataShape === undefined) {
      if (data.shape !== undefined) return data.shape;
      this.report(span, `the shape of the samples of data ${data.kind} is not known: give it in the spec: data ${data.kind} { ..., shape: [28, 28, 1] }`);
      return undefined;
    }
    let found: Awaited<ReturnType<NonNullable<CompileHost["dataShape"]>>>;
    try {
      found = await this.host.dataShape({ ...data.fields } as unknown as DataWithoutShape);
    } catch (error) {
      found = { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    // The files cannot be read: a shape in the spec would not help, so none is suggested.
    if (!found.ok) {
      const options = data.statement.options;
      const at = found.option !== undefined && options !== undefined ? locate(options, found.option) : undefined;
      this.report(at ?? pathSpan, `data ${data.kind}: ${found.message}`);
      return undefined;
    }
    // The class names and counts the files hold: part of the plan, for conditional networks.
    if (data.fields.classes !== undefined) {
      if (found.classes === undefined) {
        const written = data.statement.options?.entries.find((entry) => entry.key.text === "classes");
        this.report(written?.value?.span ?? span, `data ${data.kind}: the files gave no class labels`);
        return undefined;
      }
      data.fields.classes = found.classes;
    }
    if (data.shape === undefined) return found.shape;
    const [height, width, channels] = found.shape;
    if (shapesEqual(data.shape, found.shape)) return data.shape;
    if (found.shape.length === 3 && dataShapeFits(data.shape, [height!, width!, channels!], data.kind)) return data.shape;
    const written = data.statement.options?.entries.find((entry) => entry.key.text === "shape");
    this.report(
      written?.value?.span ?? span,
      `data ${data.kind}: the files hold images of ${formatShape(found.shape)} (height x width x channels), but the spec gives shape ${formatShape(data.shape)}`,
    );
    return undefined;
  }

  /**
   * The plan's loss: a built-in kind, or a loss that a used trick provides under the word the
   * spec wrote (`{ kind: "trick", trick, name }`). An unknown word is reported with the words
   * it may have meant, built in and provided.
   */
  private resolveLoss(lowered: LoweredSpec, uses: readonly (ResolvedUse | undefined)[]): Loss | undefined {
    const word = lowered.lossWord;
    if (word === undefined) return lowered.loss;
    const loaded = uses.filter((use): use is ResolvedUse => use !== undefined);
    const providers = loaded.filter((use) => Object.hasOwn(use.trick.losses ?? {}, word.text)).map((use) => use.use.package);
    if (providers.length === 1) return { kind: TRICK_LOSS_KIND, trick: providers[0]!, name: word.text };
    if (providers.length > 1) {
      this.report(word.span, `loss '${word.text}' is provided by several tricks (${listQuoted(providers, "and")}): use only one of them`);
      return undefined;
    }
    // A trick that did not load may be the one that provides it: its own error says enough.
    if (loaded.length < uses.length) return undefined;
    const words = [...LOSS_KINDS, ...loaded.flatMap((use) => Object.keys(use.trick.losses ?? {}))];
    this.report(word.span, `unknown loss '${word.text}'${didYouMean(word.text, words, LOSS_ALIASES) || `: the losses are ${listQuoted(words)}`}`);
    return undefined;
  }

  /** The declaration of a plan's loss: a built-in's, or the one the loaded trick provides. */
  private lossDeclaration(plan: Plan): LossDeclaration | undefined {
    return lossDeclaration(plan.loss, (trick, name) => {
      const losses = this.tricks.get(trick)?.losses;
      return losses !== undefined && Object.hasOwn(losses, name) ? losses[name] : undefined;
    });
  }

  /** The plan before rewrites, or undefined when a part is missing or wrong (already reported). */
  private assemble(lowered: LoweredSpec, uses: (ResolvedUse | undefined)[], dataShape: number[] | undefined, loss: Loss | undefined): Plan | undefined {
    const { name, data, latent, networks, optimizers, train } = lowered;
    const condition = this.condition(lowered);
    if (name === undefined || data === undefined || dataShape === undefined || latent === undefined || loss === undefined || condition === null) return undefined;
    if (optimizers === undefined || train === undefined || networks.generator === undefined || networks.discriminator === undefined) return undefined;
    const dataSpan = data.statement.span;
    const tricks: TrickUse[] = uses.flatMap((resolved) =>
      resolved === undefined
        ? []
        : [
            {
              package: resolved.use.package,
              version: resolved.trick.version,
              options: resolved.options,
              window: resolved.use.window,
              source: { line: resolved.use.statement.span.line, column: resolved.use.statement.span.column },
            },
          ],
    );
    const plan = {
      planVersion: PLAN_VERSION,
      name,
      source: { file: basename(this.file), sha256: sha256(this.text) },
      data: { ...data.fields, shape: dataShape, source: { line: dataSpan.line, column: dataSpan.column } },
      latent,
      ...(condition && { condition }),
      networks: {
        generator: { inputShape: [generatorInputSize({ latent, condition })], layers: networks.generator.layers },
        discriminator: { inputShape: dataShape, layers: networks.discriminator.layers },
      },
      loss,
      optimizers,
      train,
      tricks,
      rewrites: [],
    };
    // Each part was built through its schema; the whole is validated after the rewrites.
    return plan as unknown as Plan;
  }

  /**
   * The plan's condition: `condition classes` with the number of classes the data's labels
   * hold; undefined without a condition statement, null when there is no plan to make (the
   * data has no labels: reported at the statement; or another part failed).
   */
  private condition(lowered: LoweredSpec): Condition | undefined | null {
    const statement = lowered.spec.statements.find((s) => s.kind === "condition");
    if (statement === undefined) return undefined;
    const condition = lowered.condition;
    const data = lowered.data;
    if (condition === undefined || data === undefined) return null;
    const classes = data.fields.classes as DataClasses | undefined;
    if (classes === undefined) {
      const hint = dataDefinition(data.kind).options.includes("classes")
        ? `give data ${data.kind} its 'classes' option (data mnist { classes: "labels" }, data images "dir/" { classes: "folders" })`
        : `data ${data.kind} has no class labels (data mnist, idx and images have them, with their 'classes' option)`;
      this.report(condition.statement.span, `condition classes needs class labels in the data: ${hint}`);
      return null;
    }
    if (!("names" in classes)) {
      // Counted only when the host reads the data's files; a failed reading was reported already.
      if (this.host.dataShape === undefined) this.report(condition.statement.span, `condition classes: the classes of data ${data.kind} cannot be counted here, where no data file is read`);
      return null;
    }
    if (classes.names.length < 2) {
      this.report(condition.statement.span, `condition classes needs at least 2 classes, but the data has ${classes.names.length}`);
      return null;
    }
    const { span } = condition.statement;
    return { kind: "classes", classes: classes.names.length, embedding: condition.embedding ?? classes.names.length, discriminator: "projection", source: { line: span.line, column: span.column } };
  }

  /**
   * Runs the rewrite hooks in order, appending what each changed to `plan.rewrites`. The
   * plan is validated once, after the last hook (a spec may use hundreds of tricks on
   * thousands of layers); `blameRewrite` finds the hook to name when that fails.
   */
  private applyRewrites(plan: Plan, uses: ResolvedUse[]): { plan: Plan; steps: RewriteStep[] } | undefined {
    const ordered = uses
      .map((resolved, index) => ({ resolved, index }))
      .sort((a, b) => ORDER_RANK[a.resolved.trick.order] - ORDER_RANK[b.resolved.trick.order] || a.index - b.index);
    // Hooks get a frozen plan: one that changed it in place would change the plans before
    // it too, and the record of which trick did what would be wrong.
    let current = deepFreeze(plan);
    const steps: RewriteStep[] = [];
    for (const { resolved, index } of ordered) {
      const rewrite = resolved.trick.rewrite;
      if (rewrite === undefined) continue;
      const span = resolved.use.statement.span;
      const name = resolved.use.package;
      const loss = this.lossDeclaration(current);
      if (loss === undefined) {
        // Only an earlier rewrite can have set a loss that no loaded trick provides.
        this.report(span, `trick '${name}' cannot run its rewrite hook: an earlier rewrite set the loss to ${describeLoss(current.loss)}, which no used trick provides`);
        return undefined;
      }
      let result: { plan: Plan; rewrites: Rewrite[] };
      try {
        // The use is a copy: a hook that changed it would change what the plan records.
        result = rewrite.call(resolved.trick, current, structuredClone(current.tricks[index]!), loss);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const hint = error instanceof TypeError && /read.only|not extensible|frozen|cannot (assign|delete|add|define)/i.test(message) ? " (a rewrite hook returns a new plan: it must not change the one it is given)" : "";
        this.report(span, `trick '${name}' failed in its rewrite hook: ${message}${hint}`);
        return undefined;
      }
      if (result === null || typeof result !== "object" || result.plan === null || typeof result.plan !== "object" || !Array.isArray(result.rewrites)) {
        this.report(span, `trick '${name}' failed in its rewrite hook: it must return { plan, rewrites }`);
        return undefined;
      }
      if (result.plan === current && result.rewrites.length === 0) continue;
      // The tricks and the record of rewrites are the compiler's, whatever the hook returned.
      current = deepFreeze({ ...result.plan, tricks: plan.tricks, rewrites: [...current.rewrites, ...result.rewrites] });
      steps.push({ use: resolved.use, plan: current });
    }
    return { plan: current, steps };
  }

  /**
   * After the rewritten plan failed validation: names the first hook whose plan does not
   * match the plan's schema. False when they all do (the problem is elsewhere, e.g. shapes).
   */
  private blameRewrite(steps: readonly RewriteStep[]): boolean {
    for (const step of steps) {
      const parsed = PlanSchema.safeParse(step.plan);
      if (parsed.success) continue;
      const issue = parsed.error.issues[0]!;
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
      this.report(step.use.statement.span, `trick '${step.use.package}' made the plan invalid in its rewrite hook: ${formatPath(path)}: ${issue.message}`);
      return true;
    }
    return false;
  }

  /** Loads the packages of trick layers that no `use` loaded (a rewrite may add them). */
  private async loadLayerTricks(layers: readonly Layer[]): Promise<void> {
    for (const { layer } of walkLayers(layers)) {
      if (layer.type === "trick" && !this.tricks.has(layer.trick)) await this.loadTrick(layer.trick);
    }
  }

  private trickLayerShape = (layer: TrickLayer, input: number[]): number[] => {
    const trick = this.tricks.get(layer.trick);
    if (trick === undefined) throw new Error(`the layer '${layer.name}' comes from '${layer.trick}', which could not be loaded`);
    if (trick.layerShape === undefined) throw new Error(`trick '${layer.trick}' does not tell the output shape of its layer '${layer.name}'`);
    return trick.layerShape(layer, input);
  };

  /**
   * Where a layer of a network was written (`at`: its index, or its path into blocks); a
   * layer a trick added points at the block that holds it, or at its network.
   */
  private layerSpan(layers: readonly Layer[], at: number | LayerPath, statement: NetworkStatement): Span {
    const source = layersAlong(layers, typeof at === "number" ? [at] : at)
      .reverse()
      .find((layer) => layer.source !== undefined)?.source;
    if (source === undefined) return statement.keyword.span;
    const lineText = this.text.split(/\r\n|\r|\n/)[source.line - 1] ?? "";
    const word = /^[A-Za-z_-]+/.exec(lineText.slice(source.column - 1))?.[0] ?? "";
    const endColumn = source.column + Math.max(word.length, 1) - 1;
    return { line: source.line, column: source.column, endLine: source.line, endColumn, startOffset: 0, endOffset: 0 };
  }

  /** Infers the shape of every layer; checks the generator against the data and the discriminator's score. */
  private async checkShapes(
    plan: Plan,
    lowered: LoweredSpec,
    networkIntact: (statement: NetworkStatement) => boolean,
  ): Promise<Plan | undefined> {
    let ok = true;
    const networks = { ...plan.networks };
    for (const name of ["generator", "discriminator"] as const) {
      const statement = lowered.networks[name]!.statement;
      if (!networkIntact(statement)) {
        ok = false;
        continue;
      }
      const network = plan.networks[name];
      await this.loadLayerTricks(network.layers);
      const inferred = inferNetworkShapes(network, { trickLayerShape: this.trickLayerShape });
      if (!inferred.ok) {
        for (const error of inferred.errors) this.report(this.layerSpan(network.layers, error.path, statement), error.message);
        ok = false;
        continue;
      }
      networks[name] = { ...network, layers: inferred.layers, outputShape: inferred.outputShape };
      if (!this.checkOutput(name, inferred.outputShape, network.layers, statement, plan.data)) ok = false;
    }
    if (!ok) return undefined;
    const checked = { ...plan, networks };
    this.checkOutputRange(checked, lowered);
    return checked;
  }

  private checkOutput(name: NetworkName, output: number[], layers: readonly Layer[], statement: NetworkStatement, data: Pick<Data, "kind" | "shape">): boolean {
    const span = this.layerSpan(layers, layers.length - 1, statement);
    if (name === "generator") {
      if (shapesEqual(output, data.shape)) return true;
      const fix = shapeSize(output) === shapeSize(data.shape) ? `: end it with 'reshape ${formatShape(data.shape)}'` : "";
      this.report(span, `the generator ends with shape ${formatShape(output)} but the data '${data.kind}' has shape ${formatShape(data.shape)}${fix}`);
      return false;
    }
    if (shapesEqual(output, [1])) return true;
    const fix = output.length === 1 ? ": end it with 'dense 1'" : ": end it with 'flatten' and 'dense 1'";
    this.report(span, `the discriminator must end in one unit (a score per sample) but ends with shape ${formatShape(output)}${fix}`);
    return false;
  }

  /**
   * A generator whose last activation cannot reach the range the discriminator sees real data
   * in (tanh outputs [-1, 1], MNIST is in [0, 1]) is told apart from real data by its range
   * alone. A warning: the spec may map the data with a trick (@gan/normalize) in a way the
   * compiler cannot see.
   */
  private checkOutputRange(plan: Plan, lowered: LoweredSpec): void {
    const range = plan.data.range;
    if (range === null) return;
    const layers = plan.networks.generator.layers;
    const last = layers[layers.length - 1];
    if (last === undefined) return;
    const activation = "activation" in last ? last.activation?.kind : undefined;
    const produces: Record<string, [number, number]> = { tanh: [-1, 1], sigmoid: [0, 1] };
    const out = activation === undefined ? undefined : produces[activation];
    if (out === undefined || (out[0] === range[0] && out[1] === range[1])) return;
    const better = Object.entries(produces).find(([, r]) => r[0] === range[0] && r[1] === range[1])?.[0];
    this.report(
      this.layerSpan(layers, layers.length - 1, lowered.networks.generator!.statement),
      `the generator ends in ${activation}, which outputs [${out.join(", ")}], but the discriminator sees the data '${plan.data.kind}' in ` +
        `[${range.join(", ")}]${better !== undefined ? `: end it with ${better}` : ""}, or map the data with use "@gan/normalize"`,
      "warning",
    );
  }

  /** A plan whose training would not fit the memory budget: an error at the layer or batch that makes it so large. */
  private checkMemory(plan: Plan, lowered: LoweredSpec): void {
    if (this.memoryBudget === undefined) return;
    const over = overMemoryBudget(plan, this.memoryBudget);
    if (over === undefined) return;
    if (over.blame.kind === "layer") {
      const { network, index } = over.blame.layer;
      this.report(this.layerSpan(plan.networks[network].layers, index, lowered.networks[network]!.statement), `${over.summary}; ${memoryAdvice(over, "this layer")}`);
      return;
    }
    const train = lowered.spec.statements.find((s) => s.kind === "train");
    const batch = train?.kind === "train" ? train.settings.find((s) => s.name.text === "batch") : undefined;
    this.report(batch?.value?.span ?? train?.span, `${over.summary}: ${memoryAdvice(over, "this layer")}`);
  }

  /** Shape checks for the networks of a spec that did not make a whole plan. */
  private async checkNetworksAlone(
    lowered: LoweredSpec,
    dataShape: number[] | undefined,
    networkIntact: (statement: NetworkStatement) => boolean,
  ): Promise<void> {
    const inputs: Record<NetworkName, number[] | undefined> = {
      // Under a condition without a plan, the class embedding's size is not known: the generator is not checked alone.
      generator: lowered.latent && lowered.condition === undefined ? [lowered.latent.size] : undefined,
      discriminator: dataShape,
    };
    for (const name of ["generator", "discriminator"] as const) {
      const network = lowered.networks[name];
      const inputShape = inputs[name];
      if (network === undefined || inputShape === undefined || !networkIntact(network.statement)) continue;
      await this.loadLayerTricks(network.layers);
      const inferred = inferNetworkShapes({ inputShape, layers: network.layers }, { trickLayerShape: this.trickLayerShape });
      if (!inferred.ok) {
        for (const error of inferred.errors) this.report(this.layerSpan(network.layers, error.path, network.statement), error.message);
        continue;
      }
      if (name === "discriminator" || (dataShape !== undefined && lowered.data !== undefined)) {
        this.checkOutput(name, inferred.outputShape, network.layers, network.statement, { kind: lowered.data?.kind ?? "ring", shape: dataShape ?? [] });
      }
    }
  }

  /** The feature network of `eval every { features }` exists and has its layer, reported at the option that names what is wrong. */
  private async checkFeatureNetwork(plan: Plan, lowered: LoweredSpec): Promise<void> {
    const features = plan.train.eval?.features;
    if (features === undefined || this.host.featureNetwork === undefined) return;
    const found = await this.host.featureNetwork(features);
    if (!found.ok) this.report(trainSettingSpan(lowered.spec, "eval", "features", found.part), `features: ${found.message}`);
  }

  /** The statement a plan path comes from, for errors found in the plan rather than in the source. */
  private locatePlanPath(path: readonly (string | number)[], lowered: LoweredSpec): Span | undefined {
    const [head, second, third] = path;
    const spec = lowered.spec;
    if (head === "networks" && (second === "generator" || second === "discriminator")) {
      const network = lowered.networks[second];
      if (network === undefined) return spec.name?.span;
      return third === "layers" && typeof path[3] === "number" ? this.layerSpan(network.layers, path.slice(3), network.statement) : network.statement.keyword.span;
    }
    if (head === "tricks" && typeof second === "number") return lowered.uses[second]?.statement.span;
    if (head === "data") return lowered.data?.statement.span;
    if (head === "train" && typeof second === "string") {
      const span = trainSettingSpan(spec, second, third, path[3]);
      if (span !== undefined) return span;
    }
    const statement = spec.statements.find((s) => s.kind === head || (head === "optimizers" && s.kind === "optimizer"));
    return statement?.span ?? spec.name?.span;
  }
}

/** The eval option that writes each part of the plan's `eval.features`. */
const FEATURES_OPTIONS: Record<string, string> = { model: "features", layer: "featuresLayer", inputRange: "featuresRange" };

/** Where a train setting of the plan (`eval`, `keepBest`, `stopWhenStalls`, `eval.metrics[i]` or `eval.features.*`) is written. */
function trainSettingSpan(spec: SpecNode, key: string, third: string | number | undefined, fourth: string | number | undefined): Span | undefined {
  const train = spec.statements.find((s): s is TrainStatement => s.kind === "train");
  const name = { eval: "eval", keepBest: "keep", stopWhenStalls: "stop" }[key];
  const setting = train?.settings.find((s) => s.name.text === name && (key !== "keepBest" || (s.value !== undefined && !("kind" in s.value))));
  if (setting === undefined) return undefined;
  const option = (text: string) => setting.options?.entries.find((entry) => entry.key.text === text)?.value;
  if (key === "eval" && third === "metrics" && typeof fourth === "number") {
    const list = option("metrics");
    if (list?.kind === "list") return list.items[fourth]?.span ?? list.span;
  }
  if (key === "eval" && third === "features") return (option(FEATURES_OPTIONS[String(fourth ?? "model")] ?? "features") ?? option("features"))?.span ?? setting.span;
  return setting.span;
}

/** Freezes `value` and everything in it; what is frozen already is not walked again. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** `networks.generator.layers[2].units` -> ["networks", "generator", "layers", 2, "units"] */
function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[3] !== undefined) out.push(JSON.parse(`"${match[3]}"`) as string);
  }
  return out;
}
