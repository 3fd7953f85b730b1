/**
 * NumPy .npy files (format version 1.0) of float32 data, for evaluating samples outside gan:
 * `numpy.load("samples.npy")`. Layout: the magic "\x93NUMPY", version 1.0, a little-endian
 * uint16 header length, an ASCII dict padded with spaces and ended by "\n" so that the data
 * starts at a multiple of 64 bytes, then the values in C order, little-endian.
 */
import { writeFile } from "node:fs/promises";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const PREAMBLE = MAGIC.length + 2 + 2;

function shapeTuple(shape: readonly number[]): string {
  // A one-element tuple needs its trailing comma in Python: (5,).
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The bytes of a .npy file holding `data` with `shape` (whose product must be data.length). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (shape.some((size) => !Number.isInteger(size) || size < 0)) throw new Error(`an npy shape holds sizes >= 0, got [${shape.join(", ")}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`shape [${shape.join(", ")}] holds ${count} values, but there are ${data.length}`);
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  const unpadded = PREAMBLE + dict.length + 1;
  const headerLength = dict.length + 1 + ((64 - (unpadded % 64)) % 64);
  const bytes = new Uint8Array(PREAMBLE + headerLength + data.length * 4);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  view.setUint16(8, headerLength, true);
  const header = dict.padEnd(headerLength - 1, " ") + "\n";
  for (let i = 0; i < header.length; i++) bytes[PREAMBLE + i] = header.charCodeAt(i);
  const start = PREAMBLE + headerLength;
  for (let i = 0; i < data.length; i++) view.setFloat32(start + 4 * i, data[i]!, true);
  return bytes;
}

/** Writes `data` with `shape` as a .npy file. */
export async function writeNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}
