/**
 * Every read of a tensor's values back to JavaScript that the training loop makes goes
 * through here, so that reads can be counted: a read forces the backend to finish its queue
 * and, on a GPU, a round trip. Steps that log nothing must read nothing (a test counts).
 */
import type * as tf from "@tensorflow/tfjs-core";

let reads = 0;

/** How many reads the loop has made in this process. */
export function tensorReadCount(): number {
  return reads;
}

export async function readTensor(tensor: tf.Tensor): Promise<Float32Array> {
  reads++;
  return toFloat32(await tensor.data());
}

export function readTensorSync(tensor: tf.Tensor): Float32Array {
  reads++;
  return toFloat32(tensor.dataSync());
}

function toFloat32(values: tf.TypedArray | string[] | Uint8Array[]): Float32Array {
  if (values instanceof Float32Array) return values;
  return Float32Array.from(values as ArrayLike<number>);
}
