/**
 * IDX files (the format of MNIST, Fashion-MNIST, EMNIST, KMNIST): a 4-byte magic number
 * (two zero bytes, an element-type code, the number of dimensions), one big-endian 32-bit
 * size per dimension, then the elements. Files compressed with gzip, as the datasets are
 * distributed, are read as well.
 *
 * Every way a file can disagree with itself is a DataError naming the file, because a
 * mismatched or half-downloaded file otherwise trains on garbage without a word.
 */
import { gunzipSync } from "node:zlib";
import { formatBytes } from "@gan/plan";
import { openInputFile, readRange } from "../input-file.js";
import { DataError, dataFileOptions, displayPath, fileSystemError, MAX_DATA_BYTES } from "./data-error.js";

const UNSIGNED_BYTE = 0x08;
const ELEMENT_TYPES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** An IDX images file: `count` images of `shape` ([height, width, channels]). */
export interface IdxImages {
  file: string;
  count: number;
  shape: [number, number, number];
  /** count * height * width * channels bytes, image after image, row-major, channels last. */
  pixels: Uint8Array;
}

export interface IdxLabels {
  file: string;
  labels: Uint8Array;
}

interface IdxHeader {
  dims: number[];
  headerBytes: number;
}

type IdxRole = "images" | "labels";

const EXPECTED_DIMS: Record<IdxRole, string> = {
  images: "3 dimensions (count, height, width) or 4 (count, height, width, channels)",
  labels: "1 dimension (count)",
};

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function decompress(file: string, bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DATA_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new DataError(file, `decompresses to more than ${formatBytes(MAX_DATA_BYTES)}, more than a data file may hold in memory`);
    }
    throw new DataError(file, `not a readable gzip file (${(error as Error).message})`);
  }
}

/** Parses and checks the magic number and dimensions; `bytes` may be just the file's start. */
function parseHeader(file: string, bytes: Uint8Array, role: IdxRole): IdxHeader {
  if (bytes.length < 4) {
    throw new DataError(file, `truncated: ${bytes.length} bytes, shorter than an IDX magic number (4 bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const typeCode = bytes[2]!;
  const rank = bytes[3]!;
  const expectedMagic = role === "images" ? 0x00000803 : 0x00000801;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(typeCode in ELEMENT_TYPES) || rank === 0) {
    throw new DataError(file, `not an IDX file: magic number ${hex(magic)}, expected ${hex(expectedMagic)} for ${role}`);
  }
  if (typeCode !== UNSIGNED_BYTE) {
    throw new DataError(
      file,
      `IDX elements of type ${ELEMENT_TYPES[typeCode]} (magic number ${hex(magic)}) are not supported: only unsigned bytes (${hex(expectedMagic)})`,
    );
  }
  const rankOk = role === "images" ? rank === 3 || rank === 4 : rank === 1;
  if (!rankOk) {
    const hint = role === "images" && rank === 1 ? " (is this a labels file?)" : role === "labels" && rank >= 3 ? " (is this an images file?)" : "";
    throw new DataError(
      file,
      `an IDX file of ${rank} dimension${rank === 1 ? "" : "s"} (magic number ${hex(magic)}), expected ${role} with ${EXPECTED_DIMS[role]}${hint}`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataError(file, `truncated: ${bytes.length} bytes, shorter than its own ${headerBytes}-byte IDX header`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  if (dims[0] === 0) throw new DataError(file, `the IDX header says the file holds 0 ${role}`);
  const zero = dims.indexOf(0);
  if (zero > 0) throw new DataError(file, `the IDX header gives dimension ${zero + 1} a size of 0 (dimensions ${dims.join("x")})`);
  return { dims, headerBytes };
}

function describeContents(dims: number[], role: IdxRole): string {
  const [count, ...rest] = dims;
  if (role === "labels") return `${count} labels`;
  return `${count} images of ${rest.join("x")}`;
}

/** Checks that the file size is what the header promises. */
function checkSize(file: string, header: IdxHeader, fileBytes: number, role: IdxRole): void {
  const expected = header.headerBytes + header.dims.reduce((a, b) => a * b, 1);
  if (fileBytes === expected) return;
  const says = `header says ${describeContents(header.dims, role)} (${expected} bytes with its ${header.headerBytes}-byte header)`;
  if (fileBytes < expected) throw new DataError(file, `truncated: ${says} but the file has ${fileBytes} bytes`);
  throw new DataError(
    file,
    `dimensions disagree with the file size: ${says} but the file has ${fileBytes} bytes, ${fileBytes - expected} too many`,
  );
}

function imageShape(dims: number[]): [number, number, number] {
  return [dims[1]!, dims[2]!, dims[3] ?? 1];
}

/** Reads and checks an IDX images file. */
export async function readIdxImages(file: string): Promise<IdxImages> {
  const { header, bytes } = await readIdx(file, "images", true);
  return {
    file,
    count: header.dims[0]!,
    shape: imageShape(header.dims),
    pixels: bytes.subarray(header.headerBytes),
  };
}

/** Reads and checks an IDX labels file; `expectedCount` is the number of images it labels. */
export async function readIdxLabels(file: string, expectedCount: number, imagesFile: string): Promise<IdxLabels> {
  const { header, bytes } = await readIdx(file, "labels", true);
  checkLabelCount(file, header.dims[0]!, expectedCount, imagesFile);
  return { file, labels: bytes.subarray(header.headerBytes) };
}

function checkLabelCount(file: string, count: number, expectedCount: number, imagesFile: string): void {
  if (count !== expectedCount) {
    throw new DataError(file, `holds ${count} labels but ${displayPath(imagesFile)} holds ${expectedCount} images`);
  }
}

/**
 * Opens an IDX file (only a regular file), checks its header against its size before reading
 * the body, and returns the header with the file's bytes (decompressed when gzipped) when
 * `body` is true. A gzipped file is read whole either way: a gzip stream's length says
 * nothing of its contents, so only its decompressed length can be checked.
 */
async function readIdx(file: string, role: IdxRole, body: boolean): Promise<{ header: IdxHeader; bytes: Uint8Array }> {
  const { handle, size } = await openInputFile(file, dataFileOptions("data file"));
  try {
    const start = await readRange(handle, 0, Math.min(size, 4 + 4 * 4));
    if (isGzip(start)) {
      const bytes = decompress(file, await readRange(handle, 0, size));
      const header = parseHeader(file, bytes, role);
      checkSize(file, header, bytes.length, role);
      return { header, bytes };
    }
    const header = parseHeader(file, start, role);
    checkSize(file, header, size, role);
    return { header, bytes: body ? await readRange(handle, 0, size) : start };
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw fileSystemError(file, error);
  } finally {
    await handle.close();
  }
}

/** The shape of one image ([height, width, channels]) and the count, from the header; checks the labels file too. */
export async function readIdxShape(
  imagesFile: string,
  labelsFile?: string,
): Promise<{ count: number; shape: [number, number, number] }> {
  const { header } = await readIdx(imagesFile, "images", false);
  const count = header.dims[0]!;
  if (labelsFile !== undefined) {
    const { header: labels } = await readIdx(labelsFile, "labels", false);
    checkLabelCount(labelsFile, labels.dims[0]!, count, imagesFile);
  }
  return { count, shape: imageShape(header.dims) };
}
