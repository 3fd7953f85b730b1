import type { backend_util } from "@tensorflow/tfjs-core";
import { fillRows, Scratch } from "./buffers.js";
import { blasProduct, type NativeBlas } from "./native-blas.js";

/**
 * Stride-1 convolutions as sums of shifted products, with no patch matrix ("shifted GEMM").
 *
 * Lay the padded NHWC input out as rows of `c` floats, one per pixel of a grid of
 * gridH x gridW pixels per image: row r = (n*gridH + y)*gridW + x. An output pixel (y, x) of a
 * stride-1 convolution reads the input rows r + i*gridW + j for the filter taps (i, j); so for
 * all output pixels at once, on the same grid,
 *
 *   out[r] = sum over (i, j) of  input[r + i*gridW + j] . W[i, j]        (W[i, j]: c x co)
 *
 * and input[r + i*gridW + j] over r is a contiguous block of rows: each tap is one product of
 * (rows x c) by (c x co), added into the output (beta 1). Rows whose pixel lies outside the
 * output (the grid's last kh-1 rows and kw-1 columns of each image) get values that are
 * dropped. The input and filter gradients are the same sum with other operands.
 *
 * Why: im2col writes and the product reads a patch matrix kh*kw times the input's size (115 MB
 * for one 3x3 layer of the MNIST ResNet), in one thread, and col2im adds it back serially;
 * here the only copies are the padding and the output's valid rows (each about the
 * size of a feature map), and all the arithmetic and memory traffic is inside OpenBLAS, which
 * splits each of the kh*kw products over its threads. The price is the grid's extra rows
 * (gridH*gridW / (oh*ow): 1.15x on 28x28 with 3x3 'same', 1.31x on 14x14).
 *
 * The sums run over taps, then channels, where im2col's run over (tap, channel) in one product:
 * the results agree to float32 rounding, not bit for bit.
 */

/** The padded input grid (and the output rows a product computes on it) of a stride-1 convolution. */
interface ShiftedGrid {
  /** Pixels per image along each axis: the padded input's size. */
  gridH: number;
  gridW: number;
  /**
   * Rows each tap's product computes: up to and including the last image's last output
   * pixel, (n-1)*gridH*gridW + (outH-1)*gridW + outW. The block a tap reads, rows
   * i*gridW + j .. i*gridW + j + rows, stays inside the n*gridH*gridW rows of the grid.
   */
  rows: number;
}

function shiftedGrid(batch: number, outH: number, outW: number, kh: number, kw: number): ShiftedGrid {
  const gridH = outH + kh - 1;
  const gridW = outW + kw - 1;
  return { gridH, gridW, rows: (batch - 1) * gridH * gridW + (outH - 1) * gridW + outW };
}

/**
 * Whether the shifted form computes this convolution and its gradients: stride 1, padding
 * that is not wider than the filter less one on any side (the input gradient pads dy by the
 * filter size less one less that padding), and at least `minChannels` input channels (the
 * depth of the forward's products). With fewer, each product is a thin sliver that reads and
 * writes the whole output grid for little arithmetic, and im2col's single deep product is
 * faster: on the MNIST ResNet's 1-channel layer, 1.0-2.3x slower shifted. Few output channels
 * are no reason against it: its 32 -> 1 layer is 2-5x faster shifted, as the patch matrix of
 * the input gradient is then a product of depth 1 written in full.
 */
export function shiftedConvApplies(info: backend_util.Conv2DInfo, minChannels: number): boolean {
  const { strideHeight, strideWidth, filterHeight: kh, filterWidth: kw, padInfo } = info;
  return (
    strideHeight === 1 &&
    strideWidth === 1 &&
    kh * kw > 1 &&
    info.inChannels >= minChannels &&
    padInfo.top <= kh - 1 &&
    padInfo.bottom <= kh - 1 &&
    padInfo.left <= kw - 1 &&
    padInfo.right <= kw - 1 &&
    padInfo.top >= 0 &&
    padInfo.bottom >= 0 &&
    padInfo.left >= 0 &&
    padInfo.right >= 0
  );
}

/**
 * Copies the NHWC `image` ([batch, h, w, c]) onto a grid of gridH x gridW pixels per image, at
 * (top, left), zeros around it. Returns `image` itself when the grid is the image.
 */
function placeOnGrid(
  image: Float32Array,
  [batch, h, w, c]: readonly [number, number, number, number],
  grid: ShiftedGrid,
  top: number,
  left: number,
  space: Scratch,
): Float32Array {
  const { gridH, gridW } = grid;
  if (gridH === h && gridW === w) return image;
  const out = space.get(batch * gridH * gridW * c);
  const rowFloats = w * c;
  // Zeros from the end of each image row to the start of the next one's (the right
  // padding, the next row's left padding, whole padding rows between).
  let filledTo = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < h; y++) {
      const start = ((b * gridH + top + y) * gridW + left) * c;
      out.fill(0, filledTo, start);
      out.set(image.subarray((b * h + y) * rowFloats, (b * h + y + 1) * rowFloats), start);
      filledTo = start + rowFloats;
    }
  }
  out.fill(0, filledTo);
  return out;
}

/** The inverse: the pixels (0..h, 0..w) of each image of `grid`'s rows, into the NHWC `out`. */
function takeFromGrid(rows: Float32Array, grid: ShiftedGrid, out: Float32Array, [batch, h, w, c]: readonly [number, number, number, number]): void {
  const rowFloats = w * c;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < h; y++) {
      const start = (b * grid.gridH + y) * grid.gridW * c;
      out.set(rows.subarray(start, start + rowFloats), (b * h + y) * rowFloats);
    }
  }
}

/** The padded input; the output grid or dy on the grid. */
const inputSpace = new Scratch();
const outputSpace = new Scratch();

/** The floats of filter tap (i, j): W[i, j] as [inChannels, outChannels]. */
function tap(filter: Float32Array, info: backend_util.Conv2DInfo, i: number, j: number): Float32Array {
  const size = info.inChannels * info.outChannels;
  const first = (i * info.filterWidth + j) * size;
  return filter.subarray(first, first + size);
}

/**
 * rows (grid.rows x outC) = firstBeta * rows + the sum over the taps (i, j) of the block of
 * `source` (rows of inC floats) that tap reads, times taps(i, j) (inC x outC): the shifted
 * form's one loop, for the forward (source the padded input, the filter's taps) and the input
 * gradient (dy on the grid, the flipped and transposed taps).
 */
function addTapProducts(
  blas: NativeBlas,
  source: Float32Array,
  inC: number,
  taps: Float32Array,
  outC: number,
  info: backend_util.Conv2DInfo,
  grid: ShiftedGrid,
  rows: Float32Array,
  firstBeta: number,
): void {
  for (let i = 0; i < info.filterHeight; i++) {
    for (let j = 0; j < info.filterWidth; j++) {
      const first = (i * grid.gridW + j) * inC;
      const beta = i === 0 && j === 0 ? firstBeta : 1;
      blasProduct(blas, false, false, grid.rows, outC, inC, source.subarray(first, first + grid.rows * inC), tap(taps, info, i, j), rows, beta);
    }
  }
}

/** out [n, oh, ow, co] = conv(x, filter) (+ bias), for a geometry shiftedConvApplies accepts. */
export function shiftedConv2D(
  blas: NativeBlas,
  x: Float32Array,
  filter: Float32Array,
  bias: Float32Array | undefined,
  out: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const grid = shiftedGrid(n, oh, ow, kh, kw);
  const input = placeOnGrid(x, [n, h, w, ci], grid, padInfo.top, padInfo.left, inputSpace);
  const outRows = outputSpace.get(grid.rows * co);
  if (bias !== undefined) fillRows(outRows, bias, grid.rows);
  addTapProducts(blas, input, ci, filter, co, info, grid, outRows, bias === undefined ? 0 : 1);
  takeFromGrid(outRows, grid, out, [n, oh, ow, co]);
}

/** The filter's taps flipped in space, each transposed: [kh, kw, co, ci], tap (i, j) = W[kh-1-i, kw-1-j]^T. */
const flippedSpace = new Scratch();

function flippedTransposedTaps(filter: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = info;
  const out = flippedSpace.get(kh * kw * ci * co);
  for (let t = 0; t < kh * kw; t++) {
    const from = (kh * kw - 1 - t) * ci * co; // tap (kh-1-i, kw-1-j) for t = i*kw + j
    const to = t * ci * co;
    for (let c = 0; c < ci; c++) {
      for (let o = 0; o < co; o++) out[to + o * ci + c] = filter[from + c * co + o] as number;
    }
  }
  return out;
}

/**
 * dx [n, h, w, ci] of a convolution: dy padded by the filter size less one less the forward's
 * padding on each side, convolved with the filter flipped in space, its channel axes swapped.
 * The swapped taps are written out first (kh*kw*ci*co floats), so that the products are the
 * forward's shape (no transposed operand): OpenBLAS 0.3.21 splits those over its threads with
 * gain, and the transposed ones not (bench/RESULTS.md, session 8).
 */
export function shiftedConv2DBackpropInput(
  blas: NativeBlas,
  dy: Float32Array,
  filter: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const grid = shiftedGrid(n, h, w, kh, kw);
  const dyGrid = placeOnGrid(dy, [n, oh, ow, co], grid, kh - 1 - padInfo.top, kw - 1 - padInfo.left, inputSpace);
  const dxRows = outputSpace.get(grid.rows * ci);
  addTapProducts(blas, dyGrid, co, flippedTransposedTaps(filter, info), ci, info, grid, dxRows, 0);
  takeFromGrid(dxRows, grid, dx, [n, h, w, ci]);
}

/**
 * dW [kh, kw, ci, co] of a convolution (added to beta times dW): tap (i, j)'s block of the
 * padded input, transposed, times dy laid on the same grid (zeros in the rows outside the output).
 */
export function shiftedConv2DBackpropFilter(
  blas: NativeBlas,
  x: Float32Array,
  dy: Float32Array,
  dW: Float32Array,
  info: backend_util.Conv2DInfo,
  beta: number,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const grid = shiftedGrid(n, oh, ow, kh, kw);
  const input = placeOnGrid(x, [n, h, w, ci], grid, padInfo.top, padInfo.left, inputSpace);
  const dyGrid = placeOnGrid(dy, [n, oh, ow, co], grid, 0, 0, outputSpace).subarray(0, grid.rows * co);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const first = (i * grid.gridW + j) * ci;
      blasProduct(blas, true, false, ci, co, grid.rows, input.subarray(first, first + grid.rows * ci), dyGrid, tap(dW, info, i, j), beta);
    }
  }
}
