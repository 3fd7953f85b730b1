import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "@gan/core";
import { BACKENDS, type BackendName } from "@gan/plan";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { evaluateAndRecord } from "../eval/evaluate-run.js";
import type { FeaturesChoice } from "../eval/feature-evaluation.js";
import { formatEvalTable } from "../eval/format-eval.js";
import { REJECTION_FLAGS, rejectionSamplingFlags } from "../eval/rejection-flags.js";
import { displayPath } from "../display-path.js";
import { output } from "../io.js";
import { REPORT_FILE, writeReport } from "../report/write-report.js";

const FORMATS = ["table", "json"] as const;

/** --features and its two companions, which mean nothing without it. */
function featuresChoice(model: string | undefined, layer: string | undefined, range: string | undefined): FeaturesChoice | undefined {
  if (model === undefined) {
    const orphan = layer !== undefined ? "--features-layer" : range !== undefined ? "--features-range" : undefined;
    if (orphan !== undefined) throw new UsageError(`gan eval: ${orphan} needs --features MODEL.json (or emoji-classifier), the feature network it applies to`);
    return undefined;
  }
  let inputRange: [number, number] | undefined;
  if (range !== undefined) {
    const parts = range.split(",").map((part) => Number(part.trim()));
    if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! < parts[1]!)) {
      throw new UsageError(`gan eval: --features-range must be two numbers LO,HI with LO < HI (the pixel range the network expects, e.g. -1,1), got '${range}'`);
    }
    inputRange = [parts[0]!, parts[1]!];
  }
  return { model, ...(layer !== undefined ? { layer } : {}), ...(inputRange ? { inputRange } : {}) };
}

export const command: Command = {
  name: "eval",
  usage:
    "gan eval RUN_DIR [--checkpoint best|STEP] [--drs [--drs-percentile P] [--drs-calibrate STEPS [--drs-calibrate-rate R] [--drs-calibrate-final-rate R] [--drs-calibrate-batch N]]] [--format table|json] [-n N] [--seed S] [--backend B] [--tricks-from DIR] [--features MODEL.json|emoji-classifier [--features-layer NAME] [--features-range LO,HI]]\n" +
    "2-D mixtures: modes, high quality, reverse KL. 28x28x1 images: Fréchet distance, floor and classifier score on the\n" +
    "MNIST classifier, with KID, precision/recall (k = 3) and density/coverage (k = 5) on its features. Other images: the\n" +
    "same metrics on the tfjs model given with --features (its output, or --features-layer NAME; pixels mapped from [0, 1]\n" +
    "to --features-range, default 0,1), or on the built-in emoji-classifier, against as many examples of the run's data;\n" +
    "without --features, on the network the run's spec names in its eval block (features: ...). Vectors: the same on\n" +
    "the raw values.\n" +
    "Every figure names its features (fd@mnist-classifier, kid@raw). A class-conditional MNIST run ('condition classes' on\n" +
    "data mnist { classes: \"labels\" }) also gets its class match: the share of samples the classifier puts in their class.\n" +
    "The generator measured is the one the run samples from (with @gan/ema, the average): its final generator/, else its\n" +
    "newest checkpoint; --checkpoint best (the checkpoint 'keep best' kept), a step (500) or a name (step-000500) measures\n" +
    "that checkpoint instead.\n" +
    "--drs: measure the samples that discriminator rejection sampling keeps (Azadi et al. 2019): the checkpoint's D\n" +
    "scores each sample of G and rejects those it rates fake, gamma at the P-th percentile of F (--drs-percentile, default\n" +
    "95; higher keeps fewer). It changes what is sampled, not the generator; the report gives the share of candidates kept.\n" +
    "Before that, a copy of D is trained further with G frozen (the paper's KeepTraining: fresh real data against G's\n" +
    "samples, plain cross-entropy, no penalty), so that its logit approaches log(p_data / p_g): --drs-calibrate STEPS\n" +
    "(default 5000; 0 uses the checkpoint's D as it is), Adam at --drs-calibrate-rate R (default 1e-3), falling along\n" +
    "half a cosine to --drs-calibrate-final-rate R if given, on batches of --drs-calibrate-batch N real and N fake samples\n" +
    "(default: the plan's batch). The checkpoint on disk is not changed.\n" +
    "A run whose spec uses @gan/drs is measured with it without the flag.",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "eval",
      argv,
      {
        format: { type: "string" },
        n: { type: "string", short: "n" },
        seed: { type: "string" },
        backend: { type: "string" },
        "tricks-from": { type: "string" },
        checkpoint: { type: "string" },
        features: { type: "string" },
        "features-layer": { type: "string" },
        "features-range": { type: "string" },
        ...REJECTION_FLAGS,
      },
      { min: 1, max: 1 },
    );
    const runDir = positionals[0]!;
    const format = values.format ?? "table";
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`gan eval: --format must be one of ${FORMATS.join(", ")}, got '${format}'`);
    if (values.backend !== undefined && !(BACKENDS as readonly string[]).includes(values.backend)) {
      throw new UsageError(`gan eval: --backend must be one of ${BACKENDS.join(", ")}, got '${values.backend}'`);
    }
    const count = integerFlag("eval", "n", values.n, 1);
    const seed = integerFlag("eval", "seed", values.seed, 0);
    const features = featuresChoice(values.features, values["features-layer"], values["features-range"]);
    const rejectionSampling = rejectionSamplingFlags("eval", values);
    const { report, file } = await evaluateAndRecord(runDir, {
      ...(features !== undefined ? { features } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(values.backend !== undefined ? { backend: values.backend as BackendName } : {}),
      tricksFrom: values["tricks-from"] ?? process.cwd(),
      ...(values.checkpoint !== undefined ? { checkpoint: values.checkpoint } : {}),
      ...(rejectionSampling !== undefined ? { rejectionSampling } : {}),
      warn: (message) => output.err(`warning: ${message}\n`),
    });
    // A report written before the evaluation shows the metrics from now on.
    if (existsSync(path.join(runDir, REPORT_FILE))) {
      try {
        writeReport(runDir);
      } catch (error) {
        output.err(`warning: report.html was not refreshed: ${(error as Error).message}\n`);
      }
    }
    if (format === "json") output.out(`${JSON.stringify(report, null, 2)}\n`);
    else {
      output.out(formatEvalTable(report));
      output.err(`wrote ${displayPath(file)}\n`);
    }
    return 0;
  },
};
