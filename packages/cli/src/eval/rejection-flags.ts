/**
 * `--drs` and `--drs-percentile P` of `gan eval` and `gan sample`: discriminator rejection
 * sampling of an already trained run (rejection-sampling.ts in @gan/core), and how a report
 * says that its samples were filtered.
 */
import { UsageError } from "@gan/core";
import { REJECTION_SAMPLING_DEFAULTS, type RejectionSamplingOptions, type RejectionSamplingStats } from "@gan/core/runtime";

/** The parseArgs options of the two flags. */
export const REJECTION_FLAGS = {
  drs: { type: "boolean" },
  "drs-percentile": { type: "string" },
} as const;

/** The options the flags ask for; undefined without them (the run's spec decides: @gan/drs or none). */
export function rejectionSamplingFlags(command: string, drs: boolean | undefined, percentileText: string | undefined): RejectionSamplingOptions | undefined {
  if (percentileText === undefined) return drs === true ? { ...REJECTION_SAMPLING_DEFAULTS } : undefined;
  const percentile = Number(percentileText);
  if (percentileText.trim() === "" || !Number.isFinite(percentile) || percentile < 0 || percentile > 100) {
    throw new UsageError(`gan ${command}: --drs-percentile needs a number from 0 to 100 (the percentile of F that sets gamma), got '${percentileText}'`);
  }
  return { ...REJECTION_SAMPLING_DEFAULTS, percentile };
}

/** `DRS at the 95th percentile: kept 2,500 of 10,873 candidates (23.0%), burn-in 10,000`. */
export function rejectionSamplingText(stats: RejectionSamplingStats): string {
  const n = (value: number) => value.toLocaleString("en");
  return (
    `DRS at the ${stats.percentile}th percentile: kept ${n(stats.accepted)} of ${n(stats.candidates)} candidates ` +
    `(${(stats.acceptance * 100).toFixed(1)}%), burn-in ${n(stats.burnIn)}, max logit ${stats.maxLogit.toFixed(3)}`
  );
}
