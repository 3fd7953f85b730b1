/**
 * `gan doctor`'s diagnosis: every detector on the evidence of one run, in the order a reader
 * should fix them (a numeric failure first: nothing else is meaningful after it), and notes
 * on what could not be judged.
 */
import { builtinLoss, describeLoss } from "@gan/plan";
import { discriminatorWinning } from "./discriminator-winning.js";
import type { Detector, Finding, RunEvidence } from "./finding.js";
import { coverageUnjudged, modeCollapse } from "./mode-collapse.js";
import { numericFailure } from "./numeric-failure.js";
import { oscillation } from "./oscillation.js";
import { vanishingGradients } from "./vanishing-gradients.js";

const DETECTORS: readonly Detector[] = [numericFailure, discriminatorWinning, vanishingGradients, oscillation, modeCollapse];

export interface Diagnosis {
  findings: Finding[];
  /** What was not judged, and why (no evaluation, no D accuracy logged, ...). */
  notes: string[];
}

export function diagnose(run: RunEvidence): Diagnosis {
  const findings = DETECTORS.flatMap((detect) => detect(run) ?? []);
  const notes: string[] = [];
  if (!run.eval) notes.push("no eval.json: mode coverage was not measured (gan eval RUN measures it)");
  else {
    const unjudged = coverageUnjudged(run.eval);
    if (unjudged) notes.push(unjudged);
  }
  if (run.loss.kind === "trick") notes.push(`loss ${describeLoss(run.loss)}: a trick's loss is not loaded by gan doctor, so D winning is not judged`);
  else if (builtinLoss(run.loss.kind).winning === undefined) notes.push(`loss ${run.loss.kind}: a critic's loss has no equilibrium, so D winning is not judged`);
  else if (!run.metrics.some((line) => "d_acc" in line)) notes.push("metrics.jsonl has no d_acc (a run from an older gan): D winning is not judged");
  if (!run.metrics.some((line) => "g_grad_norm" in line)) notes.push("metrics.jsonl has no g_grad_norm: vanishing and exploding gradients are not judged");
  return { findings, notes };
}
