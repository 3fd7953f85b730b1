import {
  AvgPoolGrad,
  avgPool,
  backend_util,
  gather,
  image,
  MaxPoolGrad,
  maxPoolWithArgmax,
  mul,
  ResizeBilinearGrad,
  ResizeNearestNeighborGrad,
  reshape,
  tensor4d,
  zeros,
  type GradConfig,
  type Tensor,
  type Tensor4D,
} from "@tensorflow/tfjs-core";

/**
 * Gradients of the gradient kernels of pooling and resizing, which tfjs-core 4.22 lacks: a
 * gradient penalty through an avgpool, maxpool or upsampling layer differentiates them.
 *
 * Each of these kernels maps dy to dx linearly (for a fixed input), so its gradient with
 * respect to dy is its adjoint, the forward op the kernel is the gradient of; its gradient
 * with respect to the input (and MaxPoolGrad's output) is zero almost everywhere: the
 * windows and interpolation weights depend only on shapes, and the position of a window's
 * maximum is piecewise constant in the input.
 *
 * Each adjoint is that of the kernel as the backends compute it, not of an ideal op, so that
 * the penalty's gradient is the gradient of the penalty tfjs computes:
 * - AvgPoolGrad divides by the whole window's area where AvgPool divides by the number of
 *   the window's values inside the input ('same' padding at a border): its adjoint is the
 *   sum over the window over the area, avgPool times (count / area).
 * - MaxPoolGrad routes each dy to the position MaxPoolWithArgmax reports (the first maximum
 *   in the window, in row-major order, on cpu and wasm alike): its adjoint gathers there.
 * - ResizeBilinearGrad and ResizeNearestNeighborGrad ignore halfPixelCenters: their adjoints
 *   resize without it.
 */

type PoolAttrs = { filterSize: [number, number] | number; strides: [number, number] | number; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };
type ResizeAttrs = { alignCorners: boolean };

const zerosLike = (t: Tensor | undefined) => () => zeros((t as Tensor).shape, "float32");

/**
 * count / area for each output position of a pooling: 1 where the whole window lies inside
 * the input; undefined when that is so everywhere (no border window overhangs).
 */
function windowFractions(info: backend_util.Conv2DInfo): Tensor | undefined {
  const inside = (out: number, stride: number, pad: number, filter: number, size: number) => {
    const start = out * stride - pad;
    return Math.min(start + filter, size) - Math.max(start, 0);
  };
  const area = info.filterHeight * info.filterWidth;
  const fractions = new Float32Array(info.outHeight * info.outWidth);
  let overhangs = false;
  for (let r = 0; r < info.outHeight; r++) {
    const rows = inside(r, info.strideHeight, info.padInfo.top, info.filterHeight, info.inHeight);
    for (let c = 0; c < info.outWidth; c++) {
      const columns = inside(c, info.strideWidth, info.padInfo.left, info.filterWidth, info.inWidth);
      const fraction = (rows * columns) / area;
      fractions[r * info.outWidth + c] = fraction;
      if (fraction !== 1) overhangs = true;
    }
  }
  return overhangs ? tensor4d(fractions, [1, info.outHeight, info.outWidth, 1]) : undefined;
}

const avgPoolGradGradient: GradConfig = {
  kernelName: AvgPoolGrad,
  inputsToSave: ["dy", "input"],
  gradFunc: (ddx, saved, attrs) => {
    const [, input] = saved as [Tensor, Tensor];
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as PoolAttrs;
    return {
      dy: () => {
        const pooled = avgPool(ddx as Tensor4D, filterSize, strides, pad, dimRoundingMode);
        const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
        const fractions = windowFractions(info);
        return fractions ? mul(pooled, fractions) : pooled;
      },
      input: zerosLike(input),
    };
  },
};

const maxPoolGradGradient: GradConfig = {
  kernelName: MaxPoolGrad,
  inputsToSave: ["dy", "input", "output"],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, input, output] = saved as [Tensor, Tensor, Tensor];
    const { filterSize, strides, pad } = attrs as unknown as PoolAttrs;
    return {
      dy: () => {
        if (typeof pad === "number") {
          // maxPoolWithArgmax takes 'same' or 'valid' only; tfjs-layers never passes a number.
          throw new Error("the gradient of MaxPoolGrad supports 'same' and 'valid' padding only");
        }
        const { indexes } = maxPoolWithArgmax(input as Tensor4D, filterSize, strides, pad, true);
        return reshape(gather(reshape(ddx as Tensor, [-1]), reshape(indexes!, [-1])), dy.shape);
      },
      input: zerosLike(input),
      output: zerosLike(output),
    };
  },
};

function resizeGradGradient(kernelName: string, resize: typeof image.resizeBilinear): GradConfig {
  return {
    kernelName,
    inputsToSave: ["images", "dy"],
    gradFunc: (ddx, saved, attrs) => {
      const [images, dy] = saved as [Tensor, Tensor];
      const { alignCorners } = attrs as unknown as ResizeAttrs;
      const size: [number, number] = [dy.shape[1] as number, dy.shape[2] as number];
      return { dy: () => resize(ddx as Tensor4D, size, alignCorners), images: zerosLike(images) };
    },
  };
}

export const adjointGradients: readonly GradConfig[] = [
  avgPoolGradGradient,
  maxPoolGradGradient,
  resizeGradGradient(ResizeBilinearGrad, image.resizeBilinear),
  resizeGradGradient(ResizeNearestNeighborGrad, image.resizeNearestNeighbor),
];

/** The gradient kernels `registerDoubleBackpropGradients` gives a gradient (unless one exists). */
export const ADJOINT_GRADIENT_KERNELS: readonly string[] = adjointGradients.map((g) => g.kernelName);
