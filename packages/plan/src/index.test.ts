import { describe, expect, it } from "vitest";
import * as plan from "./index.js";

describe("@gan/plan entry point", () => {
  it("exports the plan's functions next to its schemas", () => {
    const functions = Object.entries(plan)
      .filter(([, value]) => typeof value === "function" && !(value as { _zod?: unknown })._zod)
      .map(([name]) => name)
      .sort();
    expect(functions).toEqual([
      "blockOf", "builtinLoss", "canonicalJson", "convOutputLength", "dataDefinition", "dataShapeFits", "deconvLength", "defineLayerKind", "describeLayer", "describeLoss", "estimateTrainingMemory", "evalMetricKey", "evaluationKindOf", "featuresIdOf", "findSchedules", "formatBytes", "formatPath", "formatPlanDiff", "formatPlanErrors",
      "formatShape", "generatorInputSize", "inferNetworkShapes", "isBuiltinFeatureNetwork", "isBuiltinLossKind", "isSchedule", "layerKind", "layerLists", "layersAlong", "looksLikeSchedule", "lossDeclaration", "lossesWithTargets", "mapLayerTree", "memoryAdvice", "overMemoryBudget", "planDiff", "planHash", "planJsonSchema",
      "planJsonSchemaText", "resolveSchedules", "scheduleProblems", "shapeSize", "shapesEqual", "validatePlan", "valueAt", "walkLayers", "withArticle", "withoutSource",
    ]);
    expect(plan.PLAN_VERSION).toBe(1);
    expect(plan.SCHEDULE_KINDS).toEqual(["linear", "cosine", "step"]);
  });
});
