/** Plans for the runtime's tests (excluded from the build by its `test-` name): tiny, so cpu runs them fast. */
import type { Plan, PlanInput } from "@gan/plan";
import { tinyPlan } from "../testing/tiny-ring.js";

/** The tiny ring GAN (testing/tiny-ring.ts) named `tiny-ring`, with `train` fields merged over its defaults. */
export function tinyRingPlan(overrides: { train?: Partial<PlanInput["train"]>; tricks?: PlanInput["tricks"]; name?: string } = {}): Plan {
  return tinyPlan({
    name: overrides.name ?? "tiny-ring",
    source: { file: "tiny-ring.gan", sha256: "0".repeat(64) },
    train: { ...tinyPlan().train, ...overrides.train },
    tricks: overrides.tricks ?? [],
  });
}

/** A trick `use` line for a fixture trick. */
export function useOf(pkg: string, options: Record<string, unknown> = {}, window: { from?: number; until?: number } = {}) {
  return { package: pkg, version: "0.0.0-test", options: options as never, window };
}
