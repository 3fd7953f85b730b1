/**
 * @gan/core/testing: what a trick's tests need, apart from what the trick itself imports (as
 * Langium keeps its test helpers in `langium/test`). A harness that runs a trick's hooks as a
 * training run calls them, a trainer around a tiny plan, a rewrite run as the compiler runs
 * it, and the tiny GAN the tests train, as a plan and as a `.gan` spec.
 */
export {
  arrayDataSource,
  tinyConditionalSource,
  createTrickHarness,
  createTrickTrainer,
  discriminatorLossContext,
  probeTrick,
  type LoggedScalar,
  type TrickHarness,
  type TrickHarnessOptions,
  type TrickInRun,
} from "./trick/trick-harness.js";
export {
  MNIST_DATA,
  dcganNetworks,
  mlpNetworks,
  TINY_CLASSES,
  tinyConditionalPlan,
  networksSpec,
  tinyPlan,
  tinyPlanWithLayers,
  tinyRingSpec,
  tinyTraining,
  trainBlock,
  type SpecNetworks,
} from "./testing/tiny-ring.js";
export { applyRewrite, trickUse } from "./testing/apply-rewrite.js";
export { idxBytes } from "./testing/data-files.js";
/** The plan as written before validation fills its defaults: what tinyPlan's overrides and the networks above are. */
export type { PlanInput } from "@gan/plan";
