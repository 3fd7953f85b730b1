/**
 * Arithmetic on shapes, shared by the layer kinds' shape functions and shape inference.
 * Shapes exclude the batch dimension; images are NHWC, i.e. [height, width, channels].
 */
import type { Padding } from "./layer-kinds/fields.js";

/** `[7, 7, 64]`, as shapes are written in messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/** tfjs-layers `convOutputLength` (dilation 1): ceil(in / stride) for 'same', ceil((in - k + 1) / stride) for 'valid'. */
export function convOutputLength(inputLength: number, kernel: number, padding: Padding, stride: number): number {
  const covered = padding === "same" ? inputLength : inputLength - kernel + 1;
  return Math.ceil(covered / stride);
}

/**
 * tfjs-layers `deconvLength`, the output size of a transposed convolution: in * stride for
 * 'same', in * stride + max(kernel - stride, 0) for 'valid'. The latter equals the textbook
 * (in - 1) * stride + kernel only when kernel >= stride; tfjs is what runs, so tfjs it is.
 */
export function deconvLength(inputLength: number, stride: number, kernel: number, padding: Padding): number {
  return padding === "same" ? inputLength * stride : inputLength * stride + Math.max(kernel - stride, 0);
}

/** [height, width, channels], or the message saying why the input is not an image. */
export function requireImage(kind: string, input: readonly number[]): [number, number, number] | string {
  if (input.length === 3) return [input[0]!, input[1]!, input[2]!];
  const hint = input.length === 1 ? ": add 'reshape' before it" : "";
  return `${kind} needs an image input [height, width, channels] but gets ${formatShape(input)}${hint}`;
}

/** The output of a layer that needs an image and keeps its shape (attention, instancenorm), or why the input is not one. */
export function sameImageShape(kind: string, input: readonly number[]): { shape: number[] } | { shape: null; error: string } {
  const image = requireImage(kind, input);
  return typeof image === "string" ? { shape: null, error: image } : { shape: [...input] };
}
