import { DataSchema, type Data } from "@gan/plan";
import { describe, expect, it } from "vitest";
import { createRng } from "../random.js";
import { mixtureMeans, openDataSource } from "./index.js";

const ring = (extra: object = {}): Data =>
  DataSchema.parse({ kind: "ring", shape: [2], nativeRange: null, range: null, ...extra });
const grid = (extra: object = {}): Data =>
  DataSchema.parse({ kind: "grid", shape: [2], nativeRange: null, range: null, ...extra });

describe("mixtureMeans", () => {
  it("puts the ring's 8 means on the unit circle, counter-clockwise from (1, 0)", () => {
    const means = mixtureMeans(ring() as Extract<Data, { kind: "ring" }>);
    expect(means).toHaveLength(8);
    const s = Math.SQRT1_2;
    const expected = [[1, 0], [s, s], [0, 1], [-s, s], [-1, 0], [-s, -s], [0, -1], [s, -s]];
    means.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(expected[k]![0]!, 12);
      expect(y).toBeCloseTo(expected[k]![1]!, 12);
    });
    const wide = mixtureMeans(ring({ modes: 3, radius: 2 }) as Extract<Data, { kind: "ring" }>);
    expect(wide[1]![0]).toBeCloseTo(-1, 12);
    expect(wide[1]![1]).toBeCloseTo(Math.sqrt(3), 12);
  });

  it("puts the grid's 25 means at {-4, -2, 0, 2, 4}^2, and other sides and spacings where asked", () => {
    const means = mixtureMeans(grid() as Extract<Data, { kind: "grid" }>);
    expect(means).toHaveLength(25);
    expect(means[0]).toEqual([-4, -4]);
    expect(means[1]).toEqual([-4, -2]);
    expect(means[12]).toEqual([0, 0]);
    expect(means[24]).toEqual([4, 4]);
    expect(mixtureMeans(grid({ side: 2, spacing: 3 }) as Extract<Data, { kind: "grid" }>)).toEqual([
      [-1.5, -1.5], [-1.5, 1.5], [1.5, -1.5], [1.5, 1.5],
    ]);
  });
});

describe("mixture sources", () => {
  it("samples the ring: every point near a mode, modes equally often, noise of the asked std", async () => {
    const source = await openDataSource(ring(), { rng: createRng(1) });
    expect(source.shape).toEqual([2]);
    expect(source.size).toBeNull();
    expect(source.describe()).toBe("ring: 8 modes on a circle of radius 1, std 0.01");
    const n = 40_000;
    const points = source.nextBatch(n);
    const means = mixtureMeans(ring() as Extract<Data, { kind: "ring" }>);
    const counts = new Array<number>(8).fill(0);
    let squared = 0;
    let far = 0;
    for (let i = 0; i < n; i++) {
      const x = points[2 * i]!;
      const y = points[2 * i + 1]!;
      let best = 0;
      let bestDistance = Infinity;
      means.forEach(([mx, my], k) => {
        const d = (x - mx) ** 2 + (y - my) ** 2;
        if (d < bestDistance) [best, bestDistance] = [k, d];
      });
      counts[best]!++;
      squared += bestDistance;
      if (Math.sqrt(bestDistance) > 0.06) far++;
    }
    expect(far).toBe(0);
    // Each count is Binomial(4e4, 1/8): sd 66, so 5 sd is 331.
    for (const count of counts) expect(Math.abs(count - 5000)).toBeLessThan(331);
    // Per-coordinate std from the mean squared distance to the mode (2 coordinates).
    expect(Math.sqrt(squared / (2 * n))).toBeCloseTo(0.01, 3);
  });

  it("samples the grid around its 25 means", async () => {
    const source = await openDataSource(grid({ std: 0.05 }), { rng: createRng(2) });
    const points = source.nextBatch(5000);
    let offGrid = 0;
    for (let i = 0; i < points.length; i++) {
      const nearest = Math.min(4, Math.max(-4, 2 * Math.round(points[i]! / 2)));
      if (Math.abs(points[i]! - nearest) > 0.3) offGrid++;
    }
    expect(offGrid).toBe(0);
    expect(source.describe()).toBe("grid: 25 modes on a 5x5 grid with spacing 2, std 0.05");
  });

  it("gives a restored source the batches the original would have drawn", async () => {
    const original = await openDataSource(ring(), { rng: createRng(3) });
    original.nextBatch(7);
    const saved = JSON.parse(JSON.stringify(original.getState()));
    const expected = [original.nextBatch(5), original.nextBatch(3)];
    const resumed = await openDataSource(ring(), { rng: createRng(99) });
    resumed.setState(saved);
    expect([resumed.nextBatch(5), resumed.nextBatch(3)]).toEqual(expected);
    expect(() => resumed.setState({ kind: "grid" })).toThrow("not a saved state of a ring data source");
  });

  it("fills a given array, and refuses one of the wrong length", async () => {
    const source = await openDataSource(ring(), { rng: createRng(4) });
    const out = new Float32Array(6);
    expect(source.nextBatch(3, out)).toBe(out);
    expect(() => source.nextBatch(3, new Float32Array(5))).toThrow("nextBatch(3) needs an output array of 6 values, got 5");
    expect(() => source.nextBatch(0)).toThrow("batch size must be a positive integer, got 0");
  });

  it("refuses a plan that asks to map unbounded mixture data onto a range, or a shape other than [2]", async () => {
    await expect(openDataSource(ring({ range: [-1, 1] }), { rng: createRng(0) })).rejects.toThrow(
      "the plan asks for ring data in [-1, 1], but the ring source is unbounded and cannot be mapped onto a range",
    );
    await expect(openDataSource(grid({ shape: [3] }), { rng: createRng(0) })).rejects.toThrow(
      "grid data is 2-D, but the plan's data shape is [3]",
    );
  });
});
