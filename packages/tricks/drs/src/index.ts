/**
 * @gan/drs: discriminator rejection sampling (Azadi et al., "Discriminator Rejection
 * Sampling", ICLR 2019) of the run's samples. It does not change training: the run's
 * evaluations (`eval every N`, and so `keep best` and `stop when ... stalls`) and `gan eval` /
 * `gan sample` of the finished run measure and draw the samples of G that the run's D keeps,
 * each kept with probability sigmoid(F(x)) where F grows with D's logit for x.
 *
 * The algorithm is @gan/core's (run/rejection-sampling.ts), the same that `gan eval --drs`
 * applies to any trained run; this trick only says, in the spec, that the run's samples are
 * to be drawn with it and with which options. samples/ (the pictures during training) and
 * generator/ stay G's own: DRS is not a generator, it needs D beside G at every draw.
 */
import { REJECTION_SAMPLING_DEFAULTS, checkRejectionSamplingPlan, defineTrick, z } from "@gan/core";

const options = z.object({
  percentile: z
    .number()
    .min(0)
    .max(100)
    .default(REJECTION_SAMPLING_DEFAULTS.percentile)
    .describe("gamma is this percentile of F over each batch of candidates: higher keeps fewer, sharper samples"),
  burnIn: z
    .number()
    .int()
    .min(1)
    .default(REJECTION_SAMPLING_DEFAULTS.burnIn)
    .describe("samples of G drawn first to estimate D's largest logit (not kept)"),
  epsilon: z.number().positive().default(REJECTION_SAMPLING_DEFAULTS.epsilon).describe("keeps the acceptance of the sample at the largest logit below 1"),
  calibrate: z
    .number()
    .int()
    .min(0)
    .default(REJECTION_SAMPLING_DEFAULTS.calibrationSteps)
    .describe("D updates with G frozen before each draw (the paper's KeepTraining, on a copy of D's weights): 0 uses D as trained"),
  calibrateRate: z.number().positive().default(REJECTION_SAMPLING_DEFAULTS.calibrationRate).describe("Adam's learning rate at the first of those updates"),
  calibrateFinalRate: z
    .number()
    .positive()
    .default(REJECTION_SAMPLING_DEFAULTS.calibrationFinalRate)
    .describe("the rate at the last calibration update, reached from calibrateRate along half a cosine; calibrateRate's value for a constant rate"),
  calibrateBatch: z.number().int().min(1).optional().describe("real samples, and as many of G's, per calibration update; unset: the plan's batch size"),
});

export default defineTrick({
  name: "@gan/drs",
  description: "Discriminator rejection sampling of the run's evaluations and of gan eval / gan sample: samples D rates fake are dropped. Training is unchanged.",
  options,
  setup({ options, plan }) {
    // A conditional run's samples would lose their classes: refused before training starts.
    checkRejectionSamplingPlan(plan);
    const settings = {
      percentile: options.percentile,
      burnIn: options.burnIn,
      epsilon: options.epsilon,
      calibrationSteps: options.calibrate,
      calibrationRate: options.calibrateRate,
      calibrationFinalRate: options.calibrateFinalRate,
      ...(options.calibrateBatch !== undefined ? { calibrationBatch: options.calibrateBatch } : {}),
    };
    return {
      rejectionSampling: () => settings,
    };
  },
});
