/**
 * Reading NumPy .npy files (format versions 1, 2 and 3) of float32 or float64 in C order, as
 * numpy.save writes them: the magic "\x93NUMPY", the version, the header's length (uint16 in
 * version 1, uint32 after), an ASCII dict {'descr', 'fortran_order', 'shape'}, then the data.
 * Every way the header can disagree with the file is a DataError naming the file.
 */
import { readInputFile } from "../input-file.js";
import { DataError, dataFileOptions } from "./data-error.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ITEM_BYTES: Record<string, 4 | 8> = { "<f4": 4, "<f8": 8, "|f4": 4, "|f8": 8 };

export interface NpyArray {
  /** The array's shape, first dimension the examples. */
  shape: number[];
  values: Float32Array;
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataStart: number;
}

function parseHeader(file: string, bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((byte, i) => bytes[i] !== byte)) throw new DataError(file, "not a .npy file (its first bytes are not \\x93NUMPY)");
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataError(file, `a .npy file of format version ${major}, which gan does not read (1, 2 or 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (bytes.length < dataStart) throw new DataError(file, `truncated: its header says it is ${headerLength} bytes long, but the file ends before`);
  const text = Buffer.from(bytes.subarray(8 + lengthBytes, dataStart)).toString(major === 3 ? "utf8" : "latin1");
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(file, `a damaged .npy header: expected 'descr', 'fortran_order' and 'shape', got ${JSON.stringify(text.trim().slice(0, 200))}`);
  }
  const shape = shapeText
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map(Number);
  if (shape.some((size) => !Number.isSafeInteger(size) || size < 0)) throw new DataError(file, `a damaged .npy header: shape (${shapeText})`);
  return { descr, fortranOrder: fortran === "True", shape, dataStart };
}

/** Reads and checks a float32 or float64 .npy array; float64 is narrowed to float32 as training uses it. */
export async function readNpy(file: string): Promise<NpyArray> {
  const bytes = await readInputFile(file, dataFileOptions(".npy file"));
  const header = parseHeader(file, bytes);
  const itemBytes = ITEM_BYTES[header.descr];
  if (itemBytes === undefined) {
    throw new DataError(file, `holds ${header.descr} values: gan reads little-endian float32 ('<f4') and float64 ('<f8'); save it with x.astype("float32")`);
  }
  if (header.fortranOrder) throw new DataError(file, "is in Fortran order: save it in C order, numpy.save(file, numpy.ascontiguousarray(x))");
  if (header.shape.length === 0 || header.shape[0] === 0) throw new DataError(file, `holds an array of shape (${header.shape.join(", ")}): gan needs at least one example, along the first dimension`);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = header.dataStart + count * itemBytes;
  if (bytes.length !== expected) {
    throw new DataError(file, `${bytes.length < expected ? "truncated" : "has bytes after its data"}: its header says (${header.shape.join(", ")}) ${header.descr} values, ${expected} bytes with the header, but the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataStart, count * itemBytes);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = itemBytes === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
  return { shape: header.shape, values };
}

