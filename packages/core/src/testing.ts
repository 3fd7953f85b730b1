/**
 * @gan/core/testing: what a trick's tests need, apart from what the trick itself imports (as
 * Langium keeps its test helpers in `langium/test`). A harness that runs a trick's hooks as a
 * training run calls them, a trainer around a tiny plan, a rewrite run as the compiler runs
 * it, and the tiny GAN the tests train, as a plan and as a `.gan` spec.
 */
export {
  arrayDataSource,
  createTrickHarness,
  createTrickTrainer,
  probeTrick,
  type LoggedScalar,
  type TrickHarness,
  type TrickHarnessOptions,
  type TrickInRun,
} from "./trick/trick-harness.js";
export { MNIST_DATA, mlpNetworks, tinyPlan, tinyPlanWithLayers, tinyRingSpec, tinyTraining, trainBlock } from "./testing/tiny-ring.js";
export { applyRewrite, trickUse } from "./testing/apply-rewrite.js";
