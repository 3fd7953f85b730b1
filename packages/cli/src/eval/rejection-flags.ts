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

/** A number flag's value, or a usage error naming the flag and what it `needs` when `valid` refuses it. */
function numberFlag(command: string, flag: string, text: string, valid: (value: number) => boolean, needs: string): number {
  const value = Number(text);
  if (text.trim() === "" || !valid(value)) throw new UsageError(`gan ${command}: --${flag} needs ${needs}, got '${text}'`);
  return value;
}

const isPositive = (value: number) => Number.isFinite(value) && value > 0;

/**
 * The options the flags ask for; undefined without them (the run's spec decides: @gan/drs or
 * none). Any of the other flags implies --drs. `--drs-calibrate 0` uses the checkpoint's D as
 * it is, and then a flag that sets the calibration is refused.
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
    options.percentile = numberFlag(command, "drs-percentile", percentileText, (value) => Number.isFinite(value) && value >= 0 && value <= 100, "a number from 0 to 100 (the percentile of F that sets gamma)");
  }
  if (stepsText !== undefined) {
    options.calibrationSteps = numberFlag(command, "drs-calibrate", stepsText, (value) => Number.isInteger(value) && value >= 0, "a whole number of D updates, 0 or more (0: D as trained)");
  }
  // Each in turn: its value checked, then refused if --drs-calibrate 0 turned the calibration off.
  const calibrationFlags = [
    { flag: "drs-calibrate-rate", text: rateText, valid: isPositive, needs: "a positive learning rate", sets: "the rate", apply: (value: number) => (options.calibrationRate = value) },
    { flag: "drs-calibrate-final-rate", text: finalRateText, valid: isPositive, needs: "a positive learning rate", sets: "the last rate", apply: (value: number) => (options.calibrationFinalRate = value) },
    { flag: "drs-calibrate-batch", text: batchText, valid: (value: number) => Number.isInteger(value) && value >= 1, needs: "a whole number of samples, at least 1", sets: "the batch", apply: (value: number) => (options.calibrationBatch = value) },
  ];
  for (const { flag, text, valid, needs, sets, apply } of calibrationFlags) {
    if (text === undefined) continue;
    apply(numberFlag(command, flag, text, valid, needs));
    if (options.calibrationSteps === 0) throw new UsageError(`gan ${command}: --${flag} sets ${sets} of D's calibration, which --drs-calibrate 0 turns off`);
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
