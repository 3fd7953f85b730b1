/**
 * Float64 reference convolutions in plain JavaScript, NHWC, for the finite-difference
 * tests. Not part of the package API (test-only; kept small and obviously correct).
 */
export interface ConvGeometry {
  x: [number, number, number, number]; // [N, H, W, C]
  kernel: [number, number]; // [kh, kw]
  strides: [number, number];
  padTopLeft: [number, number];
  out: [number, number]; // [OH, OW]
}

/** y[n, oh, ow, o] = sum_{i, j, c} x[n, oh*sh + i - top, ow*sw + j - left, c] * w[i, j, c, o]. */
export function conv2dRef(x: Float64Array, w: Float64Array, g: ConvGeometry, outChannels: number): Float64Array {
  const [n, h, wd, c] = g.x;
  const [, kw] = g.kernel;
  const [oh, ow] = g.out;
  const y = new Float64Array(n * oh * ow * outChannels);
  forEachTap(g, (b, r, q, i, j, xr, xc) => {
    for (let ci = 0; ci < c; ci++) {
      const xv = x[((b * h + xr) * wd + xc) * c + ci] as number;
      for (let o = 0; o < outChannels; o++) {
        y[((b * oh + r) * ow + q) * outChannels + o]! += xv * (w[((i * kw + j) * c + ci) * outChannels + o] as number);
      }
    }
  });
  return y;
}

/** The adjoint of conv2dRef in x: dx = conv2d^T(dy), what Conv2DBackpropInput computes. */
export function conv2dTransposeRef(dy: Float64Array, w: Float64Array, g: ConvGeometry, outChannels: number): Float64Array {
  const [n, h, wd, c] = g.x;
  const [, kw] = g.kernel;
  const [oh, ow] = g.out;
  const dx = new Float64Array(n * h * wd * c);
  forEachTap(g, (b, r, q, i, j, xr, xc) => {
    for (let ci = 0; ci < c; ci++) {
      let acc = 0;
      for (let o = 0; o < outChannels; o++) {
        acc += (dy[((b * oh + r) * ow + q) * outChannels + o] as number) * (w[((i * kw + j) * c + ci) * outChannels + o] as number);
      }
      dx[((b * h + xr) * wd + xc) * c + ci]! += acc;
    }
  });
  return dx;
}

/** Depthwise: y[n, oh, ow, c*M + m] = sum_{i, j} x[n, .., .., c] * w[i, j, c, m]. */
export function depthwiseRef(x: Float64Array, w: Float64Array, g: ConvGeometry, multiplier: number): Float64Array {
  const [n, h, wd, c] = g.x;
  const [, kw] = g.kernel;
  const [oh, ow] = g.out;
  const y = new Float64Array(n * oh * ow * c * multiplier);
  forEachTap(g, (b, r, q, i, j, xr, xc) => {
    for (let ci = 0; ci < c; ci++) {
      const xv = x[((b * h + xr) * wd + xc) * c + ci] as number;
      for (let m = 0; m < multiplier; m++) {
        y[((b * oh + r) * ow + q) * c * multiplier + ci * multiplier + m]! += xv * (w[((i * kw + j) * c + ci) * multiplier + m] as number);
      }
    }
  });
  return y;
}

function forEachTap(
  g: ConvGeometry,
  visit: (b: number, r: number, q: number, i: number, j: number, xr: number, xc: number) => void,
): void {
  const [n, h, wd] = g.x;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [top, left] = g.padTopLeft;
  const [oh, ow] = g.out;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < kh; i++) {
          const xr = r * sh + i - top;
          if (xr < 0 || xr >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xc = q * sw + j - left;
            if (xc < 0 || xc >= wd) continue;
            visit(b, r, q, i, j, xr, xc);
          }
        }
      }
    }
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
