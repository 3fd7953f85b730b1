/**
 * The tiny GAN the tests train, as a plan and as a `.gan` spec: 8 Gaussians on a ring
 * (radius 1, std 0.02), a latent of 4, one hidden dense layer of 8 units in each network.
 * Small enough for hundreds of steps on `cpu` in a second or two, real enough that every
 * part of a run (tricks, checkpoints, evaluation) has something to do. One definition, so
 * that a test says only what it changes.
 */
import { PlanSchema, type Activation, type Plan, type PlanInput } from "@gan/plan";

/**
 * Dense networks for 2-D data: `hidden` units per hidden layer on each side, ReLU in the
 * generator, `discriminatorActivation` in the discriminator, a linear output.
 */
export function mlpNetworks({ latent, hidden, discriminatorActivation }: { latent: number; hidden: readonly number[]; discriminatorActivation: Activation }): PlanInput["networks"] {
  const hiddenLayers = (activation: Activation) => hidden.map((units) => ({ type: "dense" as const, units, activation }));
  return {
    generator: { inputShape: [latent], layers: [...hiddenLayers({ kind: "relu" }), { type: "dense", units: 2 }] },
    discriminator: { inputShape: [2], layers: [...hiddenLayers(discriminatorActivation), { type: "dense", units: 1 }] },
  };
}

/**
 * The tiny ring GAN as a valid plan: leaky ReLU in D, nonsaturating loss, Adam (lr 1e-3,
 * beta1 0.5), batch 16, 20 steps on cpu, logging every step. Every top-level part can be
 * replaced; the result is validated and has its defaults filled in.
 */
export function tinyPlan(overrides: Partial<PlanInput> = {}): Plan {
  const input: PlanInput = {
    planVersion: 1,
    name: "tiny",
    source: { file: "tiny.gan", sha256: "0".repeat(64) },
    data: { kind: "ring", modes: 8, radius: 1, std: 0.02, shape: [2], nativeRange: null, range: null },
    latent: { size: 4 },
    networks: mlpNetworks({ latent: 4, hidden: [8], discriminatorActivation: { kind: "leakyrelu", alpha: 0.2 } }),
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam", lr: 1e-3, beta1: 0.5 }, discriminator: { kind: "adam", lr: 1e-3, beta1: 0.5 } },
    train: { steps: 20, batch: 16, seed: 1, logEvery: 1, backend: "cpu" },
    tricks: [],
    rewrites: [],
    ...overrides,
  };
  return PlanSchema.parse(input);
}

/** MNIST as a plan's data (28x28x1 in [0, 1]): for tests of conv networks' rewrites, which read no data. */
export const MNIST_DATA = { kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] } satisfies PlanInput["data"];

/**
 * The tiny plan with other layers, for tests of rewrites: the generator from a latent of
 * `latent`, the discriminator on `data` (default the ring). Layers are validated as a
 * compiled plan's are.
 */
export function tinyPlanWithLayers(
  generator: readonly unknown[],
  discriminator: readonly unknown[],
  { data = tinyPlan().data, latent = 4 }: { data?: PlanInput["data"]; latent?: number } = {},
): Plan {
  return tinyPlan({
    data,
    latent: { size: latent },
    networks: {
      generator: { inputShape: [latent], layers: generator as PlanInput["networks"]["generator"]["layers"] },
      discriminator: { inputShape: data.shape ?? [], layers: discriminator as PlanInput["networks"]["discriminator"]["layers"] },
    },
  });
}

/**
 * The tiny ring GAN as a spec (ReLU on both sides, as written before any trick rewrites it):
 * `gan NAME { data ...; latent 4; generator { ... } discriminator { ... } BODY }`, `body`
 * placed after the networks (loss, optimizers, the train block, `use` lines), indented by
 * the caller. The networks end on line 11, so a body's first line is line 12.
 */
export function tinyRingSpec(body: string, name = "tiny"): string {
  return `gan ${name} {
  data ring { modes: 8, radius: 1, std: 0.02 }
  latent 4
  generator {
    dense 8 relu
    dense 2
  }
  discriminator {
    dense 8 relu
    dense 1
  }
${body}
}
`;
}

/** A train block, one setting a line as `gan fmt` writes it: `trainBlock({ steps: 4, "log every": 2 })`. */
export function trainBlock(settings: Record<string, string | number>): string {
  return `  train {\n${Object.entries(settings)
    .map(([key, value]) => `    ${key} ${value}\n`)
    .join("")}  }`;
}

/** `loss nonsaturating`, Adam at 1e-3 and a train block: the body most experiment tests give tinyRingSpec. */
export function tinyTraining(settings: Record<string, string | number>): string {
  return `  loss nonsaturating\n  optimizer adam { lr: 1e-3 }\n${trainBlock(settings)}`;
}
