/**
 * The order a finite set's examples are served in: shuffled epochs, each a fresh permutation of
 * all examples (from the identity, so that an epoch's order depends only on the stream's state
 * when it began); a batch that runs past an epoch's end continues into the next. Its state is
 * the stream's state at the epoch's start and the position in it, so a resumed run replays the
 * shuffle and goes on where it stopped.
 */
import type { DataKind, JsonValue } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng, RngState } from "../random.js";
import { formatRange } from "./range.js";
import { stateObject } from "./source.js";

export class EpochOrder {
  private readonly order: Uint32Array;
  epoch = 0;
  /** The next example's position in the epoch. */
  position = 0;
  private epochStart: RngState;

  constructor(
    private readonly rng: Rng,
    readonly size: number,
  ) {
    this.order = new Uint32Array(size);
    this.epochStart = rng.getState();
    this.shuffle();
  }

  private shuffle(): void {
    this.epochStart = this.rng.getState();
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    this.rng.shuffle(this.order);
    this.position = 0;
  }

  /** The next example's index, starting a new epoch when this one is done. */
  next(): number {
    if (this.position === this.order.length) {
      this.epoch++;
      this.shuffle();
    }
    return this.order[this.position++]!;
  }

  getState(kind: DataKind): JsonValue {
    return { kind, size: this.size, epoch: this.epoch, position: this.position, epochStart: this.epochStart as unknown as JsonValue };
  }

  setState(state: JsonValue, kind: DataKind): void {
    const saved = stateObject(state, kind);
    const { size, epoch, position } = saved;
    if (size !== this.size) {
      throw new UserError(`the saved data state is for a set of ${String(size)} examples, but this ${kind} set has ${this.size}`);
    }
    if (typeof epoch !== "number" || typeof position !== "number" || !(position >= 0 && position <= this.size)) {
      throw new Error(`not a saved state of a ${kind} data source: ${JSON.stringify(state).slice(0, 200)}`);
    }
    // Replaying the epoch's shuffle from the stream's state at its start rebuilds the
    // permutation, and leaves the stream where it was after that shuffle.
    this.rng.setState(saved.epochStart as unknown as RngState);
    this.shuffle();
    this.epoch = epoch;
    this.position = position;
  }
}

/**
 * What a source of a finite set served in epoch order (an images folder, a CSV or .npy table)
 * shares: its state is its order's, and it describes itself as `kind: origin, details, values
 * in [a, b]`.
 */
export abstract class EpochOrderedSource {
  abstract readonly kind: DataKind;
  abstract readonly range: readonly [number, number] | null;
  protected abstract readonly order: EpochOrder;

  getState(): JsonValue {
    return this.order.getState(this.kind);
  }

  setState(state: JsonValue): void {
    this.order.setState(state, this.kind);
  }

  /** `origin` is the file or folder; `details` what else the set is (", 10 classes"). */
  protected describeSet(origin: string, details = ""): string {
    const range = this.range === null ? "" : `, values in ${formatRange(this.range)}`;
    return `${this.kind}: ${origin}${details}${range}`;
  }
}
