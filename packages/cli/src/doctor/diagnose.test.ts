/**
 * Each detector of `gan doctor` on constructed metric sequences (no training): the healthy
 * run yields no finding, and each failing run the finding for its failure, with its steps.
 */
import { describe, expect, test } from "vitest";
import type { EvalReport, MixtureEvaluation, MnistEvaluation } from "../eval/evaluate-run.js";
import { diagnose } from "./diagnose.js";
import type { MetricsLine, RunEvidence } from "./finding.js";
import { formatDiagnosis } from "./format-diagnosis.js";

/** Deterministic noise in [-1, 1]. */
const noise = (i: number, salt: number) => {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
};

/** 200 logged steps (every 10 steps) of a run near its equilibrium, with `change` applied to line i. */
function metrics(change: (line: MetricsLine, i: number) => void = () => {}): MetricsLine[] {
  return Array.from({ length: 200 }, (_, i) => {
    const line: MetricsLine = {
      step: (i + 1) * 10,
      d_loss: 1.25 + 0.08 * noise(i, 1),
      g_loss: 0.8 + 0.1 * noise(i, 2),
      d_acc: 0.65 + 0.05 * noise(i, 3),
      g_grad_norm: 1 + 0.2 * noise(i, 4),
    };
    change(line, i);
    return line;
  });
}

function evalReport(metricsOf: MixtureEvaluation | MnistEvaluation): EvalReport {
  return { evalVersion: 1, name: "ring8", planHash: null, steps: 2000, weightsFrom: "generator", ema: false, samples: 2500, seed: 0, metrics: metricsOf } as EvalReport;
}

const ring = (modes: number, counts: number[], reverseKL: number | null): MixtureEvaluation => ({
  kind: "mixture",
  data: "ring",
  modes,
  totalModes: 8,
  highQuality: 0.6,
  reverseKL,
  counts,
  means: [],
  std: 0.02,
});

const healthyEval = evalReport(ring(8, [190, 185, 180, 192, 188, 186, 181, 190], 0.01));

function run(overrides: Partial<RunEvidence> = {}): RunEvidence {
  return { metrics: metrics(), loss: { kind: "nonsaturating" }, tricksInSpec: [], eval: healthyEval, ...overrides };
}

const kinds = (evidence: RunEvidence) => diagnose(evidence).findings.map((finding) => finding.kind);

describe("gan doctor's detectors", () => {
  test("a healthy run: no finding, nothing left unjudged", () => {
    expect(diagnose(run())).toEqual({ findings: [], notes: [] });
    // A loss that trends (D improving, G catching up) is progress, not oscillation.
    expect(kinds(run({ metrics: metrics((line, i) => (line.g_loss = 0.7 + i / 150)) }))).toEqual([]);
  });

  test("D winning for long: the steps, its accuracy and loss, the tricks that weaken D", () => {
    const winning = metrics((line, i) => {
      if (i >= 100) Object.assign(line, { d_acc: 0.99, d_loss: 0.05 + 0.01 * noise(i, 5) });
    });
    const [finding, ...rest] = diagnose(run({ metrics: winning, tricksInSpec: ["@gan/label-smoothing"] })).findings;
    expect(rest).toEqual([]);
    expect(finding!.kind).toBe("discriminator-winning");
    expect(finding!.evidence).toHaveLength(1);
    // D wins from step 1010 on; the window from step 990 already averages past the thresholds
    // (two healthy lines, 18 winning ones: accuracy 95.6%, loss 0.17).
    expect(finding!.evidence[0]).toMatch(/^steps 990-2000 \(102 logged steps\): at its strongest, over 20 logged steps, D told real from fake 99% of the time with a mean loss of 0\.0\d+ \(1\.39 at equilibrium/);
    expect(finding!.tricks.map((trick) => [trick.package, trick.inSpec])).toEqual([
      ["@gan/label-smoothing", true],
      ["@gan/instance-noise", false],
      ["@gan/label-noise", false],
    ]);
    // A few confident steps are not D winning.
    expect(kinds(run({ metrics: metrics((line, i) => i % 20 === 0 && Object.assign(line, { d_acc: 1, d_loss: 0.01 })) }))).toEqual([]);
    // A Wasserstein critic's loss has no equilibrium: not judged, and said so.
    const wasserstein = diagnose(run({ metrics: winning, loss: { kind: "wasserstein" } }));
    expect(wasserstein.findings).toEqual([]);
    expect(wasserstein.notes).toEqual(["loss wasserstein: a critic's loss has no equilibrium, so D winning is not judged"]);
  });

  test("vanishing generator gradients: the steps and the norm against its early value; minimax is told of the nonsaturating loss", () => {
    const vanished = metrics((line, i) => {
      if (i >= 150) line.g_grad_norm = 1e-4;
    });
    const [finding] = diagnose(run({ metrics: vanished, loss: { kind: "minimax" } })).findings;
    expect(finding!.kind).toBe("vanishing-gradients");
    expect(finding!.evidence).toEqual([expect.stringMatching(/^steps 1510-2000 \(50 logged steps\): G's gradient norm down to 0\.0001, under 1\/100 of its early value 0\.\d+/)]);
    expect(finding!.advice).toMatch(/^loss nonsaturating/);
    expect(diagnose(run({ metrics: vanished })).findings[0]!.advice).toBeUndefined();
    // Fewer than 5 logged steps low in a row is a dip, not a vanished gradient.
    expect(kinds(run({ metrics: metrics((line, i) => i >= 150 && i < 154 && (line.g_grad_norm = 1e-4)) }))).toEqual([]);
  });

  test("numeric failure: a NaN loss, the failed run's error, an exploding gradient", () => {
    const nan = metrics((line, i) => i >= 190 && (line.g_loss = Number.NaN));
    const [finding] = diagnose(
      run({ metrics: nan, status: "failed", error: "the generator loss (g_loss) became NaN or infinite at step 1905; no checkpoint was written before it" }),
    ).findings;
    expect(finding!.kind).toBe("numeric-failure");
    expect(finding!.evidence).toEqual([
      "run.json: the run failed: the generator loss (g_loss) became NaN or infinite at step 1905; no checkpoint was written before it",
      "10 logged step(s) with a NaN or infinite loss, the first at step 1910 (g_loss NaN)",
    ]);
    const exploded = diagnose(run({ metrics: metrics((line, i) => i >= 120 && i < 130 && (line.g_grad_norm = 500)) })).findings;
    expect(exploded.map((f) => f.kind)).toEqual(["numeric-failure"]);
    expect(exploded[0]!.evidence).toEqual([expect.stringMatching(/^steps 1210-1300 \(10 logged steps\): G's gradient norm up to 500, over 100x its early value/)]);
    // A run that failed for another reason is not a numeric failure.
    expect(kinds(run({ status: "failed", error: "data/ring.csv: no such file" }))).toEqual([]);
  });

  test("oscillation without progress: repeated swings of a loss, not noise and not a trend", () => {
    const swinging = metrics((line, i) => (line.g_loss = 1.5 + 0.8 * Math.sin((2 * Math.PI * i) / 20) + 0.05 * noise(i, 6)));
    const [finding, ...rest] = diagnose(run({ metrics: swinging })).findings;
    expect(rest).toEqual([]);
    expect(finding!.kind).toBe("oscillation");
    expect(finding!.evidence).toEqual([expect.stringMatching(/^g_loss, steps 1010-2000: \d+ swings between 0\.\d+ and 2\.\d+ \(averaged over 5 logged steps/)]);
    // One change of level is a trend, not an oscillation.
    expect(kinds(run({ metrics: metrics((line, i) => (line.g_loss = i < 150 ? 0.8 : 2.5)) }))).toEqual([]);
  });

  test("mode collapse: modes not captured, an uneven histogram, or too few digit classes", () => {
    const collapsed = diagnose(run({ eval: evalReport(ring(3, [800, 0, 0, 700, 0, 0, 600, 0], 0.98)) })).findings;
    expect(collapsed.map((f) => f.kind)).toEqual(["mode-collapse"]);
    expect(collapsed[0]!.evidence).toEqual([
      "eval.json (step 2000, 2500 samples): 3/8 modes captured, reverse KL 0.98 (0 when every mode is covered evenly; 0.693 when half are empty); high-quality samples per mode: 800, 0, 0, 700, 0, 0, 600, 0",
    ]);
    expect(collapsed[0]!.tricks.map((trick) => trick.package)).toEqual(["@gan/minibatch-stddev", "@gan/pack", "@gan/replay"]);
    // Every mode captured, but nearly all samples on two of them.
    expect(kinds(run({ eval: evalReport(ring(8, [1000, 1000, 1, 1, 1, 1, 1, 1], 1.2)) }))).toEqual(["mode-collapse"]);
    const mnist = (score: number): MnistEvaluation => ({ kind: "mnist", frechetDistance: 40, frechetFloor: 1, classifierScore: score, clippedPixels: 0 });
    expect(kinds(run({ eval: evalReport(mnist(2.1)) }))).toEqual(["mode-collapse"]);
    expect(kinds(run({ eval: evalReport(mnist(9.1)) }))).toEqual([]);
    // A generator that has not learned the ring yet (8 high-quality samples of 2,500) is not
    // called collapsed: a few samples land near a few modes by chance.
    const unlearned = diagnose(run({ eval: evalReport({ ...ring(5, [4, 1, 1, 0, 1, 1, 0, 0], 0.69), highQuality: 0.0032 }) }));
    expect(unlearned).toEqual({
      findings: [],
      notes: [
        "eval.json: only 8 of 2500 samples are high quality (0.32%), under 10 per mode: the generator has not learned the data yet (train longer), so mode coverage is not judged",
      ],
    });
    // Without an evaluation mode coverage is not judged, and the report says so.
    expect(diagnose(run({ eval: undefined }))).toEqual({ findings: [], notes: ["no eval.json: mode coverage was not measured (gan eval RUN measures it)"] });
  });

  test("the terminal report: each finding with its evidence and tricks, then what was not judged", () => {
    const text = formatDiagnosis(
      "ring8",
      diagnose(run({ eval: undefined, tricksInSpec: ["@gan/pack"], metrics: metrics((line, i) => i >= 150 && (line.g_grad_norm = 1e-4)) })),
    );
    expect(text).toMatch(/^ring8: 1 finding\n\n1\. vanishing generator gradients: .*\n {3}evidence:\n {5}- steps 1510-2000 .*\n {3}tricks:\n {5}- @gan\/leaky-relu {7}leaky ReLUs/);
    expect(text).toContain("\nnot judged:\n  - no eval.json: mode coverage was not measured (gan eval RUN measures it)\n");
    expect(formatDiagnosis("ring8", { findings: [], notes: [] })).toBe("ring8: no failure found\n");
  });
});
