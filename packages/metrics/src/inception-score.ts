/**
 * The Inception Score (Salimans et al. 2016), exp(E_x KL(p(y|x) || p(y))), computed from
 * class probabilities of any classifier; with the project's MNIST classifier it is the
 * usual "classifier score" analogue. It ranges from 1 (every image gets the same class
 * distribution) to the number of classes (confident predictions spread evenly).
 *
 * `probabilities` holds n rows of `classes` probabilities. p(y) is their mean over the
 * whole set, computed in float64; terms with p(y|x) = 0 contribute 0 (0 log 0 = 0).
 * One split: the 10-split mean of the original paper adds a small downward bias that
 * depends on n, which is not wanted when comparing runs of different sizes.
 */
export function inceptionScoreFromProbabilities(probabilities: ArrayLike<number>, n: number, classes: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`inception score: need at least one image, got n=${n}`);
  if (probabilities.length !== n * classes) {
    throw new Error(`inception score: expected n*classes = ${n}*${classes} = ${n * classes} probabilities, got ${probabilities.length}`);
  }
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++) for (let c = 0; c < classes; c++) marginal[c]! += probabilities[i * classes + c]!;
  for (let c = 0; c < classes; c++) marginal[c]! /= n;

  let meanKL = 0;
  for (let i = 0; i < n; i++) {
    let kl = 0;
    for (let c = 0; c < classes; c++) {
      const p = probabilities[i * classes + c]!;
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]!));
    }
    meanKL += kl / n;
  }
  return Math.exp(meanKL);
}
