/**
 * report.html from a real (tiny) run: its content as text, then the page in headless
 * Chromium (Debian's `chromium`, driven by playwright-core): it loads without a console error
 * or a network request, draws its charts and pictures, and looks like a report in a screenshot.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineTrick, z } from "@gan/core";
import { train } from "@gan/core/runtime";
import { tinyPlan } from "@gan/core/testing";
import type { Plan } from "@gan/plan";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { evaluateRun, writeEvalReport } from "../eval/evaluate-run.js";
import { captureOutput } from "../io.js";
import { main } from "../main.js";
import { reportHtml } from "./html.js";
import { MAX_METRIC_LINES, pickEvenly, readRunData } from "./run-data.js";
import { writeReport } from "./write-report.js";

/** A trick that only logs, so the report has a trick scalar to chart. */
const stepLogger = defineTrick({
  name: "test-step-logger",
  options: z.object({}),
  setup: ({ log, step }) => ({
    afterDiscriminatorStep() {
      log("step-logger/phase", Math.sin(step() / 5));
    },
  }),
});

let dir: string;
let runDir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-report-"));
  const plan = tinyPlan({
    name: "tiny <ring>",
    train: { steps: 60, batch: 16, seed: 1, logEvery: 2, sampleEvery: 20, checkpointEvery: 0, backend: "cpu" },
    tricks: [{ package: "test-step-logger", version: "1.0.0", options: {}, window: {} }],
  });
  runDir = (await train(plan, { out: dir, progress: false, tricks: [stepLogger] })).runDir;
  writeEvalReport(runDir, await evaluateRun(runDir, { backend: "cpu", count: 500 }));
}, 120_000);

describe("readRunData", () => {
  test("reads the plan, run.json, every metrics line, the samples in step order and eval.json", () => {
    const data = readRunData(runDir);
    expect(data.plan.name).toBe("tiny <ring>");
    expect(data.info?.status).toBe("completed");
    expect(data.metrics.map((line) => line.step)).toEqual(Array.from({ length: 30 }, (_, i) => 2 * (i + 1)));
    expect(data.metrics[0]).toHaveProperty("step-logger/phase");
    expect(data.samples.map((s) => s.step)).toEqual([20, 40, 60]);
    expect(data.samples[0]!.png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(data.eval?.metrics.kind).toBe("mixture");
  });

  test("skips a line cut short and shows a null (NaN) loss as a gap", () => {
    const copy = mkdtempSync(path.join(dir, "copy-"));
    for (const file of ["plan.json", "run.json"]) copyFileSync(path.join(runDir, file), path.join(copy, file));
    writeFileSync(path.join(copy, "metrics.jsonl"), '{"step":1,"d_loss":1,"g_loss":null}\n{"step":2,"d_lo');
    const data = readRunData(copy);
    expect(data.metrics).toHaveLength(1);
    expect(data.metrics[0]!.g_loss).toBeNaN();
    expect(data.skippedMetricLines).toBe(1);
    expect(data.samples).toEqual([]);
    const html = reportHtml(data);
    expect(html).toContain("1 unreadable line(s) of metrics.jsonl skipped.");
    expect(html).toContain("No sample pictures yet.");
    expect(html).toContain("Not measured yet: <code>gan eval");
  });

  test("data that gan eval cannot measure says so instead of 'not measured yet'", () => {
    const { eval: _measured, ...data } = readRunData(runDir);
    const colour: Plan["data"] = { kind: "images", dir: "/data", crop: "center", resize: "area", background: "#000000", onBadFile: "stop", shape: [8, 8, 3], nativeRange: [0, 1], range: [-1, 1] };
    const html = reportHtml({ ...data, plan: { ...data.plan, data: colour } });
    expect(html).toContain(
      "Not measured: this run&#39;s data is &#39;images&#39; images of shape [8, 8, 3], and image metrics need a feature network: name a feature network with --features path/model.json",
    );
    expect(html).not.toContain("Not measured yet");
  });

  test("streams a long metrics.jsonl: at most MAX_METRIC_LINES kept, evenly spread, the first and the last among them", () => {
    const copy = mkdtempSync(path.join(dir, "long-"));
    for (const file of ["plan.json", "run.json"]) copyFileSync(path.join(runDir, file), path.join(copy, file));
    const count = 2 * MAX_METRIC_LINES + 12_345;
    const lines = Array.from({ length: count }, (_, i) => `{"step":${i + 1},"d_loss":${i % 7},"g_loss":1}\n`);
    // A line no run writes (2 MiB) is passed over without being held, and counted.
    lines.splice(1000, 0, `{"step":0,"junk":"${"x".repeat(2 * 1024 * 1024)}"}\n`);
    writeFileSync(path.join(copy, "metrics.jsonl"), lines.join(""));
    const data = readRunData(copy);
    expect(data.metricLinesRead).toBe(count);
    expect(data.skippedMetricLines).toBe(1);
    expect(data.metrics.length).toBeLessThanOrEqual(MAX_METRIC_LINES + 1);
    expect(data.metrics.length).toBeGreaterThan(MAX_METRIC_LINES / 2);
    const steps = data.metrics.map((line) => line.step!);
    expect(steps[0]).toBe(1);
    expect(steps.at(-1)).toBe(count);
    // Every 4th line read (the stride after two halvings), then the last.
    expect(steps.slice(0, 3)).toEqual([1, 5, 9]);
    expect(reportHtml(data)).toContain(`${count} logged steps, ${data.metrics.length} of them drawn (evenly spread)`);
  });

  test("a FIFO as metrics.jsonl is refused before it is opened (the test would hang otherwise)", () => {
    const copy = mkdtempSync(path.join(dir, "fifo-"));
    for (const file of ["plan.json", "run.json"]) copyFileSync(path.join(runDir, file), path.join(copy, file));
    execFileSync("mkfifo", [path.join(copy, "metrics.jsonl")]);
    expect(() => readRunData(copy)).toThrow(`${path.join(copy, "metrics.jsonl")}: is a FIFO, not a regular file: a metrics file must be a regular file`);
    // An eval.json that cannot be read is a run not measured yet, as a damaged one is; a run.json is an error.
    rmSync(path.join(copy, "metrics.jsonl"));
    execFileSync("mkfifo", [path.join(copy, "eval.json")]);
    expect(readRunData(copy).eval).toBeUndefined();
    rmSync(path.join(copy, "run.json"));
    execFileSync("mkfifo", [path.join(copy, "run.json")]);
    expect(() => readRunData(copy)).toThrow(`${path.join(copy, "run.json")}: is a FIFO, not a regular file: a run.json must be a regular file`);
  });

  test("pickEvenly keeps the first and the last", () => {
    expect(pickEvenly([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).toEqual([1, 4, 7, 10]);
    expect(pickEvenly([1, 2], 4)).toEqual([1, 2]);
  });
});

describe("reportHtml", () => {
  test("one self-contained page: every section, no URL to fetch, the plan name escaped", () => {
    const html = reportHtml(readRunData(runDir));
    for (const id of ["metrics", "curves", "samples", "tricks", "plan"]) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain("<h1>tiny &lt;ring&gt; <span");
    expect(html).not.toContain("<ring>");
    expect(html).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain("<script");
    // Three sample pictures in the timeline, the latest one again on its own, and real data beside it.
    expect(html.match(/<img [^>]*src="data:image\/png;base64,/g)).toHaveLength(5);
    const real = readFileSync(path.join(runDir, "samples", "real.png")).toString("base64");
    expect(html).toMatch(/<div class="latest"><figure><img class="latest-sample" [^>]*><figcaption>step 60 \(latest\)<\/figcaption><\/figure><figure><img class="real-sample" src="data:image\/png;base64,([^"]+)"/);
    expect(html).toContain(`class="real-sample" src="data:image/png;base64,${real}"`);
    // G's gradient norm (the numeric-failure watch) and D's accuracy are logged by every run, and charted as scalars.
    expect(html.match(/<svg class="chart" data-chart="/g)!.length).toBe(7);
    for (const chart of ["losses", "learning-rates", "speed", "scalar:d_acc", "scalar:g_grad_norm", "scalar:step-logger/phase", "mode-counts"]) {
      expect(html).toContain(`data-chart="${chart}"`);
    }
  });
});

describe("gan report", () => {
  test("writes report.html into the run, or where -o says", async () => {
    const { result, stderr } = await captureOutput(() => main(["report", runDir]));
    expect(result).toBe(0);
    expect(stderr).toBe(`wrote ${path.join(runDir, "report.html")}\n`);
    const other = path.join(dir, "elsewhere.html");
    expect((await captureOutput(() => main(["report", runDir, "-o", other]))).result).toBe(0);
    expect(readFileSync(other, "utf8")).toBe(readFileSync(path.join(runDir, "report.html"), "utf8"));
    const missing = path.join(dir, "nowhere");
    expect(await captureOutput(() => main(["report", missing]))).toMatchObject({ result: 1, stderr: `gan: ${missing}: no such run directory\n` });
  });
});

// --- In a browser ---------------------------------------------------------------------------

const CHROMIUM = "/usr/bin/chromium";
/** CI installs Debian's chromium (.ci/run); elsewhere the browser tests need it installed: apt-get install -y chromium. */
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium && !process.env.CI)("report.html in headless Chromium", () => {
  type Browser = Awaited<ReturnType<typeof import("playwright-core")["chromium"]["launchPersistentContext"]>>;
  let browser: Browser;
  let file: string;
  beforeAll(async () => {
    file = writeReport(runDir);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), "gan-chromium-")), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      deviceScaleFactor: 1,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  test("loads with no console error and no request, and draws every chart and picture", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("request", (request) => {
      if (!/^(file|data):/.test(request.url())) problems.push(`request: ${request.url()}`);
    });
    await page.goto(`file://${file}`, { waitUntil: "load" });
    expect(await page.title()).toBe("tiny <ring>: gan run report");

    const charts = await page.locator("svg.chart").evaluateAll((svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const lines = [...svg.querySelectorAll("path.line, rect.bar")].map((el) =>
          el.tagName === "path" ? (el as unknown as { getTotalLength(): number }).getTotalLength() : Number(el.getAttribute("height")),
        );
        return { id: svg.getAttribute("data-chart"), width: box.width, height: box.height, elements: lines.length, drawn: lines.filter((length) => length > 0).length };
      }),
    );
    expect(charts.map((c) => c.id).sort()).toEqual(["learning-rates", "losses", "mode-counts", "scalar:d_acc", "scalar:g_grad_norm", "scalar:step-logger/phase", "speed"]);
    for (const chart of charts) {
      expect(chart.width, chart.id!).toBeGreaterThan(300);
      expect(chart.height, chart.id!).toBeGreaterThan(100);
      // A mode nobody generated has a bar of height 0; a line is drawn whenever something was logged.
      if (chart.id === "mode-counts") expect(chart.elements).toBe(8);
      else expect(chart.drawn, `${chart.id} has a line with a length`).toBe(chart.elements);
    }
    const losses = charts.find((c) => c.id === "losses")!;
    expect(losses.drawn).toBe(2);

    const images = await page.locator("img").evaluateAll((imgs) => imgs.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
    expect(images).toHaveLength(5);
    for (const width of images) expect(width).toBeGreaterThan(100);

    // The plan is there, folded away until asked for.
    const plan = page.locator("#plan-json");
    expect(await plan.evaluate((el) => el.hasAttribute("open"))).toBe(false);
    await plan.locator("summary").click();
    expect(await plan.locator("pre").isVisible()).toBe(true);
    expect(JSON.parse(await plan.locator("pre").innerText()).name).toBe("tiny <ring>");
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  test("screenshot: the page's size, and the charts' colours where the charts are", async () => {
    const page = await browser.newPage();
    await page.goto(`file://${file}`, { waitUntil: "load" });
    const shot = await page.screenshot({ fullPage: true, type: "png" });
    // Kept for people and CI artifacts: GAN_REPORT_SCREENSHOTS=DIR.
    const keep = process.env.GAN_REPORT_SCREENSHOTS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(path.join(keep, "report.png"), shot);
    }
    const width = shot.readUInt32BE(16);
    const height = shot.readUInt32BE(20);
    expect(width).toBe(1200);
    // Header, metrics, two rows of curves, the samples and the plan: the page is long, not endless.
    expect(height).toBeGreaterThan(1500);
    expect(height).toBeLessThan(8000);

    // Pixels are read back in the browser (a canvas decodes the PNG), on a blank page.
    const losses = await page.locator('svg[data-chart="losses"]').screenshot({ type: "png" });
    const blank = await browser.newPage();
    // A string, not a function: the package is typechecked without the DOM library.
    const colours = (await blank.evaluate(`(async (base64) => {
      const image = new Image();
      image.src = "data:image/png;base64," + base64;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      let blue = 0, red = 0, white = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i], g = data[i + 1], b = data[i + 2];
        if (r > 245 && g > 245 && b > 245) white++;
        // The first two colours of the palette: #1f77b4 (d_loss) and #d62728 (g_loss), give or take anti-aliasing.
        else if (b > 140 && r < 90 && g > 80 && g < 150) blue++;
        else if (r > 170 && g < 80 && b < 80) red++;
      }
      return { blue, red, white, total: data.length / 4, width: image.width, height: image.height };
    })(${JSON.stringify(losses.toString("base64"))})`)) as { blue: number; red: number; white: number; total: number; width: number; height: number };
    expect(colours.width).toBeGreaterThan(300);
    expect(colours.height).toBeGreaterThan(150);
    // Mostly background, with two coloured curves of at least a few hundred pixels each.
    expect(colours.white / colours.total).toBeGreaterThan(0.6);
    expect(colours.blue).toBeGreaterThan(200);
    expect(colours.red).toBeGreaterThan(200);
    await blank.close();
    await page.close();
  }, 60_000);
});

test("a metrics.jsonl that grows after the report is written is picked up the next time", () => {
  const before = reportHtml(readRunData(runDir)).match(/(\d+) logged steps/)![1];
  const copy = mkdtempSync(path.join(dir, "grow-"));
  for (const file of ["plan.json", "run.json", "metrics.jsonl"]) copyFileSync(path.join(runDir, file), path.join(copy, file));
  appendFileSync(path.join(copy, "metrics.jsonl"), '{"step":62,"d_loss":1,"g_loss":1,"d_lr":0.001,"g_lr":0.001,"steps_per_sec":10}\n');
  expect(reportHtml(readRunData(copy)).match(/(\d+) logged steps/)![1]).toBe(String(Number(before) + 1));
});
