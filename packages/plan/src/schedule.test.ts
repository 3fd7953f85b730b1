import { describe, expect, it } from "vitest";
import { findSchedules, type ScheduleInput, isSchedule, looksLikeSchedule, resolveSchedules, scheduleProblems, valueAt } from "./schedule.js";

describe("valueAt", () => {
  it("returns a plain number as it is, at any step", () => {
    expect(valueAt(2e-4, 0)).toBe(2e-4);
    expect(valueAt(2e-4, 123456)).toBe(2e-4);
  });

  describe("linear", () => {
    const lr: ScheduleInput = { schedule: "linear", from: 2, to: 10, start: 100, end: 200 };
    it("holds `from` up to and at `start`", () => {
      expect(valueAt(lr, 0)).toBe(2);
      expect(valueAt(lr, 99)).toBe(2);
      expect(valueAt(lr, 100)).toBe(2);
    });
    it("interpolates inside the window", () => {
      expect(valueAt(lr, 101)).toBe(2.08);
      expect(valueAt(lr, 125)).toBe(4);
      expect(valueAt(lr, 150)).toBe(6);
      expect(valueAt(lr, 175)).toBe(8);
    });
    it("reaches `to` exactly at `end` and holds it after", () => {
      expect(valueAt(lr, 200)).toBe(10);
      expect(valueAt(lr, 1_000_000)).toBe(10);
      // 0.1 + (0.3 - 0.1) * 1 is 0.30000000000000004: the end value must not be computed.
      expect(valueAt({ schedule: "linear", from: 0.1, to: 0.3, end: 10 }, 10)).toBe(0.3);
    });
    it("starts at step 0 when `start` is absent", () => {
      const std: ScheduleInput = { schedule: "linear", from: 1, to: 0, end: 8 };
      expect(valueAt(std, 0)).toBe(1);
      expect(valueAt(std, 2)).toBe(0.75);
      expect(valueAt(std, 6)).toBe(0.25);
      expect(valueAt(std, 8)).toBe(0);
    });
    it("decreases as well as increases", () => {
      expect(valueAt({ schedule: "linear", from: 0.1, to: 0, start: 0, end: 10000 }, 5000)).toBeCloseTo(0.05, 15);
    });
  });

  describe("cosine", () => {
    const noise: ScheduleInput = { schedule: "cosine", from: 1, to: 0, start: 0, end: 100 };
    it("holds its ends", () => {
      expect(valueAt(noise, 0)).toBe(1);
      expect(valueAt(noise, 100)).toBe(0);
      expect(valueAt(noise, 150)).toBe(0);
    });
    it("follows half a cosine: from + (to - from) * (1 - cos(pi t)) / 2", () => {
      // t = 1/4: (1 - cos(pi/4)) / 2 = (1 - 0.7071067811865476) / 2 = 0.1464466094067262
      expect(valueAt(noise, 25)).toBeCloseTo(0.8535533905932738, 14);
      expect(valueAt(noise, 50)).toBeCloseTo(0.5, 14);
      expect(valueAt(noise, 75)).toBeCloseTo(0.1464466094067262, 14);
    });
    it("shifts with its window", () => {
      const shifted: ScheduleInput = { schedule: "cosine", from: 0, to: 4, start: 1000, end: 2000 };
      expect(valueAt(shifted, 999)).toBe(0);
      expect(valueAt(shifted, 1000)).toBe(0);
      expect(valueAt(shifted, 1500)).toBeCloseTo(2, 14);
      expect(valueAt(shifted, 1250)).toBeCloseTo(0.5857864376269049, 14); // 4 * 0.1464466094067262
    });
  });

  describe("step", () => {
    const lr: ScheduleInput = {
      schedule: "step",
      initial: 1e-3,
      changes: [
        { at: 1000, value: 5e-4 },
        { at: 3000, value: 1e-4 },
      ],
    };
    it("holds `initial` before the first change", () => {
      expect(valueAt(lr, 0)).toBe(1e-3);
      expect(valueAt(lr, 999)).toBe(1e-3);
    });
    it("takes each change's value from its `at` on", () => {
      expect(valueAt(lr, 1000)).toBe(5e-4);
      expect(valueAt(lr, 2999)).toBe(5e-4);
      expect(valueAt(lr, 3000)).toBe(1e-4);
      expect(valueAt(lr, 1_000_000)).toBe(1e-4);
    });
    it("applies a change at step 0 from the start", () => {
      expect(valueAt({ schedule: "step", initial: 1, changes: [{ at: 0, value: 2 }] }, 0)).toBe(2);
    });
  });
});

describe("scheduleProblems", () => {
  it("accepts well-ordered schedules", () => {
    expect(scheduleProblems({ schedule: "linear", from: 1, to: 0, end: 1 })).toEqual([]);
    expect(scheduleProblems({ schedule: "cosine", from: 1, to: 0, start: 5, end: 6 })).toEqual([]);
    expect(
      scheduleProblems({ schedule: "step", initial: 1, changes: [{ at: 0, value: 2 }, { at: 10, value: 3 }] }),
    ).toEqual([]);
  });
  it("refuses a window that ends before it starts", () => {
    expect(scheduleProblems({ schedule: "linear", from: 1, to: 0, start: 200, end: 100 })).toEqual([
      "end (100) must be after start (200)",
    ]);
    expect(scheduleProblems({ schedule: "cosine", from: 1, to: 0, start: 50, end: 50 })).toEqual([
      "end (50) must be after start (50)",
    ]);
  });
  it("refuses an empty window at step 0 when `start` is absent", () => {
    expect(scheduleProblems({ schedule: "linear", from: 1, to: 0, end: 0 })).toEqual(["end (0) must be after start (0)"]);
  });
  it("refuses step changes out of order or at the same step", () => {
    const unsorted: ScheduleInput = { schedule: "step", initial: 1, changes: [{ at: 3000, value: 2 }, { at: 1000, value: 3 }] };
    expect(scheduleProblems(unsorted)).toEqual(["step changes must be in increasing order of 'at': 1000 comes after 3000"]);
    const twice: ScheduleInput = { schedule: "step", initial: 1, changes: [{ at: 10, value: 2 }, { at: 10, value: 3 }] };
    expect(scheduleProblems(twice)).toEqual(["step changes must be in increasing order of 'at': 10 comes after 10"]);
  });
});

describe("isSchedule and looksLikeSchedule", () => {
  it("tells well-formed schedules from numbers and other objects", () => {
    expect(isSchedule({ schedule: "linear", from: 1, to: 0, end: 10 })).toBe(true);
    expect(isSchedule({ schedule: "step", initial: 1, changes: [{ at: 5, value: 0 }] })).toBe(true);
    expect(isSchedule(0.5)).toBe(false);
    expect(isSchedule({ schedule: "linear", from: 1, to: 0 })).toBe(false); // no end
    expect(isSchedule({ schedule: "linear", from: 1, to: 0, end: 10, extra: 1 })).toBe(false);
    expect(isSchedule({ schedule: "warmup" })).toBe(false);
  });
  it("recognises a malformed schedule by its kind", () => {
    expect(looksLikeSchedule({ schedule: "linear", from: 1, to: 0 })).toBe(true);
    expect(looksLikeSchedule({ schedule: "warmup" })).toBe(false);
    expect(looksLikeSchedule([{ schedule: "linear" }])).toBe(false);
    expect(looksLikeSchedule(null)).toBe(false);
  });
});

describe("resolveSchedules", () => {
  const options = {
    std: { schedule: "linear", from: 1, to: 0, end: 8 },
    kind: "wgan-gp",
    lambda: 10,
    enabled: true,
    nothing: null,
    levels: [{ schedule: "step", initial: 3, changes: [{ at: 4, value: 7 }] }, 5],
    nested: { rate: { schedule: "cosine", from: 0, to: 2, start: 0, end: 4 }, note: { schedule: "warmup" } },
  };
  it("replaces every schedule, however deep, by its value at the step", () => {
    expect(resolveSchedules(options, 4)).toEqual({
      std: 0.5,
      kind: "wgan-gp",
      lambda: 10,
      enabled: true,
      nothing: null,
      levels: [7, 5],
      nested: { rate: 2, note: { schedule: "warmup" } },
    });
    expect(resolveSchedules(options, 0)).toEqual({
      std: 1,
      kind: "wgan-gp",
      lambda: 10,
      enabled: true,
      nothing: null,
      levels: [3, 5],
      nested: { rate: 0, note: { schedule: "warmup" } },
    });
  });
  it("does not change its input", () => {
    const before = JSON.stringify(options);
    resolveSchedules(options, 4);
    expect(JSON.stringify(options)).toBe(before);
  });
  it("resolves a schedule at the root", () => {
    expect(resolveSchedules({ schedule: "linear", from: 1, to: 0, end: 8 }, 2)).toBe(0.75);
  });
  it("names the place of a malformed schedule", () => {
    expect(() => resolveSchedules({ noise: [{ schedule: "linear", from: 1, to: 0 }] }, 0)).toThrow(
      'malformed linear schedule at noise[0]: {"schedule":"linear","from":1,"to":0}',
    );
  });
});

describe("findSchedules", () => {
  it("lists schedules with their paths, valid or not", () => {
    const found = findSchedules({ a: [1, { schedule: "step" }], b: { c: { schedule: "linear", from: 0, to: 1, end: 2 } } });
    expect(found.map((f) => f.path)).toEqual([
      ["a", 1],
      ["b", "c"],
    ]);
  });
});
