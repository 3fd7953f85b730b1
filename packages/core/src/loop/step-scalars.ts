/**
 * The scalars of one step (losses, tricks' logs), kept as tensors and read in one batch, and
 * only on steps that are logged: on other steps a scalar costs nothing and is never read.
 */
import { tf } from "../tfjs.js";
import { readTensor } from "./tensor-reads.js";

export class StepScalars {
  private logging = false;
  private readonly tensors = new Map<string, tf.Tensor>();
  private readonly numbers = new Map<string, number>();

  /** Starts a step; `logging` says whether this step's scalars will be read. */
  begin(logging: boolean): void {
    this.clear();
    this.logging = logging;
  }

  isLogging(): boolean {
    return this.logging;
  }

  /**
   * Records a scalar the caller does not own (a trick's `log` inside a tidy): kept as a copy
   * when the step is logged, ignored otherwise. A name recorded twice keeps the last value.
   */
  record(name: string, value: number | tf.Tensor): void {
    if (!this.logging) return;
    if (typeof value === "number") {
      this.forget(name);
      this.numbers.set(name, value);
      return;
    }
    this.store(name, tf.keep(value.clone()));
  }

  /** Records a scalar the caller owns and hands over (a loss returned from a tidy). */
  own(name: string, value: tf.Tensor): void {
    if (!this.logging) {
      value.dispose();
      return;
    }
    this.store(name, value);
  }

  private store(name: string, tensor: tf.Tensor): void {
    if (tensor.size !== 1) {
      tensor.dispose();
      throw new Error(`metric '${name}' must be a scalar, got a tensor of shape [${tensor.shape.join(", ")}]`);
    }
    this.forget(name);
    this.tensors.set(name, tensor);
  }

  private forget(name: string): void {
    this.tensors.get(name)?.dispose();
    this.tensors.delete(name);
    this.numbers.delete(name);
  }

  /** Reads every tensor scalar in one read; returns all scalars by name and releases them. */
  async read(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    const names = [...this.tensors.keys()];
    if (names.length > 0) {
      const stacked = tf.tidy(() => tf.stack(names.map((name) => tf.reshape(this.tensors.get(name)!, []))));
      try {
        const values = await readTensor(stacked);
        names.forEach((name, i) => (result[name] = values[i]!));
      } finally {
        stacked.dispose();
      }
    }
    for (const [name, value] of this.numbers) result[name] = value;
    this.clear();
    return result;
  }

  /** Releases what the step kept (also after an error). */
  clear(): void {
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
    this.numbers.clear();
  }
}
