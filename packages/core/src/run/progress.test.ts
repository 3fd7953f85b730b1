import { describe, expect, test } from "vitest";
import { Progress, formatDuration } from "./progress.js";

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { write: (text: string) => writes.push(text), isTTY, columns: 120 }, writes };
}

describe("progress", () => {
  test("on a terminal: one line redrawn with \\r, with bar, losses, steps/s and ETA", () => {
    let now = 0;
    const { stream, writes } = recorder(true);
    const progress = new Progress({ stream, totalSteps: 1000, startStep: 0, lineEvery: 50, now: () => now });
    now = 10_000;
    progress.setLosses(1.3863, 0.6931);
    progress.update(100);
    expect(writes).toEqual(["\r[###...........................] step  100/1000  D 1.3863  G 0.6931  10.00 steps/s  ETA 1m30s\x1b[K"]);
    // Within 100 ms of the last draw: not redrawn.
    now += 50;
    progress.update(101);
    expect(writes).toHaveLength(1);
    progress.warn("D loss near 0");
    expect(writes.slice(1)).toEqual(["\n", "warning: D loss near 0\n"]);
    progress.finish();
  });

  test("on a narrow terminal the bar goes first, the numbers stay", () => {
    const writes: string[] = [];
    let now = 0;
    const progress = new Progress({ stream: { write: (t: string) => writes.push(t), isTTY: true, columns: 55 }, totalSteps: 1000, startStep: 0, lineEvery: 50, now: () => now });
    now = 1000;
    progress.update(5);
    expect(writes[0]).toBe("\rstep    5/1000  D -  G -  5.00 steps/s  ETA 3m19s\x1b[K");
  });

  test("elsewhere: a plain line every N steps and at the end", () => {
    let now = 0;
    const { stream, writes } = recorder(false);
    const progress = new Progress({ stream, totalSteps: 30, startStep: 10, lineEvery: 10, now: () => now });
    for (let step = 11; step <= 30; step++) {
      now += 500;
      progress.update(step);
    }
    progress.update(30, true);
    expect(writes).toEqual([
      "step 20/30  D -  G -  2.00 steps/s  ETA 5s\n",
      "step 30/30  D -  G -  2.00 steps/s  ETA 0s\n",
    ]);
  });

  test("durations", () => {
    expect([formatDuration(5.4), formatDuration(65), formatDuration(3 * 3600 + 7 * 60), formatDuration(Number.NaN)]).toEqual(["5s", "1m05s", "3h07m", "?"]);
  });
});
