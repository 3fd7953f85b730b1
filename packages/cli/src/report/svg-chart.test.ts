import { describe, expect, test } from "vitest";
import { barChart, downsample, escapeXml, formatTick, lineChart, niceTicks, smooth } from "./svg-chart.js";

describe("niceTicks", () => {
  test("steps of 1, 2 or 5 times a power of ten, covering the range", () => {
    expect(niceTicks(0, 10, 5)).toEqual({ ticks: [0, 2, 4, 6, 8, 10], step: 2, lo: 0, hi: 10 });
    expect(niceTicks(0.63, 1.71, 4)).toMatchObject({ ticks: [0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8], step: 0.2 });
    expect(niceTicks(0, 20000, 5).ticks).toEqual([0, 5000, 10000, 15000, 20000]);
    expect(niceTicks(-3e-5, 7e-5, 4)).toMatchObject({ step: 2e-5, lo: -4e-5, hi: 8e-5 });
  });

  test("a flat series gets a range around its value", () => {
    expect(niceTicks(0.001, 0.001)).toMatchObject({ lo: 0.0009, hi: 0.0011 });
    expect(niceTicks(0, 0)).toMatchObject({ lo: -1, hi: 1 });
  });

  test("refuses a range that is not finite", () => {
    expect(() => niceTicks(0, Number.NaN)).toThrow("niceTicks: the range must be finite, got [0, NaN]");
  });
});

test("formatTick gives the decimals the spacing needs and shortens thousands of steps", () => {
  expect(formatTick(0.4, 0.2)).toBe("0.4");
  expect(formatTick(0.0002, 0.0002)).toBe("0.0002");
  expect(formatTick(15000, 5000)).toBe("15k");
  expect(formatTick(250, 50)).toBe("250");
  expect(formatTick(2e-5, 1e-5)).toBe("2.0e-5");
});

describe("downsample", () => {
  test("keeps the lowest and highest value of each bucket, in step order", () => {
    const points = Array.from({ length: 1000 }, (_, i) => [i, i === 500 ? 100 : Math.sin(i)] as const);
    const kept = downsample(points, 100);
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept.some(([, y]) => y === 100)).toBe(true);
    for (let i = 1; i < kept.length; i++) expect(kept[i]![0]).toBeGreaterThan(kept[i - 1]![0]);
  });

  test("leaves short series alone and keeps gaps", () => {
    expect(downsample([[1, 2]], 10)).toEqual([[1, 2]]);
    const points = Array.from({ length: 100 }, (_, i) => [i, i === 40 ? Number.NaN : i] as const);
    expect(downsample(points, 20).some(([, y]) => Number.isNaN(y))).toBe(true);
  });
});

test("smooth is a debiased moving average that skips gaps", () => {
  expect(smooth([[0, 4]], 0.9)).toEqual([[0, 4]]);
  const [, second, third] = smooth([[0, 0], [1, Number.NaN], [2, 10]], 0.5);
  expect(Number.isNaN(second![1])).toBe(true);
  // (0.5 * 0 * 0.5 + 0.5 * 10) / (1 - 0.25)
  expect(third![1]).toBeCloseTo(5 / 0.75, 12);
});

describe("lineChart", () => {
  test("one path per series, a legend when there are several, names escaped", () => {
    const svg = lineChart({
      id: "losses",
      title: "D <loss> & G",
      series: [
        { name: "d_loss", points: [[0, 1], [10, 2], [20, 1.5]] },
        { name: "g_loss", points: [[0, 0.5], [10, Number.NaN], [20, 0.7]] },
      ],
    });
    expect(svg).toMatch(/^<svg class="chart" data-chart="losses" viewBox="0 0 520 260"/);
    expect(svg).toContain('aria-label="D &lt;loss&gt; &amp; G"');
    expect(svg.match(/<path class="line"/g)).toHaveLength(2);
    // The NaN splits g_loss into two pieces: two M commands, no L between them.
    const gPath = /data-series="g_loss" d="([^"]*)"/.exec(svg)![1]!;
    expect(gPath.match(/M/g)).toHaveLength(2);
    expect(gPath).not.toContain("L");
    expect(svg).toContain(">d_loss</text>");
    expect(svg).toContain(">g_loss</text>");
  });

  test("long series: faint raw values under their moving average", () => {
    const points = Array.from({ length: 200 }, (_, i) => [i * 10, Math.cos(i)] as const);
    const svg = lineChart({ id: "x", title: "x", series: [{ name: "x", points }] });
    expect(svg.match(/<path class="raw"/g)).toHaveLength(1);
    expect(svg.match(/<path class="line"/g)).toHaveLength(1);
    expect(svg).not.toContain("<circle");
  });

  test("values of ±1e308 are markers at the edges, not NaN coordinates, and the other values keep their axis", () => {
    const svg = lineChart({
      id: "x",
      title: "x",
      series: [{ name: "d_loss", points: [[0, 1], [10, 1e308], [20, 2], [30, -1e308], [40, 1.5]] }],
    });
    expect(svg).not.toContain("NaN");
    const outliers = [...svg.matchAll(/<path class="outlier" data-series="d_loss" d="([^"]*)"/g)].map((m) => m[1]!);
    // One pointing up from the top edge (y 30), one down from the bottom edge (y 226).
    expect(outliers).toHaveLength(2);
    expect(outliers[0]).toMatch(/^M\S+ 30L\S+ 24L\S+ 30Z$/);
    expect(outliers[1]).toMatch(/^M\S+ 226L\S+ 232L\S+ 226Z$/);
    expect(svg).toContain("<title>d_loss at step 10: 1e+308, beyond the chart (±1e+300)</title>");
    // The axis is the other values' ([1, 2]), not one spanning ±1e308.
    expect(svg).toContain(">2.0</text>");
    expect(svg).not.toMatch(/e308|e\+?30\d<\/text>/);
    expect(lineChart({ id: "y", title: "y", series: [{ name: "y", points: [[0, -1e308]] }] })).not.toContain("NaN");
  });

  test("says so when nothing finite was logged", () => {
    expect(lineChart({ id: "x", title: "x", series: [{ name: "x", points: [[1, Number.NaN]] }] })).toContain("no finite values logged");
  });
});

test("barChart draws a bar per value and the reference line", () => {
  const svg = barChart({ id: "modes", title: "modes", labels: ["1", "2", "3"], values: [3, 0, 5], reference: { value: 8 / 3, label: "uniform" } });
  expect(svg.match(/<rect class="bar"/g)).toHaveLength(3);
  expect(svg).toContain('<line class="reference"');
  expect(svg).toContain("<title>3: 5</title>");
});

test("escapeXml", () => {
  expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});
