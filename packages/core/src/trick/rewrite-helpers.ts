/**
 * Helpers for a trick's compile-time `rewrite` hook: change the layers of a network or the
 * data of a plan while recording every change as a `Rewrite` entry, so that `plan.rewrites`
 * tells the user exactly what each trick did (docs/ARCHITECTURE.md, "Life of a spec", step 4).
 *
 * The helpers never change the plan they are given: a `PlanEditor` works on copies and
 * `result()` returns a new plan. A rewrite's `index` is the position of the changed layer in
 * the network once every edit of the trick is applied, so several insertions by one trick
 * still point at the right layers.
 *
 * Inserted layers carry no `outputShape`; the compiler infers shapes again after rewrites.
 */
import type { Data, Layer, NetworkName, Plan, Rewrite, RewriteResult, Schedulable } from "@gan/plan";
import type { NetworkSelector } from "./hooks.js";

/** How a layer is written in messages: `dense 128 relu`, `conv 64 leakyrelu 0.2`, `maxpool 2` (each kind's `describe`). */
export { describeLayer } from "@gan/plan";

/** The networks a `networks: "generator" | "discriminator" | "both"` option selects, generator first. */
export function selectNetworks(selector: NetworkSelector): NetworkName[] {
  return selector === "both" ? ["generator", "discriminator"] : [selector];
}

/** Layers that hold weights: what "the first layer" or "a hidden layer" means in DCGAN's rules. */
export const WEIGHT_LAYER_TYPES = ["dense", "conv", "deconv"] as const;
export type WeightLayer = Extract<Layer, { type: (typeof WEIGHT_LAYER_TYPES)[number] }>;

export function isWeightLayer(layer: Layer): layer is WeightLayer {
  return (WEIGHT_LAYER_TYPES as readonly string[]).includes(layer.type);
}

/** Indices of the weight layers of a network, in order. */
export function weightLayerIndices(layers: readonly Layer[]): number[] {
  return layers.flatMap((layer, index) => (isWeightLayer(layer) ? [index] : []));
}

/**
 * A number option that a rewrite needs at compile time. Every numeric option accepts a
 * schedule (the runtime evaluates it at each step), but a compile-time change cannot follow a
 * schedule: this refuses one with a message naming the option.
 */
export function compileTimeNumber(value: Schedulable | unknown, option: string): number {
  if (typeof value === "number") return value;
  throw new Error(`option '${option}' is applied at compile time and cannot be a schedule: give a number`);
}

/** A layer in an editor's working copy, with the edit records that point at it. */
interface Slot {
  layer: Layer;
}

interface PendingRewrite {
  network: NetworkName | null;
  slot: Slot | null;
  action: Rewrite["action"];
  description: string;
  before?: Layer | null;
  after?: Layer | null;
}

/**
 * Collects the changes of one trick to a plan. Indices given to its methods refer to the
 * network as it is at the moment of the call (after the edits made so far).
 */
export class PlanEditor {
  private readonly networks: Record<NetworkName, Slot[]>;
  private data: Data;
  private readonly pending: PendingRewrite[] = [];

  constructor(
    private readonly plan: Plan,
    /** The trick making the changes, as recorded in `plan.rewrites`. */
    readonly trick: string,
  ) {
    this.networks = {
      generator: plan.networks.generator.layers.map((layer) => ({ layer })),
      discriminator: plan.networks.discriminator.layers.map((layer) => ({ layer })),
    };
    this.data = plan.data;
  }

  /** The layers of a network with the edits so far. */
  layers(network: NetworkName): readonly Layer[] {
    return this.networks[network].map((slot) => slot.layer);
  }

  get currentData(): Data {
    return this.data;
  }

  private slotAt(network: NetworkName, index: number): Slot {
    const slot = this.networks[network][index];
    if (!slot) throw new Error(`${this.trick}: ${network} has no layer ${index} (it has ${this.networks[network].length})`);
    return slot;
  }

  replace(network: NetworkName, index: number, layer: Layer, description: string): void {
    const slot = this.slotAt(network, index);
    const before = slot.layer;
    slot.layer = layer;
    this.pending.push({ network, slot, action: "replace", description, before, after: layer });
  }

  /** Inserts `layer` so that it ends up at `index` (0: first; the layer count: last). */
  insert(network: NetworkName, index: number, layer: Layer, description: string): void {
    const slots = this.networks[network];
    if (index < 0 || index > slots.length) {
      throw new Error(`${this.trick}: cannot insert at ${index} in ${network}, which has ${slots.length} layers`);
    }
    const slot: Slot = { layer };
    slots.splice(index, 0, slot);
    this.pending.push({ network, slot, action: "insert", description, before: null, after: layer });
  }

  insertAfter(network: NetworkName, index: number, layer: Layer, description: string): void {
    this.slotAt(network, index);
    this.insert(network, index + 1, layer, description);
  }

  append(network: NetworkName, layer: Layer, description: string): void {
    this.insert(network, this.networks[network].length, layer, description);
  }

  remove(network: NetworkName, index: number, description: string): void {
    const slot = this.slotAt(network, index);
    this.networks[network].splice(index, 1);
    // A removed layer has no index in the result: the record points at the network only.
    this.pending.push({ network, slot: null, action: "remove", description, before: slot.layer, after: null });
  }

  setData(data: Data, description: string): void {
    this.data = data;
    this.pending.push({ network: null, slot: null, action: "data", description });
  }

  /** A change that is neither a layer nor the data (recorded for the user to see). */
  note(description: string, network: NetworkName | null = null): void {
    this.pending.push({ network, slot: null, action: "other", description });
  }

  /** Whether any change was made. */
  get changed(): boolean {
    return this.pending.length > 0;
  }

  /**
   * The new plan and this trick's rewrites. As the `RewriteResult` contract says, the compiler
   * appends `rewrites` to `plan.rewrites`: the plan returned keeps the rewrites it came with.
   */
  result(): RewriteResult {
    const networks = {
      generator: { ...this.plan.networks.generator, layers: this.layers("generator").slice() },
      discriminator: { ...this.plan.networks.discriminator, layers: this.layers("discriminator").slice() },
    };
    const rewrites: Rewrite[] = this.pending.map((change) => {
      const index = change.slot && change.network ? this.networks[change.network].indexOf(change.slot) : -1;
      const rewrite: Rewrite = {
        trick: this.trick,
        network: change.network,
        // A slot that a later edit removed again has no index either.
        index: index >= 0 ? index : null,
        action: change.action,
        description: change.description,
      };
      if (change.before !== undefined) rewrite.before = change.before;
      if (change.after !== undefined) rewrite.after = change.after;
      return rewrite;
    });
    const plan: Plan = { ...this.plan, data: this.data, networks };
    return { plan, rewrites };
  }
}

/**
 * Replaces layers one by one: `map` returns the new layer, or undefined to keep it. Each
 * replacement is recorded with the description `describe` gives.
 */
export function mapLayers(
  plan: Plan,
  trick: string,
  networks: readonly NetworkName[],
  map: (layer: Layer, where: { network: NetworkName; index: number; layers: readonly Layer[] }) => Layer | undefined,
  describe: (before: Layer, after: Layer, network: NetworkName) => string,
): RewriteResult {
  const editor = new PlanEditor(plan, trick);
  for (const network of networks) {
    const layers = editor.layers(network);
    layers.forEach((layer, index) => {
      const replacement = map(layer, { network, index, layers });
      if (replacement !== undefined) editor.replace(network, index, replacement, describe(layer, replacement, network));
    });
  }
  return editor.result();
}
