/** Fields several layer kinds share: an activation, a padding. */
import { z } from "zod";
import { finite } from "../primitives.js";

export const ActivationSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("linear") }),
  z.strictObject({ kind: z.literal("relu") }),
  z.strictObject({ kind: z.literal("leakyrelu"), alpha: finite.min(0).default(0.2) }),
  z.strictObject({ kind: z.literal("tanh") }),
  z.strictObject({ kind: z.literal("sigmoid") }),
]);
export type Activation = z.infer<typeof ActivationSchema>;
export type ActivationKind = Activation["kind"];
export const ACTIVATION_KINDS = ["linear", "relu", "leakyrelu", "tanh", "sigmoid"] as const satisfies readonly ActivationKind[];

export const PADDINGS = ["same", "valid"] as const;
export const PaddingSchema = z.enum(PADDINGS);
export type Padding = z.infer<typeof PaddingSchema>;

/** How an activation is written after a layer in messages: ` relu`, ` leakyrelu 0.2`, or nothing. */
export function describeActivation(activation: Activation | undefined): string {
  if (!activation) return "";
  return activation.kind === "leakyrelu" ? ` leakyrelu ${activation.alpha}` : ` ${activation.kind}`;
}

/** Names of activations from other tools, lower case, for "did you mean". */
export const ACTIVATION_ALIASES: Readonly<Record<string, string>> = {
  lrelu: "leakyrelu",
  leaky_relu: "leakyrelu",
  "leaky-relu": "leakyrelu",
};
