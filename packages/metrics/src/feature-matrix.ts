import * as tf from "@tensorflow/tfjs-core";

/** n feature vectors of dimension d, row after row. Treat one as immutable: results computed from it (k-NN radii) are cached by its identity. */
export interface FeatureMatrix {
  values: Float32Array;
  n: number;
  d: number;
}

export function featureMatrix(values: Float32Array, n: number, d: number, what = "features"): FeatureMatrix {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1) throw new Error(`${what}: n and d must be positive integers, got n=${n}, d=${d}`);
  if (values.length !== n * d) throw new Error(`${what}: expected n*d = ${n}*${d} = ${n * d} values, got ${values.length}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error(`${what}: vector ${Math.floor(i / d)} holds a NaN or infinite value`);
  }
  return { values, n, d };
}

/** The rows `indices` of a matrix, as a new matrix. */
export function selectRows(matrix: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const { d } = matrix;
  const values = new Float32Array(indices.length * d);
  for (let i = 0; i < indices.length; i++) values.set(matrix.values.subarray(indices[i]! * d, (indices[i]! + 1) * d), i * d);
  return { values, n: indices.length, d };
}

/** Rows of a product block handed to a visitor at once: 1,024 x 10,000 float32 is 40 MB. */
const BLOCK_ROWS = 1024;

/**
 * The dot products X Y^T, block of rows after block of rows: `visit(firstRow, rows, block)`
 * with block[r * y.n + j] = x_(firstRow + r) . y_j. The products are one matrix multiply
 * on the active TensorFlow.js backend (float32, as the reference implementations compute
 * them on a GPU); everything built on them is accumulated in float64 by the callers.
 */
export async function forEachDotBlock(
  x: FeatureMatrix,
  y: FeatureMatrix,
  visit: (firstRow: number, rows: number, block: Float32Array) => void,
): Promise<void> {
  if (x.d !== y.d) throw new Error(`feature dimensions differ: ${x.d} and ${y.d}`);
  const yTensor = tf.tensor2d(y.values, [y.n, y.d]);
  try {
    for (let first = 0; first < x.n; first += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, x.n - first);
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(x.values.subarray(first * x.d, (first + rows) * x.d), [rows, x.d]), yTensor, false, true));
      try {
        visit(first, rows, (await product.data()) as Float32Array);
      } finally {
        product.dispose();
      }
    }
  } finally {
    yTensor.dispose();
  }
}

/** Squared Euclidean norm of every row, in float64. */
export function squaredNorms(matrix: FeatureMatrix): Float64Array {
  const norms = new Float64Array(matrix.n);
  for (let i = 0; i < matrix.n; i++) {
    let sum = 0;
    for (let j = 0; j < matrix.d; j++) {
      const value = matrix.values[i * matrix.d + j]!;
      sum += value * value;
    }
    norms[i] = sum;
  }
  return norms;
}

/**
 * Squared Euclidean distances ||x_i - y_j||^2 = ||x_i||^2 + ||y_j||^2 - 2 x_i . y_j, block
 * of rows after block of rows, as Kynkäänniemi et al.'s `batch_pairwise_distances`
 * computes them; rounding can leave a tiny negative value, which is clipped to 0.
 */
export async function forEachSquaredDistanceBlock(
  x: FeatureMatrix,
  y: FeatureMatrix,
  visit: (firstRow: number, rows: number, block: Float64Array) => void,
): Promise<void> {
  const xNorms = squaredNorms(x);
  const yNorms = x === y ? xNorms : squaredNorms(y);
  await forEachDotBlock(x, y, (first, rows, dots) => {
    const block = new Float64Array(rows * y.n);
    for (let r = 0; r < rows; r++) {
      const xNorm = xNorms[first + r]!;
      for (let j = 0; j < y.n; j++) block[r * y.n + j] = Math.max(0, xNorm + yNorms[j]! - 2 * dots[r * y.n + j]!);
    }
    visit(first, rows, block);
  });
}
