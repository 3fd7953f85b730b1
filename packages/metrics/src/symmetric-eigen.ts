/**
 * Eigendecomposition of a real symmetric matrix by cyclic Jacobi rotations, in float64.
 *
 * Jacobi is slower than QR-based solvers but is simple, unconditionally stable, and
 * accurate to working precision even for tiny eigenvalues, which is what a matrix square
 * root of a nearly singular covariance needs. Feature dimensions here are in the low
 * hundreds, where a few O(d^3) sweeps cost milliseconds.
 */
export interface SymmetricEigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** Eigenvectors as the columns of a row-major d x d matrix: vectors[row * d + k] is component `row` of vector k. */
  vectors: Float64Array;
}

const MAX_SWEEPS = 100;

export function symmetricEigen(matrix: ArrayLike<number>, d: number): SymmetricEigen {
  if (matrix.length !== d * d) throw new Error(`symmetricEigen: expected ${d}x${d} = ${d * d} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;

  let frobeniusSquared = 0;
  for (let i = 0; i < a.length; i++) frobeniusSquared += a[i]! * a[i]!;
  // Off-diagonal mass below this is rounding noise relative to the matrix itself.
  const tolerance = 1e-30 * frobeniusSquared;

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! * a[p * d + q]!;
    if (off <= tolerance || off === 0) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const app = a[p * d + p]!;
        const aqq = a[q * d + q]!;
        // The rotation that zeroes a[p][q] (Numerical Recipes 11.1): t = tan(angle), the smaller root.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: v };
}

/**
 * The principal square root of a symmetric positive semi-definite matrix: V diag(sqrt(l)) V^T.
 * Eigenvalues that rounding pushed slightly below zero are taken as zero; the input is
 * symmetrised first so that a covariance with float noise in its symmetry still works.
 */
export function sqrtSymmetricPsd(matrix: ArrayLike<number>, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(symmetrize(matrix, d), d);
  const roots = values.map((value) => Math.sqrt(Math.max(0, value)));
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += vectors[i * d + k]! * roots[k]! * vectors[j * d + k]!;
      out[i * d + j] = sum;
      out[j * d + i] = sum;
    }
  }
  return out;
}

export function symmetrize(matrix: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (matrix[i * d + j]! + matrix[j * d + i]!) / 2;
  }
  return out;
}

/** Row-major d x d product a * b. */
export function multiplySquare(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j]! += aik * b[k * d + j]!;
    }
  }
  return out;
}
