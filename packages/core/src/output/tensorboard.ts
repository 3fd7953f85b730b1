/**
 * TensorBoard event files: every run writes `tensorboard/events.out.tfevents.<time>.<host>.<pid>`
 * under its directory, so that `tensorboard --logdir runs` shows every run, its scalars (the
 * values of metrics.jsonl) and its sample grids (as images).
 *
 * The format is TensorFlow's: a TFRecord file (each record: its length as a little-endian
 * uint64, the masked CRC32C of those 8 bytes, the bytes, their masked CRC32C) of `Event`
 * protocol buffers (tensorflow/core/util/event.proto, summary.proto). The messages are
 * encoded by protobufjs from the declarations below and the checksums computed by
 * @aws-crypto/crc32c, rather than by hand.
 *
 * Appending only: a resumed run opens a new file that starts with SessionLog START at the first
 * step it will train, which TensorBoard reads as "drop what was logged at this step and after"
 * (its purge of orphaned data), so the curves continue from the checkpoint without the steps
 * that were trained after it and lost. A rollback (--on-nan rollback) does the same.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { crc32c } from "@aws-crypto/crc32c";
import protobuf from "protobufjs/light.js";

/** The fields of event.proto and summary.proto that gan writes, with TensorFlow's field numbers. */
const PROTO = protobuf.Root.fromJSON({
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ["fileVersion", "summary", "sessionLog"] } },
          fields: {
            wallTime: { type: "double", id: 1 },
            step: { type: "int64", id: 2 },
            fileVersion: { type: "string", id: 3 },
            summary: { type: "Summary", id: 5 },
            sessionLog: { type: "SessionLog", id: 7 },
          },
        },
        SessionLog: {
          fields: { status: { type: "SessionStatus", id: 1 }, checkpointPath: { type: "string", id: 2 }, msg: { type: "string", id: 3 } },
          nested: { SessionStatus: { values: { STATUS_UNSPECIFIED: 0, START: 1, STOP: 2, CHECKPOINT: 3 } } },
        },
        Summary: {
          fields: { value: { rule: "repeated", type: "Value", id: 1 } },
          nested: {
            Image: {
              fields: {
                height: { type: "int32", id: 1 },
                width: { type: "int32", id: 2 },
                colorspace: { type: "int32", id: 3 },
                encodedImageString: { type: "bytes", id: 4 },
              },
            },
            Value: {
              oneofs: { value: { oneof: ["simpleValue", "image"] } },
              fields: {
                tag: { type: "string", id: 1 },
                simpleValue: { type: "float", id: 2 },
                image: { type: "Image", id: 4 },
              },
            },
          },
        },
      },
    },
  },
});
export const EVENT_TYPE = PROTO.lookupType("tensorflow.Event");

const SESSION_START = 1;

/** TFRecord's checksum: CRC32C rotated right by 15 bits plus a constant, so that a CRC of CRCs stays useful. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, its masked CRC, the data, its masked CRC. */
export function tfRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(8 + 4 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

/** Width, height and TensorBoard colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) from a PNG's IHDR chunk. */
export function pngGeometry(png: Uint8Array): { width: number; height: number; colorspace: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 26 || view.getUint32(0) !== 0x89504e47 || view.getUint32(12) !== 0x49484452) throw new Error("not a PNG with an IHDR chunk");
  const colorspace = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[png[25]!] ?? 3;
  return { width: view.getUint32(16), height: view.getUint32(20), colorspace };
}

export interface TensorBoardWriterOptions {
  /** A resumed run's first step: the file starts with SessionLog START there, dropping earlier files' events from it on. */
  firstStep?: number;
  /** Clock for wall_time, in seconds (tests fix it). */
  now?: () => number;
}

/**
 * Appends events to one new file in `dir` (a run's tensorboard/). Each event is one write of
 * one record (a few dozen bytes for a line of scalars), so a run killed mid-way leaves at
 * most a truncated last record, which TensorBoard's reader skips.
 */
export class TensorBoardWriter {
  readonly file: string;
  private fd: number | undefined;
  private readonly now: () => number;

  constructor(dir: string, options: TensorBoardWriterOptions = {}) {
    this.now = options.now ?? (() => Date.now() / 1000);
    mkdirSync(dir, { recursive: true });
    const wallTime = this.now();
    const base = path.join(dir, `events.out.tfevents.${Math.floor(wallTime)}.${os.hostname()}.${process.pid}`);
    // A resume in the same process within the same second would get the same name: it takes the
    // next free suffix instead of appending to the earlier file (TensorBoard reads a directory's
    // files in name order, and "<pid>" sorts before "<pid>.1").
    let file = base;
    for (let suffix = 1; existsSync(file); suffix++) file = `${base}.${suffix}`;
    this.file = file;
    this.fd = openSync(this.file, "wx");
    this.append({ wallTime, fileVersion: "brain.Event:2" });
    if (options.firstStep !== undefined) this.append({ wallTime, step: options.firstStep, sessionLog: { status: SESSION_START } });
  }

  /** A line of metrics.jsonl as scalars at `step` (non-finite values are skipped: TensorBoard cannot plot them). */
  scalars(step: number, values: Record<string, number | undefined>): void {
    const value = Object.entries(values)
      .filter((entry): entry is [string, number] => typeof entry[1] === "number" && Number.isFinite(entry[1]))
      .map(([tag, simpleValue]) => ({ tag, simpleValue }));
    if (value.length > 0) this.append({ wallTime: this.now(), step, summary: { value } });
  }

  /** A PNG (a sample grid) as an image at `step`. */
  image(tag: string, step: number, png: Uint8Array): void {
    const { width, height, colorspace } = pngGeometry(png);
    this.append({ wallTime: this.now(), step, summary: { value: [{ tag, image: { height, width, colorspace, encodedImageString: png } }] } });
  }

  /** Events logged at `step` and after are to be forgotten (a rollback to the step before): SessionLog START there. */
  restart(step: number): void {
    this.append({ wallTime: this.now(), step, sessionLog: { status: SESSION_START } });
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private append(event: Record<string, unknown>): void {
    if (this.fd === undefined) throw new Error(`${this.file}: the TensorBoard writer is closed`);
    writeSync(this.fd, tfRecord(EVENT_TYPE.encode(EVENT_TYPE.fromObject(event)).finish()));
  }
}

/** Reads the events of a TensorBoard file back (tests, and anyone checking a file), verifying every checksum. */
export function readTfRecords(bytes: Uint8Array): Uint8Array[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset + 12 <= buffer.length) {
    const length = Number(buffer.readBigUInt64LE(offset));
    if (buffer.readUInt32LE(offset + 8) !== maskedCrc32c(buffer.subarray(offset, offset + 8))) throw new Error(`TFRecord at byte ${offset}: bad length checksum`);
    const end = offset + 12 + length + 4;
    if (end > buffer.length) break; // a record cut short by a crash: the reader stops there, as TensorBoard's does
    const data = buffer.subarray(offset + 12, offset + 12 + length);
    if (buffer.readUInt32LE(offset + 12 + length) !== maskedCrc32c(data)) throw new Error(`TFRecord at byte ${offset}: bad data checksum`);
    records.push(data);
    offset = end;
  }
  return records;
}
