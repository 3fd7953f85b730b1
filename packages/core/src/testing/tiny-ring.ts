/**
 * The tiny GAN the tests train, as a plan and as a `.gan` spec (and specs of other networks,
 * networksSpec, for tests of what the compiler makes of their layers): 8 Gaussians on a ring
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

/**
 * A small DCGAN for 28x28x1 images (Radford et al. 2015, as tfjs-examples writes it): G from
 * `latent` through dense 7x7x`filters[1]`, batch norm and ReLU, then two strided 4x4
 * deconvolutions (`filters[0]`, then 1 channel out of a sigmoid); D two strided 4x4
 * convolutions (`filters[0]`, `filters[1]`) with leaky ReLU 0.2 and batch norm before the
 * second's, then a logit. `dropout` adds a dropout layer of that rate before D's flatten. The
 * benchmarks' DCGAN (filters 64, 128) and the backends' conv training tests.
 */
export function dcganNetworks({ latent, filters: [first, second], dropout }: { latent: number; filters: readonly [number, number]; dropout?: number }): PlanInput["networks"] {
  const leaky = { kind: "leakyrelu", alpha: 0.2 } as const;
  const strided = { kernel: 4, stride: 2, padding: "same" } as const;
  return {
    generator: {
      inputShape: [latent],
      layers: [
        { type: "dense", units: 7 * 7 * second },
        { type: "batchnorm" },
        { type: "activation", activation: { kind: "relu" } },
        { type: "reshape", shape: [7, 7, second] },
        { type: "deconv", filters: first, ...strided },
        { type: "batchnorm" },
        { type: "activation", activation: { kind: "relu" } },
        { type: "deconv", filters: 1, ...strided, activation: { kind: "sigmoid" } },
      ],
    },
    discriminator: {
      inputShape: [28, 28, 1],
      layers: [
        { type: "conv", filters: first, ...strided, activation: leaky },
        { type: "conv", filters: second, ...strided },
        { type: "batchnorm" },
        { type: "activation", activation: leaky },
        ...(dropout !== undefined ? [{ type: "dropout" as const, rate: dropout }] : []),
        { type: "flatten" },
        { type: "dense", units: 1 },
      ],
    },
  };
}

/** MNIST as a plan's data (28x28x1 in [0, 1]): for tests of conv networks' rewrites, which read no data. */
export const MNIST_DATA = { kind: "mnist", shape: [28, 28, 1], nativeRange: [0, 1], range: [0, 1] } satisfies PlanInput["data"];

/** Class names of the tiny conditional plan's data. */
export const TINY_CLASSES = ["a", "b", "c"];

/**
 * A tiny class-conditional plan (`condition classes`) on MNIST-shaped data with three classes:
 * G joins a class embedding of 2 to a latent of 4 (dense 8, `batchnorm affine class` unless
 * `classBatchnorm` is false, dense 784 tanh); D is flatten, dense 8, dense 1 with the projection
 * head, or the auxiliary head. Read with a data source of its own (arrayDataSource with labels).
 */
export function tinyConditionalPlan({ head = "projection", classBatchnorm = true }: { head?: "projection" | "auxiliary"; classBatchnorm?: boolean } = {}): Plan {
  const data = { ...MNIST_DATA, range: [-1, 1], classes: { from: "idx", names: TINY_CLASSES, counts: [2, 2, 2] } } satisfies PlanInput["data"];
  return tinyPlan({
    data,
    latent: { size: 4 },
    condition: { kind: "classes", classes: TINY_CLASSES.length, embedding: 2, discriminator: head },
    networks: {
      generator: {
        inputShape: [6],
        layers: [
          { type: "dense", units: 8 },
          ...(classBatchnorm ? [{ type: "batchnorm" as const, affine: "class" as const }] : []),
          { type: "activation", activation: { kind: "relu" } },
          { type: "dense", units: 784, activation: { kind: "tanh" } },
          { type: "reshape", shape: [28, 28, 1] },
        ],
      },
      discriminator: {
        inputShape: [28, 28, 1],
        layers: [{ type: "flatten" }, { type: "dense", units: 8, activation: { kind: "leakyrelu", alpha: 0.2 } }, { type: "dense", units: 1 }],
      },
    },
  });
}

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

/** The parts of a `.gan` spec before its body: the data, the latent size and the networks' layers, a layer a line. */
export interface SpecNetworks {
  /** What follows `data`: `ring`, `mnist`, `ring { modes: 8 }`. */
  data: string;
  latent: number;
  generator: readonly string[];
  discriminator: readonly string[];
}

/**
 * A spec of these networks: `gan NAME { data ...; latent N; generator { ... } discriminator
 * { ... } BODY }`, `body` placed after the networks (loss, optimizers, the train block, `use`
 * lines), indented by the caller. The generator's first layer is on line 5; the body starts on
 * the line after the discriminator's closing brace, line 9 + both networks' layer counts.
 */
export function networksSpec(networks: SpecNetworks, body: string, name = "tiny"): string {
  const layers = (list: readonly string[]) => list.map((layer) => `    ${layer}\n`).join("");
  return `gan ${name} {
  data ${networks.data}
  latent ${networks.latent}
  generator {
${layers(networks.generator)}  }
  discriminator {
${layers(networks.discriminator)}  }
${body}
}
`;
}

/**
 * The tiny ring GAN as a spec (ReLU on both sides, as written before any trick rewrites it),
 * with `body` after the networks (networksSpec). The networks end on line 11, so a body's
 * first line is line 12.
 */
export function tinyRingSpec(body: string, name = "tiny"): string {
  return networksSpec(
    { data: "ring { modes: 8, radius: 1, std: 0.02 }", latent: 4, generator: ["dense 8 relu", "dense 2"], discriminator: ["dense 8 relu", "dense 1"] },
    body,
    name,
  );
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
