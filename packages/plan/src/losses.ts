/**
 * Loss kinds, each declared once: its spec word, what it is, and what the rest of the system
 * must know about it without running it (no tensors here: @gan/dsl loads this module).
 * @gan/core registers one implementation per declared kind (packages/core/src/losses), and
 * the plan's schema, dsl's `loss` words with their did-you-mean aliases, the label tricks'
 * checks, the training monitor and `gan doctor` all read these declarations.
 *
 * A trick package may provide further losses (`losses` on its trick definition): a plan
 * selects one as `{ kind: "trick", trick: "<package>", name: "<key>" }`, and its declaration
 * comes with the trick (docs/ARCHITECTURE.md, "How to add a loss kind").
 */
import { z } from "zod";

/** What a loss is, apart from its tensors. */
export interface LossDeclaration {
  /** One line: what the loss is and where it comes from (shown by the language reference). */
  doc: string;
  /**
   * Whether D's loss compares its outputs with targets (1 for real, 0 for fake, unless a trick
   * such as @gan/label-smoothing or @gan/label-noise changes them). A loss without targets
   * ignores labels, so those tricks refuse it.
   */
  takesTargets: boolean;
  /**
   * Whether G's loss needs D's logits on a real batch (the relativistic losses). Only then does
   * G's update draw a real batch and apply D to it: the other losses cost what they always did.
   */
  generatorUsesRealLogits: boolean;
  /**
   * How `d_acc` (D's accuracy) is judged: `threshold` puts real logits above and fake logits
   * below a fixed value; `relativistic` puts each real logit above the fake batch's mean and
   * each fake logit below the real batch's mean (what a relativistic D estimates). Absent when
   * D's outputs mean something only as differences (a Wasserstein critic): no accuracy.
   */
  accuracy?: { kind: "threshold"; at: number } | { kind: "relativistic" };
  /**
   * D's loss at the equilibrium (D cannot tell real from fake), and the loss below which a D
   * that is also almost always right "wins" so that G's gradient fades (TrainingMonitor, `gan
   * doctor`). Absent when D's loss has no such scale (Wasserstein).
   */
  winning?: { equilibrium: number; below: number };
}

/** A built-in loss: its declaration and the words a spec may mistakenly write for it. */
export interface BuiltinLossDeclaration<Kind extends string = string> extends LossDeclaration {
  /** The spec word (`loss hinge`) and the plan's `loss.kind`. */
  kind: Kind;
  /** Names used elsewhere (papers, other libraries) that dsl's did-you-mean maps to this kind. */
  aliases: readonly string[];
}

/** The sigmoid losses' D loss at D(x) = 1/2 for every sample: ln 2 per batch, two batches. */
const BCE_EQUILIBRIUM = 2 * Math.log(2);

// The `winning.below` bounds sit under 40% of the equilibrium, yet above what one-sided label
// smoothing at 0.9 still allows (BCE: H(0.9) = 0.33), so a run that smooths its labels is still
// warned. The relativistic losses keep the ratio of their absolute counterparts.

/** The built-in losses, in the order the language reference lists them. */
export const BUILTIN_LOSSES = [
  {
    kind: "minimax",
    aliases: ["bce", "vanilla", "sgan"],
    doc: "the original GAN (Goodfellow et al. 2014): D minimises BCE(real, 1) + BCE(fake, 0), G minimises log(1 - D(G(z))), which saturates when D wins early",
    takesTargets: true,
    generatorUsesRealLogits: false,
    accuracy: { kind: "threshold", at: 0 },
    winning: { equilibrium: BCE_EQUILIBRIUM, below: 0.5 },
  },
  {
    kind: "nonsaturating",
    aliases: ["non-saturating", "ns", "nsgan"],
    doc: "the default: D as in minimax, G minimises -log D(G(z)) = BCE(fake, 1) (Goodfellow et al. 2014, section 3)",
    takesTargets: true,
    generatorUsesRealLogits: false,
    accuracy: { kind: "threshold", at: 0 },
    winning: { equilibrium: BCE_EQUILIBRIUM, below: 0.5 },
  },
  {
    kind: "wasserstein",
    aliases: ["wgan", "wgan-gp"],
    doc: "WGAN (Arjovsky et al. 2017): the critic minimises mean(fake) - mean(real), G minimises -mean(fake); pair it with @gan/gp or @gan/weight-clip",
    takesTargets: false,
    generatorUsesRealLogits: false,
  },
  {
    kind: "hinge",
    aliases: ["hingegan"],
    doc: "hinge loss (Lim & Ye 2017; SNGAN, SAGAN, BigGAN): D minimises mean(relu(1 - real)) + mean(relu(1 + fake)), G minimises -mean(fake)",
    takesTargets: false,
    generatorUsesRealLogits: false,
    accuracy: { kind: "threshold", at: 0 },
    winning: { equilibrium: 2, below: 0.5 },
  },
  {
    kind: "least-squares",
    aliases: ["lsgan", "ls", "mse"],
    doc: "LSGAN (Mao et al. 2017, a = 0, b = c = 1): D minimises 0.5 mean((real - 1)^2) + 0.5 mean(fake^2), G minimises 0.5 mean((fake - 1)^2)",
    takesTargets: true,
    generatorUsesRealLogits: false,
    accuracy: { kind: "threshold", at: 0.5 },
    winning: { equilibrium: 0.25, below: 0.1 },
  },
  {
    kind: "ragan",
    aliases: ["rasgan", "relativistic", "relativistic-average"],
    doc: "relativistic average standard GAN (RaSGAN, Jolicoeur-Martineau 2018): BCE on real - mean(fake) and fake - mean(real), targets swapped for G, each averaged over the two terms",
    takesTargets: false,
    generatorUsesRealLogits: true,
    accuracy: { kind: "relativistic" },
    winning: { equilibrium: Math.log(2), below: 0.25 },
  },
  {
    kind: "ralsgan",
    aliases: ["rals", "relativistic-least-squares"],
    doc: "relativistic average least squares (RaLSGAN, Jolicoeur-Martineau 2018): (real - mean(fake) - 1)^2 and (fake - mean(real) + 1)^2, signs swapped for G, averaged",
    takesTargets: false,
    generatorUsesRealLogits: true,
    accuracy: { kind: "relativistic" },
    winning: { equilibrium: 1, below: 0.4 },
  },
  {
    kind: "rahinge",
    aliases: ["rahingegan", "relativistic-hinge"],
    doc: "relativistic average hinge (RaHingeGAN, Jolicoeur-Martineau 2018): relu(1 - (real - mean(fake))) and relu(1 + (fake - mean(real))), signs swapped for G, averaged",
    takesTargets: false,
    generatorUsesRealLogits: true,
    accuracy: { kind: "relativistic" },
    winning: { equilibrium: 1, below: 0.25 },
  },
] as const satisfies readonly BuiltinLossDeclaration[];

export type LossKind = (typeof BUILTIN_LOSSES)[number]["kind"];
export const LOSS_KINDS = BUILTIN_LOSSES.map((loss) => loss.kind) as unknown as readonly [LossKind, ...LossKind[]];

/** Wrong words for a loss mapped to the kind meant, for dsl's did-you-mean. */
export const LOSS_ALIASES: Readonly<Record<string, LossKind>> = Object.fromEntries(
  BUILTIN_LOSSES.flatMap((loss) => loss.aliases.map((alias) => [alias, loss.kind])),
);

/** The plan's `loss.kind` of a loss a trick package provides. */
export const TRICK_LOSS_KIND = "trick";

export const BuiltinLossSchema = z.strictObject({ kind: z.enum(LOSS_KINDS) });
/** A loss a trick package provides: `trick` names the package (used by the plan), `name` the loss in its `losses`. */
export const TrickLossSchema = z.strictObject({
  kind: z.literal(TRICK_LOSS_KIND),
  trick: z.string().min(1),
  name: z.string().min(1),
});
export const LossSchema = z.discriminatedUnion("kind", [BuiltinLossSchema, TrickLossSchema]);
export type BuiltinLoss = z.infer<typeof BuiltinLossSchema>;
export type TrickLoss = z.infer<typeof TrickLossSchema>;
export type Loss = z.infer<typeof LossSchema>;

export function isBuiltinLossKind(word: string): word is LossKind {
  return (LOSS_KINDS as readonly string[]).includes(word);
}

/** The declaration of a built-in loss kind. */
export function builtinLoss(kind: LossKind): BuiltinLossDeclaration<LossKind> {
  return BUILTIN_LOSSES.find((loss) => loss.kind === kind)!;
}

/** How a plan's loss is named in messages: `hinge`, or `my-loss (from gan-loss-foo)`. */
export function describeLoss(loss: Loss): string {
  return loss.kind === TRICK_LOSS_KIND ? `${loss.name} (from ${loss.trick})` : loss.kind;
}

/**
 * The declaration of a plan's loss: a built-in's, or the one its trick provides, looked up with
 * `trickLoss` (undefined when that trick is not loaded or provides no such loss).
 */
export function lossDeclaration(
  loss: Loss,
  trickLoss: (trick: string, name: string) => LossDeclaration | undefined,
): LossDeclaration | undefined {
  return loss.kind === TRICK_LOSS_KIND ? trickLoss(loss.trick, loss.name) : builtinLoss(loss.kind);
}

/** The losses that take targets, as messages list them: "minimax, nonsaturating, least-squares". */
export function lossesWithTargets(): string {
  return BUILTIN_LOSSES.filter((loss) => loss.takesTargets)
    .map((loss) => loss.kind)
    .join(", ");
}
