import { backend_util, type NamedAttrMap } from "@tensorflow/tfjs-core";
import type { Shape4 } from "./wasm-ops.js";

/** The attributes the tfjs conv backprop kernels receive. */
export interface ConvBackpropAttrs {
  strides: number | [number, number];
  pad: "same" | "valid" | number | backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  dilations?: number | [number, number];
}

export function readConvAttrs(attrs: NamedAttrMap | undefined): ConvBackpropAttrs {
  return (attrs ?? {}) as unknown as ConvBackpropAttrs;
}

/**
 * The forward convolution's geometry, after refusing what the composed kernels do not
 * handle: channels-first data and dilated filters (tfjs's own conv gradients refuse
 * dilation too, so a dilation only reaches here through a direct kernel call).
 */
export function forwardConvInfo(
  kernelName: string,
  xShape: Shape4,
  filterShape: Shape4,
  attrs: ConvBackpropAttrs,
  depthwise = false,
): backend_util.Conv2DInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== "NHWC") {
    throw new Error(
      `@gan/backend-wasm ${kernelName}: dataFormat '${attrs.dataFormat}' is not supported ` +
        `on the wasm backend; use 'NHWC' (channels last).`,
    );
  }
  const dilations = attrs.dilations ?? 1;
  const [dh, dw] = typeof dilations === "number" ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(
      `@gan/backend-wasm ${kernelName}: dilations [${dh}, ${dw}] are not supported; ` +
        `only dilation 1 has a gradient kernel.`,
    );
  }
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    "channelsLast",
  );
}

/**
 * One output phase of a strided transposed convolution along one axis.
 *
 * The input gradient at position `s*q + r` only receives filter taps `k = c + s*j`, where
 * `c = (r + padBefore) mod s`, from `dy[q + d - j]` with `d = floor((r + padBefore) / s)`.
 * So phase `r` is a stride-1 correlation of `dy` with the reversed sub-filter
 * `[c + s*(taps-1), ..., c + s, c]`, over the window `dy[q + d - taps + 1 .. q + d]`.
 */
export interface AxisPhase {
  /** Filter indices of the sub-filter, in the order the correlation applies them. */
  taps: number[];
  /** Zeros before `dy` (negative: that many leading rows of `dy` are dropped). */
  before: number;
  /** Zeros after `dy` (negative: that many trailing rows of `dy` are dropped). */
  after: number;
}

export function axisPhases(
  stride: number,
  filterSize: number,
  padBefore: number,
  dyLength: number,
  phaseLength: number,
): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const c = (r + padBefore) % stride;
    const d = Math.floor((r + padBefore) / stride);
    const count = c < filterSize ? Math.ceil((filterSize - c) / stride) : 0;
    const taps: number[] = [];
    for (let t = 0; t < count; t++) taps.push(c + stride * (count - 1 - t));
    phases.push({
      taps,
      before: count - 1 - d,
      after: phaseLength - 1 + d - (dyLength - 1),
    });
  }
  return phases;
}
