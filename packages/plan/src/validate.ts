/**
 * Validation of a plan given as JSON (a compiled plan, or one written by hand for
 * `gan train plan.json`): the zod schema first, then what a schema cannot express —
 * data ranges in order, schedules in order, trick windows that are not empty, layer shapes
 * that fit together, and networks that fit the data and the latent vector.
 */
import { conditionProblems, generatorInputSize } from "./condition.js";
import { walkLayers } from "./layer-tree.js";
import { TRICK_LOSS_KIND } from "./losses.js";
import { EVAL_METRICS, PlanSchema, ScheduleSchema, evaluationKindOf, type Network, type NetworkName, type Plan } from "./schema.js";
import { formatPath, type PathSegment } from "./path.js";
import { findSchedules, scheduleProblems } from "./schedule.js";
import { formatShape, inferNetworkShapes, shapeSize, shapesEqual, type ShapeInferenceOptions } from "./shapes.js";
import { describeIssues, type LocatedMessage } from "./zod-issues.js";

/** One problem with a plan; `path` is dotted/bracketed (`networks.generator.layers[2].units`), "" for the plan itself. */
export interface PlanError {
  path: string;
  message: string;
}

export type PlanValidation = { ok: true; plan: Plan } | { ok: false; errors: PlanError[] };

export interface ValidatePlanOptions {
  /**
   * Output shapes of `trick` layers, from the loaded tricks. Without it the `outputShape`
   * recorded in the plan for each trick layer is trusted (and required).
   */
  trickLayerShape?: ShapeInferenceOptions["trickLayerShape"];
}

/**
 * Validates `json` as a plan. On success the plan has its defaults filled in and the
 * inferred `outputShape` of every layer and network written in.
 */
export function validatePlan(json: unknown, options: ValidatePlanOptions = {}): PlanValidation {
  const parsed = PlanSchema.safeParse(json);
  if (!parsed.success) return failure(describeIssues(parsed.error.issues, json));
  const plan = parsed.data;

  const problems: LocatedMessage[] = [...checkRanges(plan), ...checkSchedules(plan), ...checkWindows(plan), ...checkTrickLoss(plan), ...checkEvaluation(plan)];
  const networks: Partial<Record<NetworkName, Network>> = {};
  for (const name of ["generator", "discriminator"] as const) {
    problems.push(...checkInput(plan, name));
    const inferred = checkNetwork(name, plan.networks[name], options);
    problems.push(...inferred.problems);
    if (inferred.network) {
      networks[name] = inferred.network;
      problems.push(...checkOutput(plan, name, inferred.network.outputShape!));
    }
  }
  if (problems.length > 0) return failure(problems);
  const inferred = { ...plan, networks: { generator: networks.generator!, discriminator: networks.discriminator! } };
  const conditioning = conditionProblems(inferred);
  if (conditioning.length > 0) return failure(conditioning);
  return { ok: true, plan: inferred };
}

/** `path: message` lines, as a command prints them. */
export function formatPlanErrors(errors: readonly PlanError[]): string {
  return errors.map((e) => (e.path === "" ? e.message : `${e.path}: ${e.message}`)).join("\n");
}

function failure(problems: LocatedMessage[]): PlanValidation {
  return { ok: false, errors: problems.map((p) => ({ path: formatPath(p.path), message: p.message })) };
}

/** A reversed range would silently flip the data when it is mapped from one range onto the other. */
function checkRanges(plan: Plan): LocatedMessage[] {
  return (["nativeRange", "range"] as const).flatMap((key) => {
    const range = plan.data[key];
    if (range === null || range[0] < range[1]) return [];
    return [{ path: ["data", key], message: `must go from a lower to a higher value, got ${formatShape(range)}` }];
  });
}

/**
 * Every schedule in the plan: optimizer learning rates (already parsed) and schedules
 * inside trick options, which are free-form JSON to the plan's schema and so are parsed here.
 */
function checkSchedules(plan: Plan): LocatedMessage[] {
  return findSchedules(plan).flatMap(({ path, value }) => {
    const parsed = ScheduleSchema.safeParse(value);
    if (!parsed.success) return describeIssues(parsed.error.issues, value, path);
    return scheduleProblems(parsed.data).map((message) => ({ path, message }));
  });
}

function checkWindows(plan: Plan): LocatedMessage[] {
  return plan.tricks.flatMap(({ window }, i) => {
    if (window.from === undefined || window.until === undefined || window.from < window.until) return [];
    return [{ path: ["tricks", i, "window"], message: `the window is empty: from (${window.from}) must be before until (${window.until})` }];
  });
}

/** A trick's loss runs only if the plan loads that trick, which happens for the tricks it uses. */
function checkTrickLoss(plan: Plan): LocatedMessage[] {
  const loss = plan.loss;
  if (loss.kind !== TRICK_LOSS_KIND || plan.tricks.some((trick) => trick.package === loss.trick)) return [];
  return [{ path: ["loss", "trick"], message: `the loss '${loss.name}' comes from trick '${loss.trick}', which the plan does not use (tricks[] has no '${loss.trick}')` }];
}

/**
 * `eval every`, `keep best` and `stop when ... stalls`: the metrics must be ones the data has,
 * and the last two must name a metric that is evaluated.
 */
function checkEvaluation(plan: Plan): LocatedMessage[] {
  const { eval: evaluation, keepBest, stopWhenStalls } = plan.train;
  const kind = evaluationKindOf(plan.data, evaluation);
  const problems: LocatedMessage[] = [];
  if (evaluation?.features !== undefined && plan.data.shape.length !== 3) {
    problems.push({ path: ["train", "eval", "features"], message: `a feature network takes images; data '${plan.data.kind}' of shape ${formatShape(plan.data.shape)} is not images` });
  } else if (evaluation !== undefined && kind === undefined) {
    const images = plan.data.shape.length === 3;
    problems.push({
      path: ["train", "eval"],
      message: images
        ? `images of shape ${formatShape(plan.data.shape)} need a feature network to be evaluated during training: eval every N { features: "path/model.json" } (a tfjs model; featuresLayer: "NAME" picks its layer), or features: "emoji-classifier" for the emoji set (only 28x28x1 images have a default, the MNIST classifier)`
        : `data '${plan.data.kind}' of shape ${formatShape(plan.data.shape)} has no metric to evaluate during training (there are metrics for ring and grid mixtures and images)`,
    });
  }
  const available: readonly string[] = kind === undefined ? [] : EVAL_METRICS[kind];
  const measuredOn = { mixture: "2-D mixtures", mnist: "28x28x1 images without a feature network", features: "a feature network's features" };
  if (evaluation !== undefined && kind !== undefined) {
    (evaluation.metrics ?? []).forEach((metric, i) => {
      if (!available.includes(metric)) {
        problems.push({ path: ["train", "eval", "metrics", i], message: `'${metric}' is not measured on ${measuredOn[kind]}: the metrics are ${available.map((m) => `"${m}"`).join(", ")}` });
      }
    });
  }
  const evaluated = evaluation === undefined ? [] : (evaluation.metrics ?? available);
  for (const [key, metric, words] of [
    ["keepBest", keepBest, `keep best ${keepBest}`],
    ["stopWhenStalls", stopWhenStalls?.metric, `stop when ${stopWhenStalls?.metric} stalls`],
  ] as const) {
    if (metric === undefined) continue;
    if (evaluation === undefined) problems.push({ path: ["train", key], message: `${words} needs an evaluation during training: eval every N { metrics: ["${metric}"] }` });
    else if (!evaluated.includes(metric)) problems.push({ path: ["train", key], message: `${words}: '${metric}' is not among the metrics of eval every (${evaluated.join(", ")})` });
  }
  return problems;
}

/** Re-infers a network's shapes and compares them with those recorded in the plan. */
function checkNetwork(
  name: NetworkName,
  network: Network,
  options: ValidatePlanOptions,
): { problems: LocatedMessage[]; network?: Network } {
  const at = (...rest: PathSegment[]): PathSegment[] => ["networks", name, ...rest];
  let trickLayerShape = options.trickLayerShape;
  if (trickLayerShape === undefined) {
    const unrecorded = [...walkLayers(network.layers)].flatMap(({ layer, path }) =>
      layer.type === "trick" && layer.outputShape === undefined
        ? [{ path: at("layers", ...path, "outputShape"), message: `required for a trick layer: only '${layer.trick}' can compute it, and it is not loaded here` }]
        : [],
    );
    if (unrecorded.length > 0) return { problems: unrecorded };
    trickLayerShape = (layer) => layer.outputShape!;
  }

  const inferred = inferNetworkShapes(network, { trickLayerShape });
  if (!inferred.ok) return { problems: inferred.errors.map((e) => ({ path: at("layers", ...e.path), message: e.message })) };

  const problems: LocatedMessage[] = [];
  // Inference keeps the structure of the layers: the two walks visit the same places.
  const computedLayers = [...walkLayers(inferred.layers)];
  [...walkLayers(network.layers)].forEach(({ layer, path }, i) => {
    const computed = computedLayers[i]!.layer.outputShape!;
    if (layer.outputShape !== undefined && !shapesEqual(layer.outputShape, computed)) {
      problems.push({ path: at("layers", ...path, "outputShape"), message: mismatch(layer.outputShape, computed) });
    }
  });
  if (network.outputShape !== undefined && !shapesEqual(network.outputShape, inferred.outputShape)) {
    problems.push({ path: at("outputShape"), message: mismatch(network.outputShape, inferred.outputShape) });
  }
  return { problems, network: { ...network, layers: inferred.layers, outputShape: inferred.outputShape } };
}

function mismatch(recorded: number[], computed: number[]): string {
  return `recorded as ${formatShape(recorded)} but the layers compute ${formatShape(computed)}`;
}

/** The generator maps the latent vector to a sample; the discriminator maps a sample to one score. */
function checkInput(plan: Plan, name: NetworkName): LocatedMessage[] {
  const { inputShape } = plan.networks[name];
  const path = ["networks", name, "inputShape"];
  if (name === "generator") {
    const latent = [generatorInputSize(plan)];
    if (shapesEqual(inputShape, latent)) return [];
    const what = plan.condition ? `the latent vector (${plan.latent.size}) and the class embedding (${plan.condition.embedding}) have` : "the latent vector has";
    return [{ path, message: `is ${formatShape(inputShape)} but ${what} size ${latent[0]}: it must be ${formatShape(latent)}` }];
  }
  const sample = plan.data.shape;
  if (shapesEqual(inputShape, sample)) return [];
  return [{ path, message: `is ${formatShape(inputShape)} but the data's samples have shape ${formatShape(sample)}: it must be ${formatShape(sample)}` }];
}

function checkOutput(plan: Plan, name: NetworkName, output: number[]): LocatedMessage[] {
  const path = ["networks", name, "layers", plan.networks[name].layers.length - 1];
  if (name === "generator") {
    const sample = plan.data.shape;
    if (shapesEqual(output, sample)) return [];
    const fix = shapeSize(output) === shapeSize(sample) ? `: add 'reshape ${formatShape(sample)}' at the end` : "";
    return [{ path, message: `the generator outputs ${formatShape(output)} but the data's samples have shape ${formatShape(sample)}${fix}` }];
  }
  if (shapesEqual(output, [1])) return [];
  const fix = output.length === 1 ? ": end it with 'dense 1'" : ": end it with 'flatten' and 'dense 1'";
  return [{ path, message: `the discriminator outputs ${formatShape(output)} but must output one score per sample, [1]${fix}` }];
}
