/**
 * `--drs`, `--drs-percentile P`, `--drs-calibrate [STEPS]`, `--drs-calibrate-rate R`, `--drs-calibrate-final-rate R`
 * and `--drs-calibrate-batch N` of `gan eval` and `gan sample`: discriminator rejection
 * sampling of an already trained run (rejection-sampling.ts in @gan/core), and how a report
 * says that its samples were filtered.
 */
import { UsageError } from "@gan/core";
import { REJECTION_SAMPLING_DEFAULTS, type RejectionSamplingOptions, type RejectionSamplingStats } from "@gan/core/runtime";

/** The parseArgs options of the two flags. */
export const REJECTION_FLAGS = {
  drs: { type: "boolean" },
  "drs-percentile": { type: "string" },
  "drs-calibrate": { type: "string" },
  "drs-calibrate-rate": { type: "string" },
  "drs-calibrate-final-rate": { type: "string" },
  "drs-calibrate-batch": { type: "string" },
} as const;

/** The flags' values as parseArgs gives them. */
export interface RejectionFlagValues {
  drs?: boolean | undefined;
  "drs-percentile"?: string | undefined;
  "drs-calibrate"?: string | undefined;
  "drs-calibrate-rate"?: string | undefined;
  "drs-calibrate-final-rate"?: string | undefined;
  "drs-calibrate-batch"?: string | undefined;
}

/**
 * The options the flags ask for; undefined without them (the run's spec decides: @gan/drs or
 * none). Any of the other flags implies --drs. `--drs-calibrate 0` uses the checkpoint's D as
 * it is.
 */
export function rejectionSamplingFlags(command: string, values: RejectionFlagValues): RejectionSamplingOptions | undefined {
  const percentileText = values["drs-percentile"];
  const stepsText = values["drs-calibrate"];
  const rateText = values["drs-calibrate-rate"];
  const finalRateText = values["drs-calibrate-final-rate"];
  const batchText = values["drs-calibrate-batch"];
  if (values.drs !== true && [percentileText, stepsText, rateText, finalRateText, batchText].every((text) => text === undefined)) return undefined;
  const options = { ...REJECTION_SAMPLING_DEFAULTS };
  if (percentileText !== undefined) {
    const percentile = Number(percentileText);
    if (percentileText.trim() === "" || !Number.isFinite(percentile) || percentile < 0 || percentile > 100) {
      throw new UsageError(`gan ${command}: --drs-percentile needs a number from 0 to 100 (the percentile of F that sets gamma), got '${percentileText}'`);
    }
    options.percentile = percentile;
  }
  if (stepsText !== undefined) {
    const steps = Number(stepsText);
    if (stepsText.trim() === "" || !Number.isInteger(steps) || steps < 0) {
      throw new UsageError(`gan ${command}: --drs-calibrate needs a whole number of D updates, 0 or more (0: D as trained), got '${stepsText}'`);
    }
    options.calibrationSteps = steps;
  }
  if (rateText !== undefined) {
    const rate = Number(rateText);
    if (rateText.trim() === "" || !Number.isFinite(rate) || rate <= 0) {
      throw new UsageError(`gan ${command}: --drs-calibrate-rate needs a positive learning rate, got '${rateText}'`);
    }
    if (options.calibrationSteps === 0) throw new UsageError(`gan ${command}: --drs-calibrate-rate sets the rate of D's calibration, which --drs-calibrate 0 turns off`);
    options.calibrationRate = rate;
  }
  if (finalRateText !== undefined) {
    const rate = Number(finalRateText);
    if (finalRateText.trim() === "" || !Number.isFinite(rate) || rate <= 0) {
      throw new UsageError(`gan ${command}: --drs-calibrate-final-rate needs a positive learning rate, got '${finalRateText}'`);
    }
    if (options.calibrationSteps === 0) throw new UsageError(`gan ${command}: --drs-calibrate-final-rate sets the last rate of D's calibration, which --drs-calibrate 0 turns off`);
    options.calibrationFinalRate = rate;
  }
  if (batchText !== undefined) {
    const batch = Number(batchText);
    if (batchText.trim() === "" || !Number.isInteger(batch) || batch < 1) {
      throw new UsageError(`gan ${command}: --drs-calibrate-batch needs a whole number of samples, at least 1, got '${batchText}'`);
    }
    if (options.calibrationSteps === 0) throw new UsageError(`gan ${command}: --drs-calibrate-batch sets the batch of D's calibration, which --drs-calibrate 0 turns off`);
    options.calibrationBatch = batch;
  }
  return options;
}

/** `DRS at the 95th percentile: kept 2,500 of 10,873 candidates (23.0%), burn-in 10,000`. */
export function rejectionSamplingText(stats: RejectionSamplingStats): string {
  const n = (value: number) => value.toLocaleString("en");
  return (
    `DRS at the ${stats.percentile}th percentile: kept ${n(stats.accepted)} of ${n(stats.candidates)} candidates ` +
    `(${(stats.acceptance * 100).toFixed(1)}%), burn-in ${n(stats.burnIn)}, max logit ${stats.maxLogit.toFixed(3)}` +
    (stats.calibrationSteps > 0
      ? `, D calibrated for ${n(stats.calibrationSteps)} steps at rate ${stats.calibrationRate}` +
        (stats.calibrationFinalRate !== undefined && stats.calibrationFinalRate !== stats.calibrationRate ? ` falling to ${stats.calibrationFinalRate}` : "") +
        (stats.calibrationBatch !== undefined ? `, batches of ${n(stats.calibrationBatch)}` : "")
      : "")
  );
}
