import path from "node:path";
import { UsageError, UserError } from "@gan/core";
import { encodeNpy, renderSamples, sampleKind, sampleRun, toCsv } from "@gan/core/runtime";
import { BACKENDS, type BackendName } from "@gan/plan";
import type { Command } from "../command.js";
import { integerFlag, parseCommandArgs } from "../command.js";
import { writeOutputFile } from "../files.js";
import { output } from "../io.js";
import { REJECTION_FLAGS, rejectionSamplingFlags, rejectionSamplingText } from "../eval/rejection-flags.js";

const FORMATS = ["png", "csv", "npy"] as const;
/** Samples per class with `--class all` and no -n: a row of a picture each. */
const CLASS_ROW = 8;
type Format = (typeof FORMATS)[number];

function binaryOnTerminal(format: Format): UsageError {
  return new UsageError(`gan sample: ${format.toUpperCase()} is binary and stdout is a terminal: pass -o FILE (or --format csv for text), or redirect the output`);
}

function formatOf(value: string | undefined, file: string | undefined, defaultFormat: Format): Format {
  if (value !== undefined) {
    if (!(FORMATS as readonly string[]).includes(value)) throw new UsageError(`gan sample: --format must be one of ${FORMATS.join(", ")}, got '${value}'`);
    return value as Format;
  }
  const extension = file === undefined ? "" : path.extname(file).slice(1).toLowerCase();
  return (FORMATS as readonly string[]).includes(extension) ? (extension as Format) : defaultFormat;
}

export const command: Command = {
  name: "sample",
  usage:
    "gan sample RUN_DIR [--checkpoint best|STEP] [--drs [--drs-percentile P] [--drs-calibrate STEPS [--drs-calibrate-rate R] [--drs-calibrate-final-rate R] [--drs-calibrate-batch N]]] [-n N] [-o FILE] [--format png|csv|npy] [--seed S] [--backend B] [--class C|all]\n" +
    "Samples of the generator the run samples from (with @gan/ema, the average): its final generator/, else its newest\n" +
    "checkpoint; --checkpoint best (the checkpoint 'keep best' kept), a step (500) or a name (step-000500): that checkpoint.\n" +
    "--class (a run whose spec says 'condition classes'): every sample of class C, a name as the data names it or an index\n" +
    "from 0; all: -n samples of each class (default 8), class after class, one row per class in the picture. Without it,\n" +
    "a conditional run's samples are drawn for uniform classes.\n" +
    "--drs: the samples that discriminator rejection sampling keeps (gan eval --help); the share kept goes to stderr.",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "sample",
      argv,
      {
        n: { type: "string", short: "n" },
        out: { type: "string", short: "o" },
        format: { type: "string" },
        seed: { type: "string" },
        backend: { type: "string" },
        class: { type: "string" },
        checkpoint: { type: "string" },
        ...REJECTION_FLAGS,
      },
      { min: 1, max: 1 },
    );
    const runDir = positionals[0]!;
    // With --class all, -n is per class: one row of a picture per class.
    const count = integerFlag("sample", "n", values.n, 1) ?? (values.class === "all" ? CLASS_ROW : 1000);
    const seed = integerFlag("sample", "seed", values.seed, 0) ?? 0;
    if (values.backend !== undefined && !(BACKENDS as readonly string[]).includes(values.backend)) {
      throw new UsageError(`gan sample: --backend must be one of ${BACKENDS.join(", ")}, got '${values.backend}'`);
    }
    const rejectionSampling = rejectionSamplingFlags("sample", values);
    const samples = await sampleRun(runDir, {
      count,
      seed,
      backend: (values.backend as BackendName | undefined) ?? "auto",
      tricksFrom: process.cwd(),
      warn: (message) => output.err(`warning: ${message}\n`),
      ...(values.class !== undefined && { classes: values.class }),
      ...(values.checkpoint !== undefined && { checkpoint: values.checkpoint }),
      ...(rejectionSampling !== undefined && { rejectionSampling }),
    });
    if (samples.rejectionSampling) output.err(`${rejectionSamplingText(samples.rejectionSampling)}\n`);
    const kind = sampleKind(samples.plan);
    // 2-D samples go out as CSV for evaluation elsewhere; images as a picture.
    const format = formatOf(values.format, values.out, kind === "grid" ? "png" : "csv");
    // Binary bytes on a terminal are garbage, and may contain escape sequences the terminal acts on.
    if (values.out === undefined && format !== "csv" && output.stdoutIsTTY()) throw binaryOnTerminal(format);

    let content: string | Uint8Array;
    if (format === "csv") {
      const perSample = samples.shape.reduce((a, b) => a * b, 1);
      content = toCsv(samples.values, perSample);
    } else if (format === "npy") {
      content = encodeNpy(samples.values, [samples.count, ...samples.shape]);
    } else {
      const png = renderSamples(samples.plan, samples.values, samples.columns);
      if (!png) {
        throw new UserError(`samples of shape [${samples.shape.join(", ")}] cannot be drawn as a PNG: use --format csv or npy`);
      }
      content = png;
    }

    if (values.out === undefined) {
      if (typeof content === "string") output.out(content);
      else output.outBytes(content);
      return 0;
    }
    writeOutputFile(values.out, content, "the samples");
    const relative = path.relative(process.cwd(), samples.weightsFrom);
    const from = relative === "" || relative.startsWith("..") ? samples.weightsFrom : relative;
    output.err(`wrote ${samples.count} samples (${format}) from ${from} to ${values.out}\n`);
    return 0;
  },
};
