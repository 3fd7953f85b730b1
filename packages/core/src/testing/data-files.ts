/** Data files the tests write, byte by byte, to check what the loaders make of them. */

/** An IDX file (the MNIST format): magic 0x00 0x00 type rank, big-endian sizes, then `body`. */
export function idxBytes(dims: number[], body: Uint8Array, typeCode = 0x08): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, typeCode);
  header.setUint8(3, dims.length);
  dims.forEach((size, i) => header.setUint32(4 + 4 * i, size));
  const bytes = new Uint8Array(header.byteLength + body.length);
  bytes.set(new Uint8Array(header.buffer), 0);
  bytes.set(body, header.byteLength);
  return bytes;
}
