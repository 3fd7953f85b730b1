/**
 * Plain-array helpers of the BLAS kernels: reusable scratch buffers and bias rows.
 *
 * Scratch buffers are JavaScript arrays, reused across calls, so the patch matrices and
 * padded grids the kernels build never grow the wasm heap (which would detach every view).
 */

/** A reusable buffer that grows by half again when it is too small. */
export class Scratch {
  private buffer = new Float32Array(0);

  /** At least `size` floats; their contents are whatever the last user left. */
  get(size: number): Float32Array {
    if (this.buffer.length < size) this.buffer = new Float32Array(Math.max(size, Math.ceil(this.buffer.length * 1.5)));
    return this.buffer.subarray(0, size);
  }
}

/** Writes `bias` (n values) into every row of `out` ([rows, n]). */
export function fillRows(out: Float32Array, bias: Float32Array, rows: number): void {
  const n = bias.length;
  if (rows === 0 || n === 0) return;
  out.set(bias, 0);
  // Doubling copies: log2(rows) calls instead of one per row.
  for (let filled = 1; filled < rows; filled *= 2) {
    out.copyWithin(filled * n, 0, Math.min(filled, rows - filled) * n);
  }
}
