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
import {
  blockOf,
  formatPath,
  layerLists,
  walkLayers,
  type Data,
  type Layer,
  type LayerPath,
  type NetworkName,
  type PathSegment,
  type Plan,
  type Rewrite,
  type RewriteResult,
  type Schedulable,
} from "@gan/plan";
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

/**
 * A layer in an editor's working copy, with the edit records that point at it. A block's
 * slot holds slots for the layers of each of its lists, so edits can reach into it.
 */
interface Slot {
  layer: Layer;
  lists: { path: PathSegment[]; slots: Slot[] }[];
}

function slotOf(layer: Layer): Slot {
  return { layer, lists: layerLists(layer).map((list) => ({ path: list.path, slots: list.layers.map(slotOf) })) };
}

/** The layer of a slot, with the edits made inside it. */
function layerOf(slot: Slot): Layer {
  const block = blockOf(slot.layer.type);
  if (block === undefined) return slot.layer;
  return block.withLists(slot.layer as never, slot.lists.map((list) => list.slots.map(layerOf))) as Layer;
}

/** Where a slot is below `slots` (depth first), or undefined when it is no longer there. */
function pathOfSlot(slots: readonly Slot[], wanted: Slot, path: LayerPath = []): LayerPath | undefined {
  for (const [index, slot] of slots.entries()) {
    if (slot === wanted) return [...path, index];
    for (const list of slot.lists) {
      const found = pathOfSlot(list.slots, wanted, [...path, index, ...list.path]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
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
 * A place in a network: the index of a layer among the network's layers, or its path into
 * blocks (`[2, "layers", 0]`: the first layer of the residual block at index 2).
 */
export type LayerPlace = number | LayerPath;

const pathOf = (at: LayerPlace): LayerPath => (typeof at === "number" ? [at] : at);

/** How a place is written in messages: `layer 5`, `layer 2.layers.0`. */
function placeText(at: LayerPlace): string {
  return `layer ${pathOf(at).join(".")}`;
}

/**
 * Collects the changes of one trick to a plan. Places given to its methods refer to the
 * network as it is at the moment of the call (after the edits made so far); a place is an
 * index among the network's layers or a path into its blocks (`LayerPlace`).
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
      generator: plan.networks.generator.layers.map(slotOf),
      discriminator: plan.networks.discriminator.layers.map(slotOf),
    };
    this.data = plan.data;
  }

  /**
   * The layers of a network with the edits so far; with `list`, those of a list inside a
   * block (`[2, "layers"]`, `[3, "branches", 1]`).
   */
  layers(network: NetworkName, list: LayerPath = []): readonly Layer[] {
    return this.slotList(network, list).map(layerOf);
  }

  /** Every layer of a network with its path, depth first into blocks, with the edits so far. */
  walk(network: NetworkName): { layer: Layer; path: LayerPath }[] {
    return [...walkLayers(this.layers(network))];
  }

  /** The path of a layer (the object `layers` or `walk` returned) in the network now, or undefined. */
  pathOf(network: NetworkName, layer: Layer): LayerPath | undefined {
    return this.walk(network).find((entry) => entry.layer === layer)?.path;
  }

  get currentData(): Data {
    return this.data;
  }

  /** The slots of the list at `list` (a path ending at a list of a block, or [] for the network's). */
  private slotList(network: NetworkName, list: LayerPath): Slot[] {
    let slots = this.networks[network];
    let rest = list;
    while (rest.length > 0) {
      const slot = typeof rest[0] === "number" ? slots[rest[0]] : undefined;
      const inner = slot?.lists.find((candidate) => candidate.path.every((segment, i) => rest[i + 1] === segment));
      if (inner === undefined) throw new Error(`${this.trick}: ${network} has no list of layers at ${formatPath(list)}`);
      slots = inner.slots;
      rest = rest.slice(1 + inner.path.length);
    }
    return slots;
  }

  /** The list that holds the place and the index in it. */
  private locate(network: NetworkName, at: LayerPlace): { slots: Slot[]; index: number } {
    const path = pathOf(at);
    const index = path[path.length - 1];
    if (typeof index !== "number") throw new Error(`${this.trick}: ${network} has no layer at ${formatPath(path)}`);
    return { slots: this.slotList(network, path.slice(0, -1)), index };
  }

  private slotAt(network: NetworkName, at: LayerPlace): Slot {
    const { slots, index } = this.locate(network, at);
    const slot = slots[index];
    if (!slot) throw new Error(`${this.trick}: ${network} has no ${placeText(at)} (it has ${slots.length})`);
    return slot;
  }

  replace(network: NetworkName, at: LayerPlace, layer: Layer, description: string): void {
    const slot = this.slotAt(network, at);
    const before = layerOf(slot);
    Object.assign(slot, slotOf(layer));
    this.pending.push({ network, slot, action: "replace", description, before, after: layer });
  }

  /** Inserts `layer` so that it ends up at `at` (index 0: first; the count of its list: last). */
  insert(network: NetworkName, at: LayerPlace, layer: Layer, description: string): void {
    const { slots, index } = this.locate(network, at);
    if (index < 0 || index > slots.length) {
      throw new Error(`${this.trick}: cannot insert at ${index} in ${network}, which has ${slots.length} layers`);
    }
    const slot = slotOf(layer);
    slots.splice(index, 0, slot);
    this.pending.push({ network, slot, action: "insert", description, before: null, after: layer });
  }

  insertAfter(network: NetworkName, at: LayerPlace, layer: Layer, description: string): void {
    this.slotAt(network, at);
    const path = pathOf(at);
    this.insert(network, [...path.slice(0, -1), (path[path.length - 1] as number) + 1], layer, description);
  }

  append(network: NetworkName, layer: Layer, description: string): void {
    this.insert(network, this.networks[network].length, layer, description);
  }

  remove(network: NetworkName, at: LayerPlace, description: string): void {
    const slot = this.slotAt(network, at);
    const { slots, index } = this.locate(network, at);
    slots.splice(index, 1);
    // A removed layer has no index in the result: the record points at the network only.
    this.pending.push({ network, slot: null, action: "remove", description, before: layerOf(slot), after: null });
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
   * A rewrite's `index` is that of the network's layer it changed, or of the block that holds
   * the layer, whose `path` it then records too.
   */
  result(): RewriteResult {
    const networks = {
      generator: { ...this.plan.networks.generator, layers: this.layers("generator").slice() },
      discriminator: { ...this.plan.networks.discriminator, layers: this.layers("discriminator").slice() },
    };
    const rewrites: Rewrite[] = this.pending.map((change) => {
      // A slot that a later edit removed again has no place either.
      const path = change.slot && change.network ? pathOfSlot(this.networks[change.network], change.slot) : undefined;
      const rewrite: Rewrite = {
        trick: this.trick,
        network: change.network,
        index: path === undefined ? null : (path[0] as number),
        action: change.action,
        description: change.description,
      };
      if (path !== undefined && path.length > 1) rewrite.path = path;
      if (change.before !== undefined) rewrite.before = change.before;
      if (change.after !== undefined) rewrite.after = change.after;
      return rewrite;
    });
    const plan: Plan = { ...this.plan, data: this.data, networks };
    return { plan, rewrites };
  }
}

/**
 * Replaces layers one by one, into blocks (a block's layers before the block's next
 * sibling): `map` returns the new layer, or undefined to keep it. Each replacement is
 * recorded with the description `describe` gives.
 */
export function mapLayers(
  plan: Plan,
  trick: string,
  networks: readonly NetworkName[],
  map: (layer: Layer, where: { network: NetworkName; index: number; path: LayerPath; layers: readonly Layer[] }) => Layer | undefined,
  describe: (before: Layer, after: Layer, network: NetworkName) => string,
): RewriteResult {
  const editor = new PlanEditor(plan, trick);
  for (const network of networks) {
    for (const { layer, path } of editor.walk(network)) {
      const replacement = map(layer, { network, index: path[0] as number, path, layers: editor.layers(network, path.slice(0, -1)) });
      if (replacement !== undefined) editor.replace(network, path, replacement, describe(layer, replacement, network));
    }
  }
  return editor.result();
}
