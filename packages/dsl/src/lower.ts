/**
 * AST -> the parts of a plan, before tricks: every statement checked where it is written,
 * defaults filled in from the plan's schemas, problems reported at the word or value that
 * causes them (with a did-you-mean where a known word is near).
 *
 * After a syntax error the AST is partial: checks still run on what is there, but a line
 * that already has a syntax error gets no second diagnostic, and nothing is reported as
 * missing (it may be the part that did not parse).
 */
import { isAbsolute, resolve } from "node:path";
import {
  AdamSchema,
  BACKENDS,
  DATA_KINDS,
  dataDefinition,
  isBuiltinLossKind,
  OPTIMIZER_KINDS,
  RmspropSchema,
  SgdSchema,
  TrainSchema,
  type DataKind,
  type JsonValue,
  type Latent,
  type Layer,
  type Loss,
  type NetworkName,
  type Optimizer,
  type OptimizerKind,
  type Train,
  type Window,
} from "@gan/plan";
import type {
  ConditionStatement,
  DataStatement,
  LatentStatement,
  NetworkStatement,
  ObjectValue,
  OptimizerStatement,
  Span,
  SpecNode,
  Statement,
  TrainStatement,
  UseStatement,
  Value,
  Word,
} from "./ast.js";
import type { DiagnosticSink } from "./diagnostics.js";
import { issueText, valueAtPath, type SchemaIssue } from "./issues.js";
import { lowerLayers } from "./layers.js";
import { closest, didYouMean, listQuoted } from "./suggest.js";
import { integerAtLeast, isExpression, locate, objectEntries, type Report, type ValueContext } from "./values.js";
import { lowerEval, lowerKeepBest, lowerStopWhen } from "./train-eval.js";

export interface LoweringContext {
  /** The spec's directory, absolute: file paths in `data` are resolved against it. */
  specDir: string;
  sink: DiagnosticSink;
  /** Lines with a syntax error: nothing more is reported there. */
  quietLines: ReadonlySet<number>;
  /** True after a syntax error: missing statements are not reported. */
  partial: boolean;
}

/** The data statement, validated, its shape still to be found when the spec does not give it. */
export interface LoweredData {
  kind: DataKind;
  /** Fields of the plan's data object (defaults filled in) except `shape`. */
  fields: Record<string, JsonValue>;
  shape?: number[];
  statement: DataStatement;
}

export interface LoweredNetwork {
  layers: Layer[];
  statement: NetworkStatement;
}

export interface LoweredUse {
  package: string;
  /** Options as written, schedules as plan schedule objects; trick validation comes later. */
  options: Record<string, JsonValue>;
  window: Window;
  statement: UseStatement;
  /** False when the window had a problem (reported): the trick is still loaded and its options checked. */
  valid: boolean;
}

/** `condition classes { embedding: N }`: the plan's condition is made once the data's classes are known. */
export interface LoweredCondition {
  /** The size of G's class embedding when the spec gives it; else the number of classes. */
  embedding?: number;
  statement: ConditionStatement;
}

/** The plan's parts; a part is absent when its statement is missing or has an error. */
export interface LoweredSpec {
  name?: string;
  data?: LoweredData;
  latent?: Latent;
  condition?: LoweredCondition;
  networks: Partial<Record<NetworkName, LoweredNetwork>>;
  loss?: Loss;
  /** A `loss` word that is no built-in kind: the compiler looks for it among the used tricks' losses. */
  lossWord?: Word;
  optimizers?: Record<NetworkName, Optimizer>;
  train?: Train;
  uses: LoweredUse[];
  spec: SpecNode;
}

const OPTIMIZER_SCHEMAS = { adam: AdamSchema, sgd: SgdSchema, rmsprop: RmspropSchema };
const TRAIN_SETTING_NAMES = ["steps", "batch", "seed", "sample", "checkpoint", "keep", "log", "backend", "eval", "stop"] as const;
const EVERY_SETTINGS = ["sample", "checkpoint", "log"];

export function lowerSpec(spec: SpecNode, context: LoweringContext): LoweredSpec {
  return new Lowering(spec, context).run();
}

class Lowering {
  private readonly report: Report;
  private readonly values: ValueContext;

  constructor(
    private readonly spec: SpecNode,
    private readonly context: LoweringContext,
  ) {
    this.report = (span, message) => {
      if (span !== undefined && context.quietLines.has(span.line)) return;
      context.sink.error(span ?? this.headSpan(), message);
    };
    this.values = { steps: undefined, report: this.report };
  }

  /** Where problems of the spec as a whole are reported: its name. */
  private headSpan(): Span {
    return this.spec.name?.span ?? this.spec.span;
  }

  private missing(message: string): void {
    if (!this.context.partial) this.report(this.headSpan(), message);
  }

  run(): LoweredSpec {
    const byKind = this.groupStatements();
    const out: LoweredSpec = { networks: {}, uses: [], spec: this.spec };

    const name = this.spec.name === undefined ? undefined : "value" in this.spec.name ? this.spec.name.value : this.spec.name.text;
    if (name !== undefined && name.length === 0) this.report(this.spec.name!.span, "the spec's name must not be empty");
    else if (name !== undefined) out.name = name;

    // Train first: schedules and windows elsewhere are checked against its steps.
    const train = byKind.train[0] as TrainStatement | undefined;
    if (train === undefined) this.missing("the spec has no train { ... }: add one with at least 'steps N'");
    else {
      const lowered = this.lowerTrain(train);
      if (lowered !== undefined) {
        out.train = lowered;
        this.values.steps = lowered.steps;
      }
    }

    const data = byKind.data[0] as DataStatement | undefined;
    if (data === undefined) this.missing("the spec has no data statement: add one, e.g. 'data ring'");
    else {
      const lowered = this.lowerData(data);
      if (lowered !== undefined) out.data = lowered;
    }

    const latent = byKind.latent[0] as LatentStatement | undefined;
    if (latent === undefined) this.missing("the spec has no latent statement: add one, e.g. 'latent 64'");
    else {
      const lowered = this.lowerLatent(latent);
      if (lowered !== undefined) out.latent = lowered;
    }

    const condition = byKind.condition[0] as ConditionStatement | undefined;
    if (condition !== undefined) {
      const lowered = this.lowerCondition(condition);
      if (lowered !== undefined) out.condition = lowered;
    }

    for (const network of ["generator", "discriminator"] as const) {
      const statement = (byKind.network as NetworkStatement[]).find((s) => s.network === network);
      if (statement === undefined) {
        this.missing(`the spec has no ${network} { ... }`);
        continue;
      }
      if (statement.layers.length === 0) {
        this.report(statement.keyword.span, `the ${network} has no layers`);
        continue;
      }
      const layers = lowerLayers(statement.layers, this.report);
      if (layers !== undefined) out.networks[network] = { layers, statement };
    }

    const loss = byKind.loss[0];
    if (loss === undefined) out.loss = { kind: "nonsaturating" };
    else if (loss.kind === "loss" && loss.loss !== undefined) {
      const kind = loss.loss.text;
      if (isBuiltinLossKind(kind)) out.loss = { kind };
      else out.lossWord = loss.loss;
    }

    const optimizers = this.lowerOptimizers(byKind.optimizer as OptimizerStatement[]);
    if (optimizers !== undefined) out.optimizers = optimizers;

    for (const use of byKind.use as UseStatement[]) {
      const lowered = this.lowerUse(use);
      if (lowered !== undefined) out.uses.push(lowered);
    }
    return out;
  }

  /** Statements by kind; a second data, latent, loss or train statement (or network block) is an error. */
  private groupStatements(): Record<Statement["kind"], Statement[]> {
    const byKind: Record<Statement["kind"], Statement[]> = { data: [], latent: [], condition: [], network: [], loss: [], optimizer: [], train: [], use: [] };
    for (const statement of this.spec.statements) {
      const group = byKind[statement.kind];
      const single = statement.kind === "data" || statement.kind === "latent" || statement.kind === "condition" || statement.kind === "loss" || statement.kind === "train";
      const previous =
        statement.kind === "network"
          ? (group as NetworkStatement[]).find((s) => s.network === statement.network)
          : single
            ? group[0]
            : undefined;
      if (previous !== undefined) {
        const what = statement.kind === "network" ? `${statement.network} { ... }` : statement.kind === "train" ? "train { ... }" : `${statement.kind} statement`;
        this.report(statement.span, `a second ${what}: the spec already has one at line ${previous.span.line}`);
        continue;
      }
      group.push(statement);
    }
    return byKind;
  }

  // -------------------------------------------------------------------------

  private lowerTrain(statement: TrainStatement): Train | undefined {
    const seen = new Map<string, Span>();
    const raw: Record<string, number | string | object> = {};
    let ok = true;
    for (const setting of statement.settings) {
      const name = setting.name.text;
      if (!(TRAIN_SETTING_NAMES as readonly string[]).includes(name)) {
        const suggestion = closest(name, TRAIN_SETTING_NAMES);
        this.report(
          setting.name.span,
          suggestion !== undefined
            ? `unknown train setting '${name}', did you mean '${suggestion}'?`
            : `unknown train setting '${name}': the settings are steps, batch, seed, sample every, checkpoint every, keep, log every, backend, eval every, keep best and stop when`,
        );
        ok = false;
        continue;
      }
      // `keep 3` and `keep best fid` are two settings.
      const settingKey = name === "keep" && setting.value !== undefined && !("kind" in setting.value) ? "keep best" : name;
      const first = seen.get(settingKey);
      if (first !== undefined) {
        this.report(setting.name.span, `'${settingKey}' is given twice in train { ... } (first at line ${first.line})`);
        ok = false;
        continue;
      }
      seen.set(settingKey, setting.name.span);
      if (name === "eval" || name === "stop" || settingKey === "keep best") {
        const lowered = name === "eval" ? lowerEval(setting, this.values, (path) => this.absolutePath(path)) : name === "stop" ? lowerStopWhen(setting, this.values) : lowerKeepBest(setting, this.values);
        if (lowered === undefined) ok = false;
        else raw[name === "eval" ? "eval" : name === "stop" ? "stopWhenStalls" : "keepBest"] = lowered as never;
        continue;
      }
      if (name === "backend") {
        const value = setting.value;
        if (value === undefined || "kind" in value) {
          this.report(setting.name.span, `backend needs a name: ${listQuoted(BACKENDS)}`);
          ok = false;
        } else if (!(BACKENDS as readonly string[]).includes(value.text)) {
          this.report(value.span, `unknown backend '${value.text}'${didYouMean(value.text, BACKENDS) || `: the backends are ${listQuoted(BACKENDS)}`}`);
          ok = false;
        } else raw.backend = value.text;
        continue;
      }
      const value = setting.value;
      if (value === undefined || !("kind" in value) || !isExpression(value)) {
        if (value !== undefined || !this.context.partial) this.report(value?.span ?? setting.name.span, `${name} takes a number: ${name}${EVERY_SETTINGS.includes(name) ? " every" : ""} ${name === "keep" ? 3 : 1000}`);
        ok = false;
        continue;
      }
      const min = name === "steps" || name === "batch" || name === "log" ? 1 : 0;
      const label = EVERY_SETTINGS.includes(name) ? `${name} every` : name;
      const number = integerAtLeast(value, min, label, this.report);
      if (number === undefined) {
        ok = false;
        continue;
      }
      const key = { sample: "sampleEvery", checkpoint: "checkpointEvery", keep: "keepCheckpoints", log: "logEvery" }[name] ?? name;
      raw[key] = number;
      // Known as soon as it is valid: schedules and windows are checked against it even if
      // another setting of the block is wrong.
      if (name === "steps") this.values.steps = number;
    }
    if (raw.steps === undefined) {
      if (ok) this.report(statement.span, "train { ... } needs the number of steps: steps 10000");
      return undefined;
    }
    if (!ok) return undefined;
    return TrainSchema.parse(raw);
  }

  /**
   * `data KIND "path" { options }`, checked against the kind's one definition in @gan/plan:
   * its path, its options (with did-you-mean), the options it needs, then its plan schema.
   */
  private lowerData(statement: DataStatement): LoweredData | undefined {
    const source = statement.source;
    if (source === undefined) return undefined;
    if (!(DATA_KINDS as readonly string[]).includes(source.text)) {
      this.report(source.span, `unknown data source '${source.text}'${didYouMean(source.text, DATA_KINDS) || `: the sources are ${listQuoted(DATA_KINDS)}`}`);
      return undefined;
    }
    const kind = source.text as DataKind;
    const definition = dataDefinition(kind);
    let ok = true;
    const fields: Record<string, JsonValue> = { kind };
    if (statement.path !== undefined) {
      if (definition.path === undefined) {
        this.report(statement.path.span, `data ${kind} takes no path${definition.noPathHint === undefined ? "" : `: ${definition.noPathHint}`}`);
        ok = false;
      } else fields[definition.path.field] = this.absolutePath(statement.path.value);
    } else if (definition.path !== undefined) {
      this.report(source.span, `data ${kind} needs ${definition.path.what}: ${definition.path.example}`);
      ok = false;
    }

    const options = this.lowerOptionObject(statement.options, definition.options, `data ${kind}`);
    if (options === undefined) return undefined;
    if (!this.optionsOk) ok = false;
    let shape: number[] | undefined;
    let range: [number, number] | null | undefined;
    const context = { resolvePath: (path: string) => this.absolutePath(path) };
    for (const [key, { json, value }] of options) {
      if (key === "shape") {
        const given = this.shapeOption(value);
        if (given === undefined) ok = false;
        else shape = given;
        continue;
      }
      if (key === "range") {
        range = this.rangeOption(value, json);
        if (range === undefined) ok = false;
        continue;
      }
      const special = definition.specField?.(key, json, context);
      if (typeof special === "string") {
        this.report(value.span, `data ${kind} option '${key}' ${special}`);
        ok = false;
      } else if (special !== undefined) Object.assign(fields, special);
      else if (definition.fileOptions?.includes(key) && typeof json === "string" && json.length > 0) fields[key] = this.absolutePath(json);
      else fields[key] = json;
    }
    for (const required of definition.required ?? []) {
      if (options.has(required.option)) continue;
      this.report(source.span, `data ${kind} needs ${required.what}: ${required.example}`);
      ok = false;
    }

    const nativeRange = definition.nativeRange(fields);
    if (range !== undefined && nativeRange === null) {
      const written = statement.options?.entries.find((entry) => entry.key.text === "range");
      this.report(written?.value?.span ?? source.span, `data ${kind} option 'range': this data is unbounded, so there is no range to map it from${kind === "csv" || kind === "npy" ? ': scale it first, scale: "minmax"' : ""}`);
      return undefined;
    }
    shape ??= definition.fixedShape(fields);
    // Placeholders for what is reported above as missing (and for what the compiler finds in
    // the files later), so that the schema reports only the rest.
    const placeholders: Record<string, JsonValue> = {};
    if (definition.path !== undefined) placeholders[definition.path.field] = "-";
    for (const required of definition.required ?? []) placeholders[required.option] = required.placeholder;
    const classes = fields.classes as Record<string, JsonValue> | undefined;
    const withClasses = classes === undefined ? fields : { ...fields, classes: { ...classes, names: ["-"], counts: [0] } };
    const check = definition.schema.safeParse({ ...placeholders, ...withClasses, shape: shape ?? [1], nativeRange, range: range ?? nativeRange });
    if (!check.success) {
      this.reportIssues(check.error.issues, statement.options, `data ${kind}`, { ...fields });
      return undefined;
    }
    if (!ok) return undefined;
    const { shape: _placeholder, ...withDefaults } = check.data as Record<string, JsonValue>;
    if (classes !== undefined) withDefaults.classes = classes;
    return { kind, fields: withDefaults, ...(shape && { shape }), statement };
  }

  /** `range: [-1, 1]`: the values the discriminator sees, lower bound first. */
  private rangeOption(value: Value, json: JsonValue): [number, number] | undefined {
    if (!Array.isArray(json) || json.length !== 2 || typeof json[0] !== "number" || typeof json[1] !== "number") {
      this.report(value.span, "range must be a list of two numbers, the lower first: range: [-1, 1]");
      return undefined;
    }
    if (!(json[0] < json[1])) {
      this.report(value.span, `range must go from a lower to a higher value, got [${json[0]}, ${json[1]}]`);
      return undefined;
    }
    return [json[0], json[1]];
  }

  private absolutePath(path: string): string {
    return isAbsolute(path) ? path : resolve(this.context.specDir, path);
  }

  /** `shape: [28, 28, 1]` */
  private shapeOption(value: Value): number[] | undefined {
    if (value.kind !== "list" || value.items.length === 0) {
      this.report(value.span, "shape must be a list of positive integers: shape: [28, 28, 1]");
      return undefined;
    }
    const shape: number[] = [];
    for (const item of value.items) {
      if (!isExpression(item)) {
        this.report(item.span, "a dimension of shape must be a number");
        return undefined;
      }
      const dimension = integerAtLeast(item, 1, "a dimension of shape", this.report);
      if (dimension === undefined) return undefined;
      shape.push(dimension);
    }
    return shape;
  }

  private lowerLatent(statement: LatentStatement): Latent | undefined {
    const size = statement.size === undefined ? undefined : integerAtLeast(statement.size, 1, "the latent size", this.report);
    let distribution: Latent["distribution"] = "normal";
    const word = statement.distribution;
    if (word !== undefined) {
      if (word.text === "normal" || word.text === "uniform") distribution = word.text;
      else {
        this.report(word.span, `unknown latent distribution '${word.text}'${didYouMean(word.text, ["normal", "uniform"]) || ": it is 'normal' or 'uniform'"}`);
        return undefined;
      }
    }
    return size === undefined ? undefined : { size, distribution };
  }

  private lowerCondition(statement: ConditionStatement): LoweredCondition | undefined {
    const on = statement.on;
    if (on === undefined) {
      this.report(statement.span, "condition needs what the networks are conditioned on: 'condition classes'");
      return undefined;
    }
    if (on.text !== "classes") {
      this.report(on.span, `the networks can be conditioned on 'classes', not '${on.text}'${didYouMean(on.text, ["classes"])}`);
      return undefined;
    }
    const lowered: LoweredCondition = { statement };
    for (const entry of statement.options?.entries ?? []) {
      if (entry.key.text !== "embedding") {
        this.report(entry.key.span, `condition classes has no option '${entry.key.text}'${didYouMean(entry.key.text, ["embedding"]) || ": its option is 'embedding' (the size of the generator's class embedding)"}`);
        return undefined;
      }
      const value = entry.value;
      const size = isExpression(value) ? integerAtLeast(value, 1, "the size of the class embedding", this.report) : undefined;
      if (!isExpression(value)) this.report(value?.span ?? entry.key.span, "the embedding is a number: condition classes { embedding: 16 }");
      if (size === undefined) return undefined;
      lowered.embedding = size;
    }
    return lowered;
  }

  /**
   * `optimizer adam {...}` sets both networks; `optimizer generator adam {...}` one of them,
   * and wins over the one for both whatever their order. Without any: Adam with its defaults.
   */
  private lowerOptimizers(statements: OptimizerStatement[]): Record<NetworkName, Optimizer> | undefined {
    const chosen: Partial<Record<"both" | NetworkName, OptimizerStatement>> = {};
    let ok = true;
    for (const statement of statements) {
      const target = statement.network?.text ?? "both";
      const previous = chosen[target];
      if (previous !== undefined) {
        const what = target === "both" ? "for both networks" : `for the ${target}`;
        this.report(statement.span, `a second optimizer ${what}: the spec already has one at line ${previous.span.line}`);
        ok = false;
        continue;
      }
      chosen[target] = statement;
    }
    const lowered = new Map<OptimizerStatement | undefined, Optimizer | undefined>();
    const optimizerOf = (statement: OptimizerStatement | undefined): Optimizer | undefined => {
      if (!lowered.has(statement)) lowered.set(statement, statement === undefined ? AdamSchema.parse({ kind: "adam" }) : this.lowerOptimizer(statement));
      return lowered.get(statement);
    };
    const generator = optimizerOf(chosen.generator ?? chosen.both);
    const discriminator = optimizerOf(chosen.discriminator ?? chosen.both);
    // An optimizer for both that both networks override is still checked.
    if (chosen.both !== undefined) optimizerOf(chosen.both);
    if (!ok || generator === undefined || discriminator === undefined || [...lowered.values()].includes(undefined)) return undefined;
    return { generator, discriminator };
  }

  private lowerOptimizer(statement: OptimizerStatement): Optimizer | undefined {
    const word = statement.optimizer;
    if (word === undefined) return undefined;
    if (!(OPTIMIZER_KINDS as readonly string[]).includes(word.text)) {
      this.report(word.span, `unknown optimizer '${word.text}'${didYouMean(word.text, OPTIMIZER_KINDS) || `: the optimizers are ${listQuoted(OPTIMIZER_KINDS)}`}`);
      return undefined;
    }
    const kind = word.text as OptimizerKind;
    const schema = OPTIMIZER_SCHEMAS[kind];
    const known = Object.keys(schema.shape).filter((key) => key !== "kind");
    const options = this.lowerOptionObject(statement.options, known, kind);
    if (options === undefined) return undefined;
    const optionsOk = this.optionsOk;
    const raw: Record<string, JsonValue> = { kind };
    for (const [key, { json }] of options) raw[key] = json;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.reportIssues(parsed.error.issues, statement.options, kind, raw);
      return undefined;
    }
    return optionsOk ? parsed.data : undefined;
  }

  private lowerUse(statement: UseStatement): LoweredUse | undefined {
    const pkg = statement.package;
    if (pkg === undefined) return undefined;
    let ok = true;
    if (pkg.value.trim().length === 0) {
      this.report(pkg.span, "the package name of a trick must not be empty");
      return undefined;
    }
    const options: Record<string, JsonValue> = {};
    if (statement.options !== undefined) {
      const entries = objectEntries(statement.options, this.values);
      if (entries === undefined) return undefined;
      for (const [key, { json }] of entries) options[key] = json;
    }
    const window: Window = {};
    const steps = this.values.steps;
    if (statement.from !== undefined) {
      const from = integerAtLeast(statement.from, 0, "the first step of a trick's window", this.report);
      if (from === undefined) ok = false;
      else if (steps !== undefined && from >= steps) {
        this.report(statement.from.span, `the trick's window starts at step ${from}, when the run has ended (steps ${steps})`);
        ok = false;
      } else window.from = from;
    }
    if (statement.until !== undefined) {
      const until = integerAtLeast(statement.until, 0, "the last step of a trick's window", this.report);
      if (until === undefined) ok = false;
      else if (steps !== undefined && until > steps) {
        this.report(statement.until.span, `the trick's window ends at step ${until}, after the run ends (steps ${steps})`);
        ok = false;
      } else window.until = until;
    }
    if (window.from !== undefined && window.until !== undefined && window.until <= window.from) {
      this.report(statement.until!.span, `the trick's window is empty: until ${window.until} is not after from ${window.from}`);
      ok = false;
    }
    return { package: pkg.value, options, window, statement, valid: ok };
  }

  // -------------------------------------------------------------------------

  /**
   * The entries of an options object whose keys must be among `known` ("adam has no option
   * 'betta1', did you mean 'beta1'?"). Undefined when any entry had a problem.
   */
  private lowerOptionObject(
    object: ObjectValue | undefined,
    known: readonly string[],
    owner: string,
  ): Map<string, { json: JsonValue; value: Value }> | undefined {
    if (object === undefined) return new Map();
    let ok = true;
    for (const entry of object.entries) {
      if (known.includes(entry.key.text)) continue;
      const suggestion = closest(entry.key.text, known);
      this.report(
        entry.key.span,
        `${owner} has no option '${entry.key.text}'` +
          (suggestion !== undefined
            ? `, did you mean '${suggestion}'?`
            : known.length > 0
              ? `: its options are ${listQuoted(known, "and")}`
              : ": it takes no options"),
      );
      ok = false;
    }
    const entries = objectEntries(object, this.values);
    if (entries === undefined) return undefined;
    // The known options are still checked (and their problems reported) after an unknown one.
    for (const key of entries.keys()) if (!known.includes(key)) entries.delete(key);
    this.optionsOk = ok;
    return entries;
  }

  /** False when the last lowerOptionObject met an unknown key (its known keys were still returned). */
  private optionsOk = true;

  private reportIssues(issues: readonly SchemaIssue[], object: ObjectValue | undefined, owner: string, raw: unknown): void {
    for (const issue of issues) {
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
      const key = path[0];
      const span = object !== undefined && key !== undefined ? locate(object, path) : object?.span;
      const where = key === undefined ? owner : `${owner} option '${path.map(String).join(".")}'`;
      this.report(span, `${where} ${issueText(issue, valueAtPath(raw, path))}`);
    }
  }
}
