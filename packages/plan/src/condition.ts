/**
 * Conditional GANs: `condition classes` in a spec. The generator gets a learned embedding of
 * the class joined to its latent vector (its first layer sees `latent + embedding` values);
 * the discriminator gets the class through a projection head (Miyato and Koyama 2018: logit =
 * psi(phi(x)) + <embed(y), phi(x)>, where phi is every layer but the last and psi the last,
 * `dense 1`) or, when a trick such as @gan/acgan asks for it, an auxiliary classifier on phi
 * (Odena et al. 2017). The number of classes is the data's (`plan.data.classes`).
 *
 * This module holds the plan's part and the checks a schema cannot express; the runtime's
 * half is @gan/core's model/conditional.ts.
 */
import { z } from "zod";
import { walkLayers } from "./layer-tree.js";
import type { PathSegment } from "./path.js";
import { positiveInt, SourceLocationSchema } from "./primitives.js";
import type { Layer } from "./layer-kinds/index.js";

/** How the discriminator takes the class: a projection head, or an auxiliary classifier (@gan/acgan). */
export const CONDITION_HEADS = ["projection", "auxiliary"] as const;
export type ConditionHead = (typeof CONDITION_HEADS)[number];

export const ConditionSchema = z.strictObject({
  kind: z.literal("classes"),
  /** The number of classes: the data's, `plan.data.classes.names.length`. */
  classes: z.number().int().min(2),
  /** The size of the generator's class embedding, joined to the latent vector. */
  embedding: positiveInt,
  discriminator: z.enum(CONDITION_HEADS).default("projection"),
  source: SourceLocationSchema.optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** What the checks below read of a plan (the plan's type is declared after this module). */
interface ConditionedPlan {
  condition?: Condition | undefined;
  data: object;
  latent: { size: number };
  networks: Record<"generator" | "discriminator", { inputShape: number[]; layers: Layer[] }>;
}

/** The values the generator's first layer sees: the latent vector, then the class embedding when there is one. */
export function generatorInputSize(plan: Pick<ConditionedPlan, "condition" | "latent">): number {
  return plan.latent.size + (plan.condition?.embedding ?? 0);
}

/** The size of phi(x), the features the discriminator's last layer (`dense 1`) reads. */
export function discriminatorFeatureSize(discriminator: { inputShape: number[]; layers: Layer[] }): number | undefined {
  const layers = discriminator.layers;
  const before = layers.length >= 2 ? layers[layers.length - 2]!.outputShape : discriminator.inputShape;
  return before?.length === 1 ? before[0] : undefined;
}

/** True for `batchnorm affine class`: gamma and beta per class. */
export function isClassConditional(layer: Layer): boolean {
  return layer.type === "batchnorm" && layer.affine === "class";
}

/**
 * What is wrong with a plan's conditioning, at plan paths: a condition without class labels in
 * the data or with another number of classes, a discriminator whose last layer is not the
 * `dense 1` a head can split off, per-class batch norm without a condition or in the
 * discriminator. Run on a plan whose shapes are inferred.
 */
export function conditionProblems(plan: ConditionedPlan): { path: PathSegment[]; message: string }[] {
  const problems: { path: PathSegment[]; message: string }[] = [];
  const condition = plan.condition;
  for (const network of ["generator", "discriminator"] as const) {
    for (const { layer, path } of walkLayers(plan.networks[network].layers)) {
      if (!isClassConditional(layer)) continue;
      const at = ["networks", network, "layers", ...path];
      if (network === "discriminator") problems.push({ path: at, message: "batchnorm affine class is for the generator: the discriminator takes the class through its head" });
      else if (condition === undefined) problems.push({ path: at, message: "batchnorm affine class needs the class: add 'condition classes' to the spec" });
    }
  }
  if (condition === undefined) return problems;
  const classes = "classes" in plan.data ? (plan.data.classes as { names: string[] } | undefined) : undefined;
  if (classes === undefined) {
    problems.push({ path: ["condition"], message: "condition classes needs class labels in the data: give the data a 'classes' option (e.g. data mnist { classes: \"labels\" })" });
  } else if (classes.names.length !== condition.classes) {
    problems.push({ path: ["condition", "classes"], message: `is ${condition.classes} but the data has ${classes.names.length} classes` });
  }
  const layers = plan.networks.discriminator.layers;
  const last = layers[layers.length - 1];
  const lastPath = ["networks", "discriminator", "layers", layers.length - 1];
  if (last?.type !== "dense" || last.units !== 1 || (last.activation !== undefined && last.activation.kind !== "linear")) {
    problems.push({ path: lastPath, message: `a conditional discriminator must end in 'dense 1' with no activation: its ${condition.discriminator} head reads the features that layer reads` });
  } else if (discriminatorFeatureSize(plan.networks.discriminator) === undefined) {
    problems.push({ path: lastPath, message: "a conditional discriminator's last layer must read flat features: add 'flatten' before it" });
  }
  return problems;
}
