/**
 * `gan doctor --try` on a tiny run made to fail: a discriminator that wins against a frozen
 * generator. Its tries run in child processes (a few seconds each): the control, a trick that
 * starts from the checkpoint, and a trick that reshapes D and so cannot.
 */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { readRunPlan } from "@gan/core/runtime";
import { registerCommand } from "../../main.js";
import { gan, scratchDirectory } from "../../test-support.js";
import type { Diagnosis } from "../diagnose.js";
import { COLLAPSE_TRICKS } from "../mode-collapse.js";
import { verdict } from "./verdict.js";
import { tryTricks } from "./try-tricks.js";
import { formatTries } from "./format-tries.js";
import { measuresFor } from "./measures.js";

registerCommand("train", () => import("../../commands/train.js"));
registerCommand("doctor", () => import("../../commands/doctor.js"));

const dir = scratchDirectory("gan-doctor-try-test-", { inRepository: true });

// G frozen (lr 0) near the origin, the ring far from it (radius 5), D wider and fast: D soon
// tells G's fixed blob from the ring every time.
const SPEC = `gan d-wins {
  data ring { modes: 8, radius: 5, std: 0.02 }
  latent 4
  generator {
    dense 8 relu
    dense 2
  }
  discriminator {
    dense 32 relu
    dense 32 relu
    dense 1
  }
  loss nonsaturating
  optimizer generator adam { lr: 0 }
  optimizer discriminator adam { lr: 0.01 }
  train {
    steps 60
    batch 32
    seed 3
    backend cpu
    log every 1
    sample every 0
  }
}
`;
const specFile = path.join(dir, "d-wins.gan");
writeFileSync(specFile, SPEC);

let runDir: string;
beforeAll(async () => {
  const out = path.join(dir, "run");
  const trained = await gan("train", specFile, "--out", out, "--no-eval");
  expect(trained.code, trained.stderr).toBe(0);
  runDir = path.join(out, "d-wins", readdirSync(path.join(out, "d-wins"))[0]!);
}, 120_000);

describe("gan doctor --try", () => {
  test("D winning: label smoothing tried against the control on D's own measures; a trick that reshapes D tried with D restarted", async () => {
    const log: string[] = [];
    // The run's real finding (D winning), with a mode-collapse finding beside it whose first trick reshapes D.
    const diagnosis: Diagnosis = {
      findings: [
        { kind: "discriminator-winning", title: "the discriminator is winning", evidence: [], tricks: [{ package: "@gan/label-smoothing", why: "", inSpec: false }] },
        { kind: "mode-collapse", title: "mode collapse", evidence: [], tricks: [{ ...COLLAPSE_TRICKS[0], inSpec: false }] },
      ],
      notes: [],
    };
    const report = await tryTricks({ runDir, plan: readRunPlan(runDir), diagnosis, spec: specFile, steps: 30, seeds: 1, jobs: 2, log: (line) => log.push(line) });
    expect(report).toMatchObject({ checkpoint: { step: 60 }, steps: 30, seeds: [3], outDir: path.join(runDir, "doctor-try", "step-000060") });
    expect(log[0]).toBe(`trying 2 tricks from checkpoints/step-000060 (step 60): 3 runs of 30 steps (the control and each trick, 1 seed), in ${report.outDir}\n`);
    // minibatch-stddev adds a feature to D: refused from the checkpoint's D, then tried with G from it and D afresh, beside a control restarted so.
    expect(log).toContainEqual("@gan/minibatch-stddev reshapes D: 2 more runs with G from the checkpoint and D afresh, beside the control restarted the same way\n");
    expect(report.notTried).toEqual([]);
    // Every trick that started is judged on every finding's measure: label smoothing on the modes too, marked as another finding's.
    expect(report.findings.map((finding) => finding.kind)).toEqual(["discriminator-winning", "mode-collapse"]);
    const [winning, collapse] = report.findings;
    expect(collapse!.measures.map((measure) => measure.name)).toEqual(["modes", "high_quality_pct", "reverse_kl"]);
    expect(collapse!.tricks.map((trick) => [trick.package, trick.networks, trick.proposed])).toEqual([
      ["@gan/minibatch-stddev", "generator", true],
      ["@gan/label-smoothing", "both", false],
    ]);
    expect(collapse!.restartedControl!.label).toBe("control, D restarted");
    expect(typeof collapse!.restartedControl!.runs[0]!.values.modes).toBe("number");
    expect(typeof collapse!.control.runs[0]!.values.modes).toBe("number");
    // G is frozen: D still tells its blob from the ring every time with smoothing (accuracy 1 on both: a tie), but it cannot
    // push its loss on real samples to 0, so its loss is higher: the tie-break measure decides.
    expect(winning!.control.runs[0]!.values.d_acc_last).toBe(1);
    const smoothing = winning!.tricks.find((trick) => trick.package === "@gan/label-smoothing")!;
    expect(smoothing.runs[0]!.values.d_acc_last).toBe(1);
    expect(smoothing.verdict).toMatchObject({ kind: "helped", measure: "d_loss_last" });
    expect(smoothing.verdict.evidence).toMatch(/^D loss, last 20 logged steps [\d.e-]+ -> [\d.]+ \(seed 3\)$/);

    const markdown = formatTries(report);
    expect(markdown).toContain("| control (the spec unchanged) | 1.000 | ");
    expect(markdown).toMatch(/\| with @gan\/label-smoothing \| 1\.000 \| [\d.]+ \| helped \|/);
    expect(markdown).toContain("| with @gan/label-smoothing (proposed for another finding) | ");
    expect(markdown).toContain("Helped on every seed: discriminator-winning: @gan/label-smoothing.");
    expect(markdown).toContain("| control, D restarted | ");
    expect(markdown).toContain("| with @gan/minibatch-stddev, D restarted | ");
  }, 300_000);

  test("the command: its options need --try; a run whose spec is not found is told to give --spec", async () => {
    expect(await gan("doctor", runDir, "--steps", "5")).toMatchObject({ code: 2, stderr: "gan: gan doctor: --steps is an option of --try\n" });
    const { code, stderr } = await gan("doctor", runDir, "--try");
    expect(code).toBe(1);
    expect(stderr).toContain(`gan: ${runDir} was trained from d-wins.gan, which is not in the working directory: give the spec it was trained from with --spec FILE\n`);
  });
});

describe("verdicts", () => {
  const [modes, highQuality] = measuresFor("mode-collapse", "mixture");
  const values = (...pairs: [number, number | null][]) => new Map(pairs);
  test("better on every seed helps, worse on every seed hurts, a tie goes to the next measure, a split is no clear difference", () => {
    const measures = [modes!, highQuality!];
    expect(verdict(measures, [values([1, 2], [2, 3]), values([1, 5], [2, 5])], [values([1, 4], [2, 5]), values([1, 1], [2, 1])])).toEqual({
      kind: "helped",
      measure: "modes",
      evidence: "modes captured 2 -> 4 (seed 1), 3 -> 5 (seed 2)",
    });
    expect(verdict(measures, [values([1, 4]), values([1, 5])], [values([1, 4]), values([1, 3])])).toMatchObject({ kind: "hurt", measure: "high_quality_pct" });
    expect(verdict(measures, [values([1, 2], [2, 3]), values([1, 5], [2, 5])], [values([1, 3], [2, 2]), values([1, 5], [2, 5])]).kind).toBe("no clear difference");
    expect(verdict(measures, [values([1, 2]), values([1, 5])], [values([1, null]), values([1, null])]).kind).toBe("not measured");
  });
});

