import { backend_util, getKernel, util, type NamedAttrMap, type TensorInfo } from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapSimd, type HeapSimd } from "../heap-simd.js";
import { gatherPatches, scatterPatches } from "../im2col.js";
import { fillRows, Scratch } from "./buffers.js";
import { blasProduct, type NativeBlas } from "./native-blas.js";
import { shiftedConv2D, shiftedConv2DBackpropFilter, shiftedConv2DBackpropInput, shiftedConvApplies } from "./shifted-conv.js";

/**
 * Matrix products and convolutions of the wasm backend on a native BLAS (see native-blas.ts).
 *
 * Tensors stay on the wasm heap: each kernel allocates its output there first (an allocation
 * can grow the heap and detach older views), then takes views of inputs and output and
 * hands them to sgemm as pointers. Patch matrices (im2col) live in one JavaScript scratch
 * buffer, reused across calls, so they never grow the wasm heap.
 *
 * Each function returns undefined for a case it does not handle (channels-first data,
 * dilations, batch shapes that broadcast both ways); the caller then runs the XNNPACK kernel.
 */

/** Patch matrices built in JavaScript, where the SIMD loops cannot reach the heap. */
const patchScratch = new Scratch();

function view(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

function runWasmKernel(backend: BackendWasm, name: string, inputs: object, attrs: object = {}): TensorInfo {
  const config = getKernel(name, "wasm");
  if (config === undefined) throw new Error(`@gan/backend-wasm: the wasm backend has no '${name}' kernel`);
  return config.kernelFunc({ inputs: inputs as never, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** The activations tfjs fuses into _FusedMatMul and FusedConv2D, as wasm kernels. */
function applyActivation(
  backend: BackendWasm,
  z: TensorInfo,
  activation: string | undefined,
  preluWeights: TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): TensorInfo {
  let out: TensorInfo;
  switch (activation ?? "linear") {
    case "linear":
      return z;
    case "relu":
      out = runWasmKernel(backend, "Relu", { x: z });
      break;
    case "relu6":
      out = runWasmKernel(backend, "Relu6", { x: z });
      break;
    case "elu":
      out = runWasmKernel(backend, "Elu", { x: z });
      break;
    case "sigmoid":
      out = runWasmKernel(backend, "Sigmoid", { x: z });
      break;
    case "leakyrelu":
      out = runWasmKernel(backend, "LeakyRelu", { x: z }, { alpha: leakyreluAlpha ?? 0.2 });
      break;
    case "prelu":
      out = runWasmKernel(backend, "Prelu", { x: z, alpha: preluWeights });
      break;
    default:
      throw new Error(`@gan/backend-wasm: activation '${activation}' cannot be fused on the wasm backend`);
  }
  backend.disposeData(z.dataId);
  return out;
}

interface MatMulInputs {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
}

interface MatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/** BatchMatMul and _FusedMatMul: one sgemm per batch entry, bias written into C first. */
export function blasMatMul(blas: NativeBlas, backend: BackendWasm, inputs: MatMulInputs, attrs: MatMulAttrs): TensorInfo | undefined {
  const { a, b, bias, preluActivationWeights } = inputs;
  const transposeA = attrs.transposeA ?? false;
  const transposeB = attrs.transposeB ?? false;
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  const m = transposeA ? a.shape[rankA - 1]! : a.shape[rankA - 2]!;
  const k = transposeA ? a.shape[rankA - 2]! : a.shape[rankA - 1]!;
  const kB = transposeB ? b.shape[rankB - 1]! : b.shape[rankB - 2]!;
  const n = transposeB ? b.shape[rankB - 2]! : b.shape[rankB - 1]!;
  if (k !== kB) return undefined; // the XNNPACK kernel reports the mismatch in tfjs's words
  const batchShapeA = a.shape.slice(0, -2);
  const batchShapeB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(batchShapeA);
  const batchB = util.sizeFromShape(batchShapeB);
  const batchShape = backend_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
  const batch = util.sizeFromShape(batchShape);
  // One side is a single matrix, or both have the same batch: anything else falls back.
  if (batch !== Math.max(batchA, batchB) || (batchA !== batchB && Math.min(batchA, batchB) !== 1)) return undefined;

  const outShape = [...batchShape, m, n];
  let biasRows = false;
  if (bias !== undefined) {
    const biasSize = util.sizeFromShape(bias.shape);
    biasRows = biasSize === n && bias.shape.slice(0, -1).every((d) => d === 1);
    if (!biasRows && biasSize !== 0) {
      // A bias that is not one row per output: add it with wasm's broadcasting Add.
      const product = blasMatMul(blas, backend, { a, b }, { transposeA, transposeB });
      if (product === undefined) return undefined;
      const withBias = runWasmKernel(backend, "Add", { a: product, b: bias });
      backend.disposeData(product.dataId);
      return applyActivation(backend, withBias, attrs.activation, preluActivationWeights, attrs.leakyreluAlpha);
    }
  }
  const out = backend.makeOutput(outShape, "float32");
  const aValues = view(backend, a);
  const bValues = view(backend, b);
  const outValues = view(backend, out);
  if (biasRows) fillRows(outValues, view(backend, bias!), batch * m);
  const beta = biasRows ? 1 : 0;
  for (let i = 0; i < batch; i++) {
    const aOffset = batchA === 1 ? 0 : i * m * k;
    const bOffset = batchB === 1 ? 0 : i * k * n;
    blasProduct(
      blas,
      transposeA,
      transposeB,
      m,
      n,
      k,
      aValues.subarray(aOffset, aOffset + m * k),
      bValues.subarray(bOffset, bOffset + k * n),
      outValues.subarray(i * m * n, (i + 1) * m * n),
      beta,
    );
  }
  return applyActivation(backend, out, attrs.activation, preluActivationWeights, attrs.leakyreluAlpha);
}

/** True when the patch matrix of `info` is x itself: a 1x1 filter, stride 1, no padding. */
function patchesAreInput(info: backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0
  );
}

/**
 * The most floats a patch matrix may take (4 MiB), or the padded grids of a run of shifted
 * products. A larger one is built and multiplied a few images at a time: the scratch stays
 * in the cache while the product reads it. Against one patch matrix of up to 64 MiB, the MNIST
 * ResNet's 3x3 layers took 0.83x the CPU time through patch matrices and 0.69x as shifted
 * products (bench/conv-forms.ts; bench/RESULTS.md, "Kernel changes"); a product of a few
 * images is also one OpenBLAS splits over its threads with gain, where the products of a
 * whole batch's patch matrix (tens of MB, bound by memory bandwidth) gain nothing from a second.
 */
let maxPatchFloats = 1 << 20;

/** Sets the limit above (tests use a small one to cover the chunked path); returns the old one. */
export function setMaxPatchFloats(floats: number): number {
  const previous = maxPatchFloats;
  maxPatchFloats = floats;
  return previous;
}

/**
 * Stride-1 convolutions with at least this many input channels run as shifted products
 * (shifted-conv.ts), the others through a patch matrix. Infinity: never shifted.
 */
let shiftedMinChannels = 8;

/** Sets the limit above (tests use 1 to cover every geometry, benchmarks Infinity for the patch-matrix form); returns the old one. */
export function setShiftedConvMinChannels(channels: number): number {
  const previous = shiftedMinChannels;
  shiftedMinChannels = channels;
  return previous;
}

/** A run of consecutive images of a convolution, handled together. */
interface ImageRun {
  /** The convolution's geometry for these images only (batchSize = their number). */
  info: backend_util.Conv2DInfo;
  /** Rows of dy or the output: images x outHeight x outWidth. */
  rows: number;
  /** True for the first run (a sum over runs starts there). */
  isFirst: boolean;
  /** These images in an input-shaped NHWC array (x, dx). */
  inputs(values: Float32Array): Float32Array;
  /** Their rows in an output-shaped NHWC array (dy, the output). */
  outputs(values: Float32Array): Float32Array;
}

/** How many images' scratch of `floatsPerImage` each fit maxPatchFloats together (at least one). */
function imagesPerRun(info: backend_util.Conv2DInfo, floatsPerImage: number): number {
  return Math.min(info.batchSize, Math.max(1, Math.floor(maxPatchFloats / Math.max(1, floatsPerImage))));
}

/** The batch in runs of `imagesPerRun` images. */
function* imageRuns(info: backend_util.Conv2DInfo, imagesPerRun: number): Generator<ImageRun> {
  const rowsPerImage = info.outHeight * info.outWidth;
  const inImage = info.inHeight * info.inWidth * info.inChannels;
  const outImage = rowsPerImage * info.outChannels;
  for (let first = 0; first < info.batchSize; first += imagesPerRun) {
    const count = Math.min(imagesPerRun, info.batchSize - first);
    yield {
      info: { ...info, batchSize: count },
      rows: count * rowsPerImage,
      isFirst: first === 0,
      inputs: (values) => values.subarray(first * inImage, (first + count) * inImage),
      outputs: (values) => values.subarray(first * outImage, (first + count) * outImage),
    };
  }
}

/** A run of images handled with one patch matrix. */
interface ImageChunk extends ImageRun {
  /** Scratch space for the patch matrix, rows x (kh*kw*ci) floats. */
  patches: Float32Array;
}

/** Floats of one image's patch matrix. */
function patchFloatsPerImage(info: backend_util.Conv2DInfo): number {
  return info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
}

/** How many images' patch matrices fit maxPatchFloats together (at least one). */
function imagesPerChunk(info: backend_util.Conv2DInfo): number {
  return imagesPerRun(info, patchFloatsPerImage(info));
}

/**
 * The batch in runs of images whose patch matrices fit maxPatchFloats together; their patch
 * matrices in `patchSpace` when given (imagesPerChunk images' worth), else in the scratch buffer.
 */
function* imageChunks(info: backend_util.Conv2DInfo, patchSpace?: Float32Array): Generator<ImageChunk> {
  for (const run of imageRuns(info, imagesPerChunk(info))) {
    const floats = run.info.batchSize * patchFloatsPerImage(info);
    yield { ...run, patches: patchSpace === undefined ? patchScratch.get(floats) : patchSpace.subarray(0, floats) };
  }
}

/**
 * How many images a run of shifted products takes: their padded input and output grids
 * (each about a feature map) within maxPatchFloats, like a patch matrix.
 */
function imagesPerShiftedRun(info: backend_util.Conv2DInfo): number {
  const grid = (info.outHeight + info.filterHeight - 1) * (info.outWidth + info.filterWidth - 1);
  return imagesPerRun(info, grid * (info.inChannels + info.outChannels));
}

/** Patch matrices on the heap, where heapSimd's loops reach them and the input (im2col.ts). */
interface HeapPatches {
  space: TensorInfo;
  simd: HeapSimd;
}

/**
 * Space for imagesPerChunk images' patch matrices on the heap, or undefined where the SIMD
 * loops cannot run (the chunks then use the JavaScript scratch buffer). Allocate it before
 * taking any view: an allocation can grow the heap, which detaches older views.
 */
function heapPatches(backend: BackendWasm, info: backend_util.Conv2DInfo): HeapPatches | undefined {
  if (patchesAreInput(info)) return undefined;
  const simd = heapSimd(backend);
  return simd && { space: backend.makeOutput([imagesPerChunk(info) * patchFloatsPerImage(info)], "float32"), simd };
}

function releaseHeapPatches(backend: BackendWasm, patches: HeapPatches | undefined): void {
  if (patches) backend.disposeData(patches.space.dataId);
}

/** Only what gatherPatches covers: channels last, no dilation. */
function blasCanConvolve(info: backend_util.Conv2DInfo, dataFormat: string | undefined): boolean {
  return (dataFormat === undefined || dataFormat === "NHWC") && info.dilationHeight === 1 && info.dilationWidth === 1;
}

interface ConvInputs {
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: "same" | "valid" | number | backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
  leakyreluAlpha?: number;
}

/** Conv2D and FusedConv2D: out[n*oh*ow, co] = patches(x)[n*oh*ow, kh*kw*ci] x W[kh*kw*ci, co]. */
export function blasConv2D(blas: NativeBlas, backend: BackendWasm, inputs: ConvInputs, attrs: ConvAttrs): TensorInfo | undefined {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (!blasCanConvolve(info, attrs.dataFormat)) return undefined;
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels)) return undefined;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const depth = info.filterHeight * info.filterWidth * info.inChannels;
  const out = backend.makeOutput(info.outShape, "float32");
  const shifted = shiftedConvApplies(info, shiftedMinChannels);
  const patches = rows * info.outChannels > 0 && depth > 0 && !shifted ? heapPatches(backend, info) : undefined;
  try {
    const outValues = view(backend, out);
    if (rows * info.outChannels > 0) {
      if (bias !== undefined) fillRows(outValues, view(backend, bias), rows);
      if (depth === 0) {
        if (bias === undefined) outValues.fill(0);
      } else {
        const x4 = view(backend, x);
        const filterValues = view(backend, filter);
        const beta = bias === undefined ? 0 : 1;
        if (shifted) {
          const biasValues = bias && view(backend, bias);
          for (const run of imageRuns(info, imagesPerShiftedRun(info))) {
            shiftedConv2D(blas, run.inputs(x4), filterValues, biasValues, run.outputs(outValues), run.info);
          }
        } else if (patchesAreInput(info)) {
          blasProduct(blas, false, false, rows, info.outChannels, depth, x4, filterValues, outValues, beta);
        } else {
          for (const chunk of imageChunks(info, patches && view(backend, patches.space))) {
            gatherPatches(chunk.inputs(x4), chunk.patches, chunk.info, patches?.simd);
            blasProduct(blas, false, false, chunk.rows, info.outChannels, depth, chunk.patches, filterValues, chunk.outputs(outValues), beta);
          }
        }
      }
    }
  } finally {
    releaseHeapPatches(backend, patches);
  }
  return applyActivation(backend, out, attrs.activation, preluActivationWeights, attrs.leakyreluAlpha);
}

/** Conv2DBackpropInput: dx = col2im(dy[n*oh*ow, co] x W^T[co, kh*kw*ci]). */
export function blasConv2DBackpropInput(
  blas: NativeBlas,
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const depth = info.filterHeight * info.filterWidth * info.inChannels;
  const dx = backend.makeOutput(info.inShape, "float32");
  const empty = rows * depth * info.outChannels === 0;
  const shifted = shiftedConvApplies(info, shiftedMinChannels);
  // col2im's additions run in SIMD when the patch matrix is on the heap beside dx (im2col.ts).
  const patches = empty || shifted ? undefined : heapPatches(backend, info);
  try {
    const dxValues = view(backend, dx);
    if (empty) {
      dxValues.fill(0);
      return dx;
    }
    const dyValues = view(backend, dy);
    const filterValues = view(backend, filter);
    if (shifted) {
      for (const run of imageRuns(info, imagesPerShiftedRun(info))) {
        shiftedConv2DBackpropInput(blas, run.outputs(dyValues), filterValues, run.inputs(dxValues), run.info);
      }
      return dx;
    }
    if (patchesAreInput(info)) {
      blasProduct(blas, false, true, rows, depth, info.outChannels, dyValues, filterValues, dxValues, 0);
      return dx;
    }
    for (const chunk of imageChunks(info, patches && view(backend, patches.space))) {
      blasProduct(blas, false, true, chunk.rows, depth, info.outChannels, chunk.outputs(dyValues), filterValues, chunk.patches, 0);
      scatterPatches(chunk.patches, chunk.inputs(dxValues), chunk.info, patches?.simd);
    }
    return dx;
  } finally {
    releaseHeapPatches(backend, patches);
  }
}

/** Conv2DBackpropFilter: dW[kh*kw*ci, co] = patches(x)^T[kh*kw*ci, n*oh*ow] x dy[n*oh*ow, co]. */
export function blasConv2DBackpropFilter(
  blas: NativeBlas,
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const depth = info.filterHeight * info.filterWidth * info.inChannels;
  const dW = backend.makeOutput(info.filterShape, "float32");
  const empty = rows === 0 || depth * info.outChannels === 0;
  const shifted = shiftedConvApplies(info, shiftedMinChannels);
  const patches = empty || shifted ? undefined : heapPatches(backend, info);
  try {
    const dWValues = view(backend, dW);
    if (empty) {
      dWValues.fill(0);
      return dW;
    }
    const x4 = view(backend, x);
    const dyValues = view(backend, dy);
    if (shifted) {
      // dW accumulates over the runs, as over chunks below.
      for (const run of imageRuns(info, imagesPerShiftedRun(info))) {
        shiftedConv2DBackpropFilter(blas, run.inputs(x4), run.outputs(dyValues), dWValues, run.info, run.isFirst ? 0 : 1);
      }
      return dW;
    }
    if (patchesAreInput(info)) {
      blasProduct(blas, true, false, depth, info.outChannels, rows, x4, dyValues, dWValues, 0);
      return dW;
    }
    // dW accumulates over the chunks: beta 0 for the first, 1 after.
    for (const chunk of imageChunks(info, patches && view(backend, patches.space))) {
      gatherPatches(chunk.inputs(x4), chunk.patches, chunk.info, patches?.simd);
      blasProduct(blas, true, false, depth, info.outChannels, chunk.rows, chunk.patches, chunk.outputs(dyValues), dWValues, chunk.isFirst ? 0 : 1);
    }
    return dW;
  } finally {
    releaseHeapPatches(backend, patches);
  }
}
