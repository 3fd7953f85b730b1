/**
 * The train settings of evaluation during training, written as a Keras or StudioGAN user
 * would guess them:
 *
 *   eval every 500 { metrics: ["fid"], samples: 5000 }   // metrics at these steps
 *   eval every 500 { metrics: ["fd", "kid"], features: "inception/model.json",
 *                    featuresLayer: "pool_3", featuresRange: [-1, 1] }   // on a feature network
 *   keep best fid                                         // checkpoints/best: the best eval's
 *   stop when fid stalls for 5 evals                      // early stopping, patience 5
 *
 * Which metrics the data has is checked on the whole plan (@gan/plan's validation), where
 * the data is known; here, the shape of each setting.
 */
import { ALL_EVAL_METRICS, BUILTIN_FEATURE_NETWORKS, isBuiltinFeatureNetwork, type EvalFeatures, type EvalMetric, type TrainEval } from "@gan/plan";
import type { Expression, StringValue, TrainSetting, Word } from "./ast.js";
import { closest } from "./suggest.js";
import { integerAtLeast, isExpression, objectEntries, type ValueContext } from "./values.js";

type SettingValue = Expression | Word | StringValue;

const isWord = (value: SettingValue | undefined): value is Word => value !== undefined && !("kind" in value);

const EVAL_FORM = `eval every 500 { metrics: ["fid"], samples: 5000 }`;
const STOP_FORM = "stop when fid stalls for 5 evals";

/** A metric named by a bare word (`keep best fid`), with a suggestion for a misspelt one. */
function metricWord(value: SettingValue | undefined, context: ValueContext, fallback: TrainSetting): EvalMetric | undefined {
  if (!isWord(value)) {
    context.report(value?.span ?? fallback.name.span, `a metric name is expected here: one of ${ALL_EVAL_METRICS.join(", ")}`);
    return undefined;
  }
  if ((ALL_EVAL_METRICS as readonly string[]).includes(value.text)) return value.text as EvalMetric;
  const suggestion = closest(value.text, ALL_EVAL_METRICS);
  context.report(value.span, `unknown metric '${value.text}'${suggestion ? `, did you mean '${suggestion}'?` : `: the metrics are ${ALL_EVAL_METRICS.join(", ")}`}`);
  return undefined;
}

const EVAL_OPTIONS = "metrics, samples, features, featuresLayer and featuresRange";
const FEATURES_FORM = `features: "path/model.json" (a tfjs model) or ${BUILTIN_FEATURE_NETWORKS.map((name) => `"${name}"`).join(", ")}`;

type EvalEntries = NonNullable<ReturnType<typeof objectEntries>>;

/**
 * `features`, `featuresLayer` and `featuresRange`, the CLI's --features, --features-layer and
 * --features-range: a built-in network's name or a model.json path (resolved against the
 * spec's folder). Whether the file exists and has the layer is the compile host's to check.
 */
function lowerFeatures(entries: EvalEntries, context: ValueContext, resolvePath: (path: string) => string): { ok: boolean; features?: EvalFeatures } {
  const model = entries.get("features");
  const layer = entries.get("featuresLayer");
  const range = entries.get("featuresRange");
  if (model === undefined) {
    const orphan = layer ?? range;
    if (orphan !== undefined) context.report(orphan.keySpan, `${layer !== undefined ? "featuresLayer" : "featuresRange"} needs features, the network it applies to: ${FEATURES_FORM}`);
    return { ok: orphan === undefined };
  }
  let ok = true;
  const features: Partial<EvalFeatures> = {};
  const name = model.json;
  if (typeof name !== "string" || name === "" || (!isBuiltinFeatureNetwork(name) && !name.endsWith(".json"))) {
    const suggestion = typeof name === "string" ? closest(name, BUILTIN_FEATURE_NETWORKS) : undefined;
    context.report(model.value.span, suggestion ? `unknown feature network '${String(name)}', did you mean '${suggestion}'?` : `features names a feature network: ${FEATURES_FORM}`);
    ok = false;
  } else features.model = isBuiltinFeatureNetwork(name) ? name : resolvePath(name);
  if (layer !== undefined) {
    if (typeof layer.json === "string" && layer.json !== "") features.layer = layer.json;
    else {
      context.report(layer.value.span, `featuresLayer is the name of the layer to read: featuresLayer: "pool_3"`);
      ok = false;
    }
  }
  if (range !== undefined) {
    const [low, high] = Array.isArray(range.json) ? range.json : [];
    if (Array.isArray(range.json) && range.json.length === 2 && typeof low === "number" && typeof high === "number" && low < high) features.inputRange = [low, high];
    else {
      context.report(range.value.span, "featuresRange is the pixel range the network expects, two numbers from low to high: featuresRange: [-1, 1]");
      ok = false;
    }
  }
  return ok ? { ok, features: features as EvalFeatures } : { ok };
}

/** `eval every N [{ metrics: [...], samples: N, features: "..." }]`. */
export function lowerEval(setting: TrainSetting, context: ValueContext, resolvePath: (path: string) => string): TrainEval | undefined {
  const value = setting.value;
  if (setting.every === undefined || value === undefined || !("kind" in value) || !isExpression(value) || setting.more !== undefined) {
    context.report((setting.more?.[0] ?? value)?.span ?? setting.name.span, `eval is written ${EVAL_FORM}`);
    return undefined;
  }
  const every = integerAtLeast(value, 1, "eval every", context.report);
  if (every === undefined) return undefined;
  if (setting.options === undefined) return { every };
  const entries = objectEntries(setting.options, context);
  if (entries === undefined) return undefined;
  const result: TrainEval = { every };
  let ok = true;
  for (const [key, entry] of entries) {
    if (key === "metrics") {
      const names = entry.json;
      if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === "string")) {
        context.report(entry.value.span, `metrics is a list of metric names: metrics: ["fid"] (the metrics are ${ALL_EVAL_METRICS.join(", ")})`);
        ok = false;
        continue;
      }
      const unknown = (names as string[]).find((name) => !(ALL_EVAL_METRICS as readonly string[]).includes(name));
      if (unknown !== undefined) {
        const suggestion = closest(unknown, ALL_EVAL_METRICS);
        context.report(entry.value.span, `unknown metric '${unknown}'${suggestion ? `, did you mean '${suggestion}'?` : `: the metrics are ${ALL_EVAL_METRICS.join(", ")}`}`);
        ok = false;
        continue;
      }
      result.metrics = names as EvalMetric[];
    } else if (key === "samples") {
      const samples = isExpression(entry.value) ? integerAtLeast(entry.value, 2, "samples", context.report) : undefined;
      if (samples === undefined) {
        if (!isExpression(entry.value)) context.report(entry.value.span, "samples is a number: samples: 5000");
        ok = false;
        continue;
      }
      result.samples = samples;
    } else if (key !== "features" && key !== "featuresLayer" && key !== "featuresRange") {
      const suggestion = closest(key, ["metrics", "samples", "features", "featuresLayer", "featuresRange"]);
      context.report(entry.keySpan, `unknown eval option '${key}'${suggestion ? `, did you mean '${suggestion}'?` : ""}: the options are ${EVAL_OPTIONS} (${EVAL_FORM})`);
      ok = false;
    }
  }
  const { ok: featuresOk, features } = lowerFeatures(entries, context, resolvePath);
  if (features !== undefined) result.features = features;
  return ok && featuresOk ? result : undefined;
}

/** `keep best METRIC`. */
export function lowerKeepBest(setting: TrainSetting, context: ValueContext): EvalMetric | undefined {
  const [metric, ...extra] = setting.more ?? [];
  if (!isWord(setting.value) || setting.value.text !== "best") {
    context.report(setting.value?.span ?? setting.name.span, "keep takes a number of checkpoints (keep 3), or best and a metric (keep best fid)");
    return undefined;
  }
  if (extra.length > 0 || setting.options !== undefined) {
    context.report(extra[0]?.span ?? setting.options?.span, "keep best takes one metric: keep best fid");
    return undefined;
  }
  return metricWord(metric, context, setting);
}

/** `stop when METRIC stalls for N evals`. */
export function lowerStopWhen(setting: TrainSetting, context: ValueContext): { metric: EvalMetric; evals: number } | undefined {
  const [when, metric, stalls, forWord, count, evals, ...extra] = [setting.value, ...(setting.more ?? [])];
  const wrong = [
    [when, "when"],
    [stalls, "stalls"],
    [forWord, "for"],
  ].find(([value, text]) => !isWord(value as SettingValue | undefined) || (value as Word).text !== text);
  const evalsOk = isWord(evals) && (evals.text === "evals" || evals.text === "eval");
  if (wrong !== undefined || !evalsOk || count === undefined || !("kind" in count) || !isExpression(count) || extra.length > 0 || setting.options !== undefined || setting.every !== undefined) {
    const at = (wrong?.[0] as SettingValue | undefined) ?? (evalsOk ? (extra[0] ?? count) : evals);
    context.report(at?.span ?? setting.name.span, `stop is written ${STOP_FORM}`);
    return undefined;
  }
  const name = metricWord(metric, context, setting);
  const patience = integerAtLeast(count, 1, "stop when ... stalls for", context.report);
  return name === undefined || patience === undefined ? undefined : { metric: name, evals: patience };
}
