/** Plans for the runtime's tests (excluded from the build by its `test-` name): tiny, so cpu runs them fast. */
import { PlanSchema, type Plan, type PlanInput } from "@gan/plan";

const SHA = "0".repeat(64);

/** A ring-of-Gaussians MLP GAN small enough to run hundreds of steps on cpu in a second or two. */
export function tinyRingPlan(overrides: { train?: Partial<PlanInput["train"]>; tricks?: PlanInput["tricks"]; name?: string } = {}): Plan {
  const input: PlanInput = {
    planVersion: 1,
    name: overrides.name ?? "tiny-ring",
    source: { file: "tiny-ring.gan", sha256: SHA },
    data: { kind: "ring", modes: 8, radius: 1, std: 0.02, shape: [2], nativeRange: null, range: null },
    latent: { size: 4 },
    networks: {
      generator: {
        inputShape: [4],
        layers: [
          { type: "dense", units: 8, activation: { kind: "relu" } },
          { type: "dense", units: 2 },
        ],
      },
      discriminator: {
        inputShape: [2],
        layers: [
          { type: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.2 } },
          { type: "dense", units: 1 },
        ],
      },
    },
    loss: { kind: "nonsaturating" },
    optimizers: {
      generator: { kind: "adam", lr: 1e-3, beta1: 0.5 },
      discriminator: { kind: "adam", lr: 1e-3, beta1: 0.5 },
    },
    train: { steps: 20, batch: 16, seed: 1, logEvery: 1, backend: "cpu", ...overrides.train },
    tricks: overrides.tricks ?? [],
    rewrites: [],
  };
  return PlanSchema.parse(input);
}

/** A trick `use` line for a fixture trick. */
export function useOf(pkg: string, options: Record<string, unknown> = {}, window: { from?: number; until?: number } = {}) {
  return { package: pkg, version: "0.0.0-test", options: options as never, window };
}
