/**
 * TensorBoard event files: the records read back with a TFRecord reader and decoded as
 * tensorflow.Event protos; a run's files (scalars, sample images, resume); and, where
 * `python3 -m tensorboard` is installed, TensorBoard's own loader on a run directory.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../backend/select-backend.js";
import { tinyRingPlan } from "../loop/test-plan.js";
import { train } from "../run/train.js";
import { encodePng } from "./png.js";
import { RUN_FILES } from "../run/run-dir.js";
import { EVENT_TYPE, maskedCrc32c, pngGeometry, readTfRecords, TensorBoardWriter, tfRecord } from "./tensorboard.js";

const root = mkdtempSync(path.join(os.tmpdir(), "gan-tensorboard-"));
beforeAll(async () => {
  await selectBackend("cpu");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface DecodedEvent {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  sessionLog?: { status?: string };
  summary?: { value: { tag: string; simpleValue?: number; image?: { height: number; width: number; colorspace: number; encodedImageString: Buffer } }[] };
}

function eventsOf(file: string): DecodedEvent[] {
  return readTfRecords(readFileSync(file)).map(
    (bytes) => EVENT_TYPE.toObject(EVENT_TYPE.decode(bytes), { longs: Number, enums: String, defaults: false }) as DecodedEvent,
  );
}

function eventFiles(runDir: string): string[] {
  const dir = path.join(runDir, RUN_FILES.tensorboard);
  return readdirSync(dir)
    .filter((name) => name.startsWith("events.out.tfevents."))
    .sort()
    .map((name) => path.join(dir, name));
}

describe("TFRecord framing", () => {
  test("length, masked CRC32C of the length, data, masked CRC32C of the data", () => {
    const record = tfRecord(Uint8Array.of(1, 2, 3));
    expect(record.length).toBe(8 + 4 + 3 + 4);
    expect(record.readBigUInt64LE(0)).toBe(3n);
    expect(record.readUInt32LE(8)).toBe(maskedCrc32c(record.subarray(0, 8)));
    expect(record.readUInt32LE(15)).toBe(maskedCrc32c(Uint8Array.of(1, 2, 3)));
    // The CRC32C check value ("123456789" -> 0xe3069283), rotated right by 15 and offset by 0xa282ead8.
    const crc = 0xe3069283;
    expect(maskedCrc32c(Buffer.from("123456789"))).toBe(((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });

  test("the reader refuses a damaged record and stops at one cut short", () => {
    const two = Buffer.concat([tfRecord(Uint8Array.of(7)), tfRecord(Uint8Array.of(8, 9))]);
    expect(readTfRecords(two).map((r) => [...r])).toEqual([[7], [8, 9]]);
    expect(readTfRecords(two.subarray(0, two.length - 2)).map((r) => [...r])).toEqual([[7]]);
    const damaged = Buffer.from(two);
    damaged[12] = 0;
    expect(() => readTfRecords(damaged)).toThrow("TFRecord at byte 0: bad data checksum");
  });
});

describe("TensorBoardWriter", () => {
  test("a file version first, then scalars and images as tensorflow.Event protos", () => {
    const dir = mkdtempSync(path.join(root, "writer-"));
    const writer = new TensorBoardWriter(dir, { now: () => 1234.5 });
    writer.scalars(3, { d_loss: 0.5, g_loss: Number.NaN, steps_per_sec: 10 });
    const png = encodePng(3, 2, 1, new Uint8Array(2 * 3).fill(128));
    writer.image("samples", 4, png);
    writer.close();
    expect(path.basename(writer.file)).toMatch(/^events\.out\.tfevents\.1234\./);
    const events = eventsOf(writer.file);
    expect(events[0]).toEqual({ wallTime: 1234.5, fileVersion: "brain.Event:2" });
    expect(events[1]).toEqual({ wallTime: 1234.5, step: 3, summary: { value: [{ tag: "d_loss", simpleValue: 0.5 }, { tag: "steps_per_sec", simpleValue: 10 }] } });
    expect(events[2]!.summary!.value[0]!.image).toMatchObject({ height: 2, width: 3, colorspace: 1 });
    expect(Buffer.compare(events[2]!.summary!.value[0]!.image!.encodedImageString, png)).toBe(0);
    expect(pngGeometry(png)).toEqual({ width: 3, height: 2, colorspace: 1 });
  });
  test("a second writer in the same second and process opens its own file, after the first in name order", () => {
    const dir = mkdtempSync(path.join(root, "writer-"));
    const first = new TensorBoardWriter(dir, { now: () => 1234.5 });
    first.close();
    const second = new TensorBoardWriter(dir, { now: () => 1234.5, firstStep: 7 });
    second.close();
    expect(second.file).toBe(`${first.file}.1`);
    expect(eventsOf(first.file)).toHaveLength(1);
    expect(eventsOf(second.file)[1]).toMatchObject({ step: 7, sessionLog: { status: "START" } });
  });
});

describe("a run's event files", () => {
  test("every logged line as scalars, every sample grid as an image; a resume opens a file that starts again at its checkpoint", async () => {
    const plan = tinyRingPlan({ train: { steps: 12, logEvery: 2, sampleEvery: 4, checkpointEvery: 4 } });
    const controller = new AbortController();
    const { runDir } = await train(plan, { out: root, progress: false, signal: controller.signal, onMetrics: (line) => line.step === 6 && controller.abort() });
    // Stopped after step 6: its checkpoint is at 6, and the resumed run continues from there.
    await train(plan, { resume: runDir, progress: false });
    const [first, second] = eventFiles(runDir);
    expect(eventFiles(runDir)).toHaveLength(2);
    const firstEvents = eventsOf(first!);
    expect(firstEvents[0]!.fileVersion).toBe("brain.Event:2");
    const scalarSteps = (events: DecodedEvent[]) => events.filter((e) => e.summary?.value.some((v) => v.tag === "d_loss")).map((e) => e.step);
    const imageSteps = (events: DecodedEvent[]) => events.filter((e) => e.summary?.value.some((v) => v.tag === "samples")).map((e) => e.step);
    expect(scalarSteps(firstEvents)).toEqual([2, 4, 6]);
    expect(imageSteps(firstEvents)).toEqual([4]);
    const secondEvents = eventsOf(second!);
    // TensorBoard drops events at the START step and after: the resumed run's first step is 7.
    expect(secondEvents[1]).toMatchObject({ step: 7, sessionLog: { status: "START" } });
    expect(scalarSteps(secondEvents)).toEqual([8, 10, 12]);
    expect(imageSteps(secondEvents)).toEqual([8, 12]);
    // The scalars are metrics.jsonl's values, as float32 (TensorBoard's simple_value): exactly, not
    // to a number of decimals, which a large value (steps_per_sec of a fast step) does not keep.
    const lines = readFileSync(path.join(runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    const last = secondEvents.filter((e) => e.step === 12 && e.summary?.value.some((v) => v.tag === "d_loss"))[0]!;
    const lastLine = lines.at(-1)!;
    for (const value of last.summary!.value) expect(value.simpleValue, value.tag).toBe(Math.fround(lastLine[value.tag]!));
    expect(last.summary!.value.map((v) => v.tag).sort()).toEqual(Object.keys(lastLine).filter((k) => k !== "step").sort());

    const loader = spawnSync("python3", ["-c", "import tensorboard"], { encoding: "utf8" });
    if (loader.status !== 0) {
      console.log(`skipped TensorBoard's own loader: python3 cannot import tensorboard (${(loader.stderr || loader.error?.message || "").trim().split("\n").at(-1)}); pip install tensorboard to run it`);
      return;
    }
    // TensorBoard's EventAccumulator, as `tensorboard --logdir` loads a run (orphaned steps purged).
    const script = [
      "import json, sys",
      "from tensorboard.backend.event_processing.event_accumulator import EventAccumulator",
      "acc = EventAccumulator(sys.argv[1], size_guidance={'scalars': 0, 'images': 0}); acc.Reload()",
      "tags = acc.Tags()",
      "print(json.dumps({'scalars': sorted(tags['scalars']), 'd_loss': [e.step for e in acc.Scalars('d_loss')], 'images': [[e.step, e.width, e.height] for e in acc.Images('samples')]}))",
    ].join("\n");
    const loaded = JSON.parse(execFileSync("python3", ["-c", script, path.join(runDir, RUN_FILES.tensorboard)], { encoding: "utf8" })) as { scalars: string[]; d_loss: number[]; images: number[][] };
    expect(loaded.scalars).toEqual(Object.keys(lastLine).filter((k) => k !== "step").sort());
    expect(loaded.d_loss).toEqual([2, 4, 6, 8, 10, 12]);
    expect(loaded.images.map(([step]) => step)).toEqual([4, 8, 12]);
  }, 120_000);
});
