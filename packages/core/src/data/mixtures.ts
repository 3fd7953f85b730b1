/**
 * The 2-D Gaussian mixtures of the GAN mode-collapse literature, as PacGAN (Lin et al. 2018)
 * and VEEGAN define them: `ring` puts `modes` means evenly on a circle of `radius` (8, 1,
 * std 0.01 by default); `grid` puts side x side means at {-(side-1)/2, ..., (side-1)/2} x
 * spacing in each coordinate ({-4, -2, 0, 2, 4}^2, std 0.05 by default). Each sample picks a
 * mode uniformly and adds isotropic noise of standard deviation `std`.
 */
import type { GridData, JsonValue, RingData } from "@gan/plan";
import { UserError } from "../errors.js";
import type { Rng, RngState } from "../random.js";
import type { Range } from "./range.js";
import { checkBatch, rangeMapFor, stateObject, type DataBatch, type DataLoader, type DataSource } from "./source.js";

export type MixtureData = RingData | GridData;

/** The mixture's means as [x, y] pairs: ring counter-clockwise from (radius, 0); grid row by row, x slowest. */
export function mixtureMeans(data: MixtureData): [number, number][] {
  if (data.kind === "ring") {
    const modes = data.modes ?? 8;
    const radius = data.radius ?? 1;
    return Array.from({ length: modes }, (_, k) => {
      const angle = (2 * Math.PI * k) / modes;
      return [radius * Math.cos(angle), radius * Math.sin(angle)];
    });
  }
  const side = data.side ?? 5;
  const spacing = data.spacing ?? 2;
  const offset = (side - 1) / 2;
  const means: [number, number][] = [];
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) means.push([(i - offset) * spacing, (j - offset) * spacing]);
  }
  return means;
}

/** The noise standard deviation of each mode. */
export function mixtureStd(data: MixtureData): number {
  return data.std ?? (data.kind === "ring" ? 0.01 : 0.05);
}

class MixtureSource implements DataSource {
  readonly kind: MixtureData["kind"];
  readonly shape = [2];
  readonly size = null;
  readonly range: Range | null;
  readonly labels = null;
  private readonly meansXY: Float64Array;
  private readonly std: number;
  private readonly map;

  constructor(
    private readonly data: MixtureData,
    private readonly rng: Rng,
  ) {
    this.kind = data.kind;
    if (data.shape.length !== 1 || data.shape[0] !== 2) {
      throw new UserError(`${data.kind} data is 2-D, but the plan's data shape is [${data.shape.join(", ")}]`);
    }
    this.meansXY = Float64Array.from(mixtureMeans(data).flat());
    this.std = mixtureStd(data);
    this.map = rangeMapFor(data, null);
    this.range = this.map.target;
  }

  nextExamples(batch: number, out?: Float32Array): DataBatch {
    return { examples: this.nextBatch(batch, out) };
  }

  nextBatch(batch: number, out?: Float32Array): Float32Array {
    const values = checkBatch(batch, 2, out);
    // Noise first, in one fast fill, then each example's mode: the order is part of the
    // stream's definition (same seed, same batches), so it must not change casually.
    this.rng.fillNormal(values, 0, this.std);
    const modes = this.meansXY.length / 2;
    for (let i = 0; i < batch; i++) {
      const mode = this.rng.int(modes);
      values[2 * i] = values[2 * i]! + this.meansXY[2 * mode]!;
      values[2 * i + 1] = values[2 * i + 1]! + this.meansXY[2 * mode + 1]!;
    }
    return values;
  }

  getState(): JsonValue {
    return { kind: this.kind, rng: this.rng.getState() as unknown as JsonValue };
  }

  setState(state: JsonValue): void {
    this.rng.setState(stateObject(state, this.kind).rng as unknown as RngState);
  }

  describe(): string {
    const modes = this.meansXY.length / 2;
    const layout =
      this.data.kind === "ring"
        ? `${modes} modes on a circle of radius ${this.data.radius}`
        : `${modes} modes on a ${this.data.side}x${this.data.side} grid with spacing ${this.data.spacing}`;
    return `${this.kind}: ${layout}, std ${this.std}`;
  }
}


/** ring and grid: drawn without end, no files. */
export const mixtureLoader: DataLoader<MixtureData> = {
  readFacts: async () => ({ shape: [2] }),
  open: async (data, options) => new MixtureSource(data, options.rng),
};
