import type { TensorInfo } from "@tensorflow/tfjs-core";
import { axisPhases, type AxisPhase } from "./conv-geometry.js";
import type { ExplicitPad, WasmOps } from "./wasm-ops.js";

/**
 * A strided transposed convolution (the input gradient of a strided convolution) as
 * s_h * s_w small stride-1 convolutions, one per output phase, interleaved afterwards.
 *
 * The direct form, a stride-1 convolution over dy with s-1 zeros inserted between its
 * entries, spends (s_h*s_w - 1)/(s_h*s_w) of its multiplications on those zeros; the
 * phases skip them. Each phase convolves dy with the filter taps that reach that phase.
 */
export interface SubPixelProblem {
  dy: TensorInfo; // [N, OH, OW, channels of dy]
  batch: number;
  outHeight: number; // height of the result (the forward input's height)
  outWidth: number;
  outChannels: number; // channels of the result
  strides: [number, number];
  filterSize: [number, number];
  padTopLeft: [number, number];
  /** The sub-filter for taps tapsH x tapsW, in the layout `convolve` expects. */
  subFilter(tapsH: number[], tapsW: number[]): TensorInfo;
  /** A stride-1 convolution of (a window of) dy; returns [N, Qh, Qw, outChannels]. */
  convolve(dyWindow: TensorInfo, subFilter: TensorInfo, pad: ExplicitPad): TensorInfo;
}

export function subPixelTransposedConv(ops: WasmOps, p: SubPixelProblem): TensorInfo {
  const [sh, sw] = p.strides;
  const [n, oh, ow] = p.dy.shape as [number, number, number, number];
  const qh = Math.ceil(p.outHeight / sh);
  const qw = Math.ceil(p.outWidth / sw);
  const rowsPhases = axisPhases(sh, p.filterSize[0], p.padTopLeft[0], oh, qh);
  const colsPhases = axisPhases(sw, p.filterSize[1], p.padTopLeft[1], ow, qw);

  const phaseOutputs: TensorInfo[] = [];
  try {
    for (const rows of rowsPhases) {
      for (const cols of colsPhases) {
        phaseOutputs.push(convolvePhase(ops, p, rows, cols, [n, qh, qw, p.outChannels]));
      }
    }
    if (sh === 1 && sw === 1) return phaseOutputs.pop() as TensorInfo;
    return interleavePhases(ops, phaseOutputs, p, [qh, qw]);
  } finally {
    ops.dispose(...phaseOutputs);
  }
}

function convolvePhase(
  ops: WasmOps,
  p: SubPixelProblem,
  rows: AxisPhase,
  cols: AxisPhase,
  outShape: [number, number, number, number],
): TensorInfo {
  const [n, oh, ow, dyChannels] = p.dy.shape as [number, number, number, number];
  // Negative padding means dy rows the phase never reads: drop them instead.
  const rowStart = Math.max(0, -rows.before);
  const colStart = Math.max(0, -cols.before);
  const usedRows = oh - rowStart - Math.max(0, -rows.after);
  const usedCols = ow - colStart - Math.max(0, -cols.after);
  if (rows.taps.length === 0 || cols.taps.length === 0 || usedRows <= 0 || usedCols <= 0) {
    return ops.zeros(outShape); // no filter tap (or no dy entry) reaches this phase
  }
  const window =
    usedRows === oh && usedCols === ow
      ? p.dy
      : ops.slice(p.dy, [0, rowStart, colStart, 0], [n, usedRows, usedCols, dyChannels]);
  const filter = p.subFilter(rows.taps, cols.taps);
  const pad: ExplicitPad = [
    [0, 0],
    [Math.max(0, rows.before), Math.max(0, rows.after)],
    [Math.max(0, cols.before), Math.max(0, cols.after)],
    [0, 0],
  ];
  const out = p.convolve(window, filter, pad);
  ops.dispose(filter);
  if (window !== p.dy) ops.dispose(window);
  return out;
}

/**
 * Writes phase (rh, rw), [N, qh, qw, C], to output rows q*sh + rh and columns p*sw + rw,
 * dropping the positions past the output's edge. A plain copy loop over the wasm heap:
 * the equivalent 6-D Transpose of the stacked phases measured about 100x slower.
 */
function interleavePhases(ops: WasmOps, phases: TensorInfo[], p: SubPixelProblem, [qh, qw]: [number, number]): TensorInfo {
  const [sh, sw] = p.strides;
  const { batch: n, outHeight: h, outWidth: w, outChannels: c } = p;
  const out = ops.backend.makeOutput([n, h, w, c], "float32");
  const dst = ops.heapView(out); // views taken after the last allocation
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      const src = ops.heapView(phases[rh * sw + rw] as TensorInfo);
      const rows = Math.ceil((h - rh) / sh); // q with q*sh + rh < h
      const cols = Math.ceil((w - rw) / sw);
      for (let b = 0; b < n; b++) {
        for (let q = 0; q < rows; q++) {
          let from = ((b * qh + q) * qw) * c;
          let to = ((b * h + q * sh + rh) * w + rw) * c;
          const step = sw * c;
          if (c >= 16) {
            for (let col = 0; col < cols; col++, from += c, to += step) dst.set(src.subarray(from, from + c), to);
          } else {
            for (let col = 0; col < cols; col++, to += step) {
              for (let k = 0; k < c; k++) dst[to + k] = src[from++] as number;
            }
          }
        }
      }
    }
  }
  return out;
}
