export * from "./schema.js";
export * from "./losses.js";
export type * from "./compile-host.js";
export { formatPath, type PathSegment } from "./path.js";
export {
  findSchedules,
  isSchedule,
  looksLikeSchedule,
  resolveSchedules,
  SCHEDULE_KINDS,
  scheduleProblems,
  valueAt,
  type SchedulableInput,
  type ScheduleInput,
  type ScheduleKind,
} from "./schedule.js";
export {
  convOutputLength,
  dataShapeFits,
  deconvLength,
  formatShape,
  inferNetworkShapes,
  shapesEqual,
  shapeSize,
  type ShapeError,
  type ShapeInferenceOptions,
  type ShapeInferenceResult,
} from "./shapes.js";
export { formatPlanErrors, validatePlan, type PlanError, type PlanValidation, type ValidatePlanOptions } from "./validate.js";
export { withArticle } from "./zod-issues.js";
export { planJsonSchema, planJsonSchemaText } from "./json-schema.js";
export { canonicalJson, planHash } from "./canonical.js";
export { formatPlanDiff, planDiff, type PlanDiffEntry } from "./plan-diff.js";
export { withoutSource, type PlanWithoutSource } from "./without-source.js";
export { layerLists, layersAlong, mapLayerTree, walkLayers, type LayerPath } from "./layer-tree.js";
export { estimateTrainingMemory, formatBytes, memoryAdvice, overMemoryBudget, type LayerMemory, type MemoryEstimate, type MemoryOverBudget } from "./memory.js";
